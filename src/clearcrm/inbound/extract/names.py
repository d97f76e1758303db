"""Personal names: splitting display names, casing them, and names from addresses."""

from __future__ import annotations

import re
import unicodedata

# Local parts that name a function, a mailbox or a machine, never a person.
ROLE_LOCAL_PARTS = frozenset(
    [
        "info",
        "information",
        "contact",
        "contacts",
        "kontakt",
        "contacto",
        "contatto",
        "contato",
        "hello",
        "hi",
        "hey",
        "sales",
        "sale",
        "vertrieb",
        "ventas",
        "vendite",
        "verkoop",
        "vendas",
        "office",
        "buero",
        "bureau",
        "ufficio",
        "oficina",
        "kantoor",
        "escritorio",
        "admin",
        "administrator",
        "administration",
        "webmaster",
        "postmaster",
        "hostmaster",
        "mailer",
        "mailer-daemon",
        "daemon",
        "root",
        "www",
        "www-data",
        "apache",
        "nginx",
        "wordpress",
        "wp",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "support",
        "help",
        "helpdesk",
        "service",
        "services",
        "kundenservice",
        "servicedesk",
        "team",
        "staff",
        "marketing",
        "billing",
        "invoice",
        "invoices",
        "rechnung",
        "accounts",
        "accounting",
        "finance",
        "hr",
        "jobs",
        "careers",
        "career",
        "bewerbung",
        "recruiting",
        "press",
        "presse",
        "media",
        "news",
        "newsletter",
        "notifications",
        "notification",
        "notify",
        "alerts",
        "alert",
        "bounce",
        "bounces",
        "reply",
        "replies",
        "mail",
        "email",
        "e-mail",
        "post",
        "enquiries",
        "enquiry",
        "inquiries",
        "inquiry",
        "anfrage",
        "anfragen",
        "orders",
        "order",
        "bestellung",
        "shop",
        "store",
        "hallo",
        "bonjour",
        "hola",
        "ciao",
        "hallo",
        "hoi",
        "ola",
        "forms",
        "form",
        "webform",
        "formular",
        "formulaire",
        "formulario",
        "modulo",
        "website",
        "web",
        "site",
        "privacy",
        "legal",
        "abuse",
        "security",
        "compliance",
        "it",
        "dev",
        "developer",
        "system",
        "automated",
        "reception",
        "empfang",
        "zentrale",
        "central",
        "general",
        "mailbox",
        "inbox",
        "test",
        "demo",
    ]
)

# Prefixes that belong to the surname and stay lower case inside a name.
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "dela",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "zu",
        "zum",
        "zur",
        "ten",
        "ter",
        "bin",
        "ibn",
        "al",
        "el",
        "y",
        "e",
    ]
)
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "herr",
        "frau",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "sig",
        "dott",
        "dhr",
        "mevr",
        "dipl",
        "ing",
    ]
)
_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "msc", "bsc", "esq"])
_ROMAN = frozenset(["ii", "iii", "iv", "vi", "vii", "viii"])

_PARENTHESIS = re.compile(r"\s*[(\[].*?[)\]]")
_VIA = re.compile(r"\s+(?:via|über|par|por|tramite|door|através de)\s+\S.*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_LOCAL_PART_SEPARATORS = re.compile(r"[._-]+")


def clean_display_name(display: str) -> str:
    """Drop quotes, "(Acme)" remarks and "via LinkedIn" tails from a display name."""
    text = unicodedata.normalize("NFC", display or "")
    text = text.replace('"', " ").strip(" '\t\r\n")
    text = _PARENTHESIS.sub("", text)
    text = _VIA.sub("", text)
    return _SPACES.sub(" ", text).strip(" ,;")


def split_name(display: str) -> tuple[str, str]:
    """Split a display name into (first, last); recase all-caps or all-lower input.

    "Last, First" keeps the comma's split ("García López, María José"); otherwise the
    first word (with any initials after it) is the first name and the rest the last
    name, so particles stay with the surname ("Jan van der Berg").
    """
    text = clean_display_name(display)
    if not text or "@" in text:
        return "", ""
    flipped = _split_at_comma(text) if "," in text else None
    if flipped is not None:
        first_words = _recase(flipped[0].split())
        last_words = _recase(flipped[1].split(), surname=True)
        return " ".join(first_words), " ".join(last_words)
    words = _strip_honorifics(text.replace(",", " ").split())
    if not words:
        return "", ""
    words = _recase(words)
    first_end = 1
    while first_end < len(words) - 1 and _is_initial(words[first_end]):
        first_end += 1
    return " ".join(words[:first_end]), " ".join(words[first_end:])


def join_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _split_at_comma(text: str) -> tuple[str, str] | None:
    """("Jürgen", "Müller") for "Müller, Jürgen"; None for "John Smith, PhD"."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    suffixes: list[str] = []
    while len(parts) > 1 and _key(parts[-1]) in _SUFFIXES:
        suffixes.insert(0, parts.pop())
    if len(parts) != 2:
        return None
    first = _strip_honorifics(parts[1].split())
    if not first:
        return None
    return " ".join(first), " ".join([parts[0], *suffixes])


def _strip_honorifics(words: list[str]) -> list[str]:
    while len(words) > 1 and _key(words[0]) in _HONORIFICS:
        words = words[1:]
    while len(words) > 1 and _key(words[-1]) in _SUFFIXES - {"jr", "sr", "ii", "iii", "iv"}:
        words = words[:-1]
    return words


def _key(word: str) -> str:
    return word.strip(".,").lower()


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1 and word[0].isalpha()


def _recase(words: list[str], *, surname: bool = False) -> list[str]:
    letters = "".join(words)
    whole = letters.isupper() or letters.islower()
    out = []
    for index, word in enumerate(words):
        shouty = word.isupper() and sum(ch.isalpha() for ch in word) >= 3
        if (whole or shouty) and _key(word) not in _ROMAN:
            word = _case_word(word, first=index == 0 and not surname)
        out.append(word)
    return out


def _case_word(word: str, *, first: bool) -> str:
    lower = word.lower()
    if not first and lower in _PARTICLES:
        return lower
    return "-".join(_case_part(part) for part in lower.split("-"))


def _case_part(part: str) -> str:
    if not part:
        return part
    if "'" in part or "\u2019" in part:
        quote = "'" if "'" in part else "\u2019"
        head, _, tail = part.partition(quote)
        if len(head) <= 2:  # O'Neil, d'Arcy
            head_cased = head.capitalize() if head != "d" else head
            return f"{head_cased}{quote}{tail.capitalize()}"
    if part.startswith("mc") and len(part) > 3:
        return "Mc" + part[2:].capitalize()
    return part.capitalize()


def name_from_address(email: str) -> str:
    """ "jane.doe@x" -> "Jane Doe"; '' when the local part is a role or not name-like."""
    if is_role_address(email):
        return ""
    local = _local_part(email).rstrip("0123456789")  # jane.doe85@
    parts = [part for part in _LOCAL_PART_SEPARATORS.split(local) if part]
    if not 2 <= len(parts) <= 3 or any(part in ROLE_LOCAL_PARTS for part in parts):
        return ""
    if not all(part.isalpha() and len(part) >= 2 for part in parts):
        return ""  # "j.doe" or "jd2": too little to be sure
    return " ".join(_case_word(part, first=i == 0) for i, part in enumerate(parts))


def is_role_address(email: str) -> bool:
    """info@, sales@, no-reply@ ... (a "+tag" is ignored)."""
    local = _local_part(email)
    return local in ROLE_LOCAL_PARTS or _LOCAL_PART_SEPARATORS.sub("", local) in ROLE_LOCAL_PARTS


def _local_part(email: str) -> str:
    return (email or "").rpartition("@")[0].split("+", 1)[0].strip().lower()
