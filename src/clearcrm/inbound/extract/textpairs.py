"""Label/value pairs from plain text, as form builders lay them out.

Handles "Label: value", "**Label:** value", "*Label*: value", "Label" or "Label:" on
one line with the value on the next, WPForms' "--- Label ---" headings, tab- or
column-separated cells, and multi-line messages that run until the next label.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .htmlpairs import Pair
from .labels import field_for_label, is_known_label, is_plausible_label
from .normalise import fold

MAX_LINES = 2000
MULTI_LINE_FIELDS = frozenset({"description", "address"})

_DASHED = re.compile(r"^-{2,}\s*(?P<label>[^-\s].*?)\s*-{2,}$")
_BOLD_ONLY = re.compile(r"^(?P<mark>\*\*|__|\*)(?P<label>[^*_]+?)(?P=mark)\s*[:\uff1a]?$")
_SEPARATOR = re.compile(r"^(?:[-=_*~#]\s*){3,}$")
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
_BULLET = re.compile(r"^(?:[-•·▪‣◦]|\*(?=\s))\s+")
_COLUMNS = re.compile(r"^(?P<label>\S.{0,40}?)(?:\t+| {2,})(?P<value>\S.*)$")
_ENDS_WITH_DIGIT = re.compile(r"\d$")
_QUOTE_INTRO = re.compile(
    r"^(?:on .+ wrote|am .+ schrieb .+|le .+ a ecrit|el .+ escribio|il .+ ha scritto|"
    r"op .+ schreef .+|em .+ escreveu)\s*:?$"
)

# Boilerplate that form builders put around the data: a line starting like this ends
# any value and holds no data (compared case- and accent-insensitively).
_FOOTERS = (
    # CF7 and PHP mailers
    "this is a notification that a contact form",
    "diese e-mail wurde",
    "diese email wurde",
    "cet e-mail a ete envoye",
    "cet email a ete envoye",
    "ce message a ete envoye",
    "este mensaje se ha enviado",
    "este correo electronico",
    "questa e-mail e stata inviata",
    "questa email e stata inviata",
    "deze e-mail is verzonden",
    "deze e-mail werd verstuurd",
    "deze email is verzonden",
    "este e-mail foi enviado",
    "esta mensagem foi enviada",
    # Squarespace
    "sent via form submission",
    "(sent via",
    "(envoye via",
    "(enviado a traves",
    "(enviado via",
    "(gesendet uber",
    "(inviato tramite",
    "(verzonden via",
    # HubSpot, Wix, Typeform, Webflow, Formspree: links back to the service
    "view contact",
    "kontakt anzeigen",
    "afficher le contact",
    "ver contacto",
    "visualizza contatto",
    "contact bekijken",
    "ver contato",
    "view submission",
    "view this submission",
    "bekijk deze inzending",
    "sieh dir diese",
    "voir cette soumission",
    "ver este envio",
    "visualizza questo invio",
    "veja este envio",
    "view entry",
    "view the response",
    "view all responses",
    "ver todas as respostas",
    "ver todas las respuestas",
    "voir toutes les reponses",
    "alle antworten",
    "vedi tutte le risposte",
    "bekijk alle antwoorden",
    "go to your site",
    "manage your form",
    "manage notifications",
    "manage your notification",
    "you can reply to this",
    "reply to this email to",
    "to stop receiving",
    "submitted via",
    "you received this",
    "sent from my",
)
# Footer phrases that may also sit mid-sentence ("View it in Wix. You are receiving ...").
_FOOTERS_ANYWHERE = (
    "you are receiving this",
    "you're receiving this",
    "you\u2019re receiving this",
    "this e-mail was sent from",
    "this email was sent from",
    "unsubscribe",
)
# "Submitted 16 February 2025, 21:12 UTC", "Gesendet am 05.03.2025 um 07:55 Uhr".
_TIMESTAMP_FOOTER = re.compile(
    r"^(?:submitted|sent|received|gesendet am|eingegangen am|envoye le|enviado el|"
    r"inviato il|verzonden op|enviado em)\b[^:]*\d{4}"
)


_Answer = TypeVar("_Answer")
_Question = Callable[[str], object]


@dataclass(slots=True)
class _Cursor:
    lines: list[str]
    index: int = 0
    # Answers about lines, kept for this text only: each line is looked at several
    # times (as the current line, as the line below a heading, as a possible end of a
    # value), and on long lines of prose every look costs.
    known: dict[tuple[_Question, str], object] = dataclasses.field(default_factory=dict)

    def at_end(self) -> bool:
        return self.index >= len(self.lines)

    def line(self) -> str:
        return self.lines[self.index]

    def at(self, index: int) -> _Cursor:
        """Another position in the same text, sharing what is known about its lines."""
        return _Cursor(self.lines, index, self.known)

    def ask(self, question: Callable[[str], _Answer], line: str) -> _Answer:
        """question(line), worked out once per text."""
        key = (question, line)
        if key not in self.known:
            self.known[key] = question(line)
        return self.known[key]  # type: ignore[return-value]


def text_pairs(text: str) -> list[Pair]:
    """Every label/value pair in the text, in order; quoted history is skipped."""
    cursor = _Cursor(_prepare(text))
    pairs: list[Pair] = []
    run_end = -1  # where the last bare "Label / value" pair ended
    while not cursor.at_end():
        line = cursor.line()
        if _SIGNATURE_DELIMITER.match(line):
            break  # CF7 and most PHP mailers put only boilerplate below "-- "
        cursor.index += 1
        if not line or cursor.ask(is_footer, line):
            continue  # blank lines and boilerplate hold no pair
        inline = cursor.ask(inline_pair, line)
        heading = explicit_heading(line, inline) or bare_heading(line, inline, cursor, run_end)
        if heading is not None:
            label, explicit = heading
            field = field_for_label(label)
            single = not explicit and field not in MULTI_LINE_FIELDS
            value = _collect(cursor, field, after_heading=True, single_line=single)
            if value:
                pairs.append(Pair(label, value))
            run_end = -1 if explicit else cursor.index
            continue
        if inline is not None:
            label, value = inline
            field = field_for_label(label)
            if field in MULTI_LINE_FIELDS:
                more = _collect(cursor, field, after_heading=False)
                value = f"{value}\n{more}" if more else value
            pairs.append(Pair(label, value))
    return pairs


def _prepare(text: str) -> list[str]:
    """Lines without quoted history, trailing blanks or invisible characters."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u200b", "").replace("\xa0", " ")
    lines = []
    for raw in text.split("\n")[:MAX_LINES]:
        line = raw.strip()
        if line.startswith(">"):
            continue
        if _QUOTE_INTRO.match(fold(line)):
            break
        lines.append(line)
    return lines


def is_footer(line: str) -> bool:
    folded = fold(line)
    return (
        folded.startswith(_FOOTERS)
        or any(f in folded for f in _FOOTERS_ANYWHERE)
        or bool(_TIMESTAMP_FOOTER.match(folded))
    )


def _strip_markup(label: str) -> str:
    return label.replace("**", "").replace("__", "").strip().strip("*_").strip()


def inline_pair(line: str) -> tuple[str, str] | None:
    """("Label", "value") for "Label: value", "**Label:** value" or "Label<TAB>value"."""
    if not _has_pair_separator(line):
        return None  # most lines of prose: nothing to split at
    line = _BULLET.sub("", line)
    colon = _first_colon(line)
    if colon >= 0:
        label = _strip_markup(line[:colon])
        value = line[colon + 1 :].strip().lstrip("*_").strip()
        # "https://x" is no pair, nor is "at 21:12" (a time split at its colon).
        if value.startswith("//") or (_ENDS_WITH_DIGIT.search(label) and value[:1].isdigit()):
            return None
        return (label, value) if is_plausible_label(label) and _is_label_text(label) else None
    columns = _COLUMNS.match(line)
    if columns:
        label = _strip_markup(columns.group("label"))
        separated_by_tab = "\t" in line[: columns.end("label") + 1]
        if is_known_label(label) or (separated_by_tab and is_plausible_label(label)):
            return label, columns.group("value").strip()
    return None


def _has_pair_separator(line: str) -> bool:
    """A colon, a tab or a run of spaces, which split a label from its value."""
    return ":" in line or "\uff1a" in line or "\t" in line or "  " in line


def _first_colon(line: str) -> int:
    positions = [pos for pos in (line.find(":"), line.find("\uff1a")) if pos >= 0]
    return min(positions) if positions else -1


def _is_label_text(label: str) -> bool:
    """A label holds letters and is not the scheme of a URL ("https://...")."""
    return any(ch.isalpha() for ch in label) and not label.endswith(("http", "https"))


def explicit_heading(line: str, inline: tuple[str, str] | None) -> tuple[str, bool] | None:
    """ "--- Label ---", "**Label**" or "Label:" alone on a line (``inline``: its pair)."""
    if not line:
        return None
    for pattern in (_DASHED, _BOLD_ONLY):
        match = pattern.match(line)
        if match and is_plausible_label(_strip_markup(match.group("label"))):
            return _strip_markup(match.group("label")).rstrip(":\uff1a").strip(), True
    if inline is not None and not inline[1]:
        return inline[0], True
    return None


def bare_heading(
    line: str, inline: tuple[str, str] | None, cursor: _Cursor, run_end: int
) -> tuple[str, bool] | None:
    """A line without markup that names a field, its value on the next line."""
    bare = _strip_markup(line)
    if not bare or inline is not None or not is_plausible_label(bare):
        return None
    # What the line itself says is checked before the lines below it, which cost more.
    if cursor.ask(_names_known_label, line) or (bare.endswith("?") and len(bare.split()) >= 2):
        return (bare, False) if _next_value_line(cursor) else None
    if bare.endswith((".", ",", ";", "!", ")")):
        return None
    here = cursor.index - 1
    starts_paragraph = here == 0 or not cursor.lines[here - 1]
    if not (starts_paragraph or here == run_end) or not _next_value_line(cursor):
        return None
    if starts_paragraph and field_for_label(bare) and len(bare.split()) <= 6:
        return bare, False  # "Describe your project" above its answer
    if _single_value_follows(cursor):
        return bare, False  # "Event date" / "2025-04-12" as a paragraph or in a run
    return None


def _single_value_follows(cursor: _Cursor) -> bool:
    """The next line is a value and the one after it ends the pair."""
    lines, position = cursor.lines, cursor.index
    if position >= len(lines) or not lines[position] or _SEPARATOR.match(lines[position]):
        return False
    after = lines[position + 1] if position + 1 < len(lines) else ""
    return not after or _is_label_line(cursor, after) or cursor.ask(is_footer, after)


def _next_value_line(cursor: _Cursor) -> bool:
    """The following line (blank lines skipped) is a value, not another label."""
    for offset in range(3):
        position = cursor.index + offset
        if position >= len(cursor.lines):
            return False
        line = cursor.lines[position]
        if line:
            return not (
                _is_label_line(cursor, line)
                or cursor.ask(is_footer, line)
                or _SEPARATOR.match(line)
            )
    return False


def _is_label_line(cursor: _Cursor, line: str) -> bool:
    if _DASHED.match(line) or _BOLD_ONLY.match(line) or cursor.ask(_names_known_label, line):
        return True
    inline = cursor.ask(inline_pair, line)
    return inline is not None and bool(field_for_label(inline[0]))


def _names_known_label(line: str) -> bool:
    return is_known_label(_strip_markup(line))


def _ends_value(cursor: _Cursor, line: str, field: str, *, after_blank: bool, first: bool) -> bool:
    """Whether ``line`` starts something new instead of continuing the value.

    The first line under a heading is its value even when it reads like a label
    ("Preferred contact" / "Phone"); later lines that name a field end the value.
    """
    if _SIGNATURE_DELIMITER.match(line) or _SEPARATOR.match(line) or cursor.ask(is_footer, line):
        return True
    if _DASHED.match(line) or _BOLD_ONLY.match(line):
        return True
    inline = cursor.ask(inline_pair, line)
    if inline is not None and (field_for_label(inline[0]) or after_blank):
        return True
    if first or not cursor.ask(_names_known_label, line):
        return False
    # Inside a message only a label naming another field ends it ("Vorname" / "Stefan").
    return field not in MULTI_LINE_FIELDS or field_for_label(_strip_markup(line)) != field


def _asks_next_question(cursor: _Cursor) -> bool:
    """The current line is a question heading with its own answer below it."""
    line = cursor.line()
    if not line.endswith("?"):
        return False
    inline, below = cursor.ask(inline_pair, line), cursor.at(cursor.index + 1)
    return bare_heading(line, inline, below, -1) is not None


def _collect(cursor: _Cursor, field: str, *, after_heading: bool, single_line: bool = False) -> str:
    """Value lines from the cursor on; messages may span paragraphs, others may not."""
    multi_line = field in MULTI_LINE_FIELDS
    lines: list[str] = []
    blank_run = 0
    while not cursor.at_end():
        line = cursor.line()
        if not line:
            blank_run += 1
            if (lines and not multi_line) or (not lines and blank_run > 2):
                break
            cursor.index += 1
            continue
        first = after_heading and not lines
        if _ends_value(cursor, line, field, after_blank=blank_run > 0 and bool(lines), first=first):
            break
        if not field and _asks_next_question(cursor):
            break  # "Here's what was submitted:" introduces questions, it has no value
        if lines and blank_run and field == "address":
            break
        lines.extend([""] * min(blank_run, 1) if lines else [])
        lines.append(line)
        blank_run = 0
        cursor.index += 1
        if single_line or (not multi_line and not after_heading):
            break
    return "\n".join(lines).strip()
