"""Email addresses: the one form they are stored and compared in. No Django, no I/O.

Every place that stores an address (``fields.EmailAddressField``), matches one
(leads, contacts, rules, rate limits) or reads one from a message
(``inbound.parse``, ``inbound.extract``, bounce reports) ends with
:func:`normalize_address`, so the same person is the same string everywhere.
"""

from __future__ import annotations

#: RFC 5321 §4.5.3.1: the longest path and local part a server must accept.
MAX_ADDRESS_CHARS = 254
MAX_LOCAL_PART_CHARS = 64


def normalize_address(address: str) -> str:
    """The stored, compared form of an address: trimmed and lower-cased.

    The local part is case-sensitive in theory (RFC 5321 §2.4), but no real
    mail system treats it so, and a CRM must not split one person in two.
    """
    return address.strip().lower()


def usable_address(address: str) -> str:
    """The normalised address if mail could be written back to it, else ''.

    Deliberately structural only (RFC 5321 §4.5.3.1 limits, one @, a dotted
    domain): a CRM must not refuse mail from a domain a validator thinks odd;
    it only refuses what no server could deliver to.
    """
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or len(address) > MAX_ADDRESS_CHARS:
        return ""
    if len(local) > MAX_LOCAL_PART_CHARS or any(c.isspace() or c in "<>,;" for c in address):
        return ""
    return normalize_address(address)


def in_domain(address: str, domain: str) -> bool:
    """Whether an address belongs to a domain or one of its subdomains."""
    own = normalize_address(address.rpartition("@")[2])
    domain = normalize_address(domain).lstrip("@").strip(".")
    return bool(domain) and (own == domain or own.endswith("." + domain))
