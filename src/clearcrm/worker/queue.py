"""The task queue: Huey on Redis when CLEARCRM_REDIS_URL is set, else on SQLite.

The SQLite queue is a file of its own (settings.QUEUE_FILE), so polling it
never takes the main database's one write lock. The queue is transport only:
the schedule lives in the database, so a lost task delays a check, never mail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import close_old_connections
from huey import Huey, PriorityRedisHuey, SqliteHuey
from redis import ConnectionPool


def make_huey() -> Huey:
    """The queue for the configured storage; results are never kept.

    Both storages honour task priorities, so pushed checks overtake a backlog
    of scheduled ones.
    """
    name = settings.QUEUE_NAME
    if settings.REDIS_URL:
        # Timeouts, so that a Redis that vanished makes errors, not hangs
        # (the socket timeout outlasts the consumer's 1-second blocking pop).
        pool = ConnectionPool.from_url(
            settings.REDIS_URL, socket_connect_timeout=5, socket_timeout=30
        )
        return PriorityRedisHuey(name, connection_pool=pool, results=False, utc=True)
    return SqliteHuey(name, filename=str(settings.QUEUE_FILE), results=False, utc=True)


huey = make_huey()


@huey.pre_execute()
def _fresh_connection(task: object) -> None:
    close_old_connections()  # as Django does around a request


@huey.post_execute()
def _release_connection(task: object, value: object, exc: BaseException | None) -> None:
    close_old_connections()


def pending() -> int:
    """Tasks waiting in the queue (scheduled retries not counted)."""
    return huey.pending_count()
