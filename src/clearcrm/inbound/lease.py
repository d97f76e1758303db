"""The mailbox lease: one import run per mailbox at a time.

Claimed with an atomic conditional UPDATE, so it works the same on SQLite and
PostgreSQL and across machines. A crashed run's lease simply expires; a lease
whose holder died on this host is taken over at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from clearcrm.inbound.models import Mailbox

LEASE = timedelta(minutes=5)


class LeaseLost(RuntimeError):
    """Another run took the mailbox over (this run's lease had expired)."""


def owner_name() -> str:
    """A lease owner unique to this process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(mailbox: Mailbox, owner: str) -> bool:
    """Claim the mailbox; also take over a lease whose holder died on this host."""
    now = timezone.now()
    free = Q(lease_expires__isnull=True) | Q(lease_expires__lt=now)
    holder = Mailbox.objects.filter(pk=mailbox.pk).values_list("lease_owner", flat=True).first()
    if holder and died_here(holder):
        free |= Q(lease_owner=holder)
    claimed = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(free)
        .update(lease_owner=owner, lease_expires=now + LEASE)
    )
    return claimed == 1


def died_here(owner: str) -> bool:
    """Whether a lease owner ran on this host and its process is gone (killed, crashed)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


def renew_lease(mailbox: Mailbox, owner: str) -> None:
    """Push the lease's expiry out; raises LeaseLost when another run holds it now."""
    renewed = Mailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_expires=timezone.now() + LEASE
    )
    if not renewed:
        raise LeaseLost("lost the mailbox lease to another run")


def release_lease(mailbox: Mailbox, owner: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_owner="", lease_expires=None
    )
