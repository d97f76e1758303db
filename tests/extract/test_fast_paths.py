"""The extractor's shortcuts give exactly what the plain code they replace gives.

Each shortcut skips work that cannot change the answer (a regex tried only where it
can match, ASCII text folded without decomposing it, ...). The plain versions are
kept here as references and compared on tricky and generated input; a few checks
guard the time and memory the shortcuts were made for.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import quotequail
from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage

from clearcrm.inbound.extract import htmldoc, labels, normalise, quoted, signature

from . import emlload

HERE = Path(__file__).parent

# Characters that make folding, label keys and line cleaning interesting.
ALPHABET = (
    "abcXYZ019 _-*`.,:;!?()[]'\"/@#\t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u2028\u3000\x00\x7f"
    "äöüÄÖÜßéÉçñøåДжΣςأب中文한\u0301\u0308\u200b\u00ad\ufeff"
    # capital sharp s, dotted and dotless i, long s, Kelvin sign, ligatures, fractions,
    # superscripts, circled digits, fullwidth letters and colon
    "\u1e9e\u0130\u0131\u017f\u212a\ufb01\ufb00\u00bd\u00b2\u2460\uff21\uff42\uff1a"
)
PIECES = [
    "(required)",
    "(Pflichtfeld)",
    "your-email",
    "your_name",
    "E-Mail-Adresse*",
    "**Name:**",
    "Grüße",
    "Straße",
    "  ",
    "\t",
]


def _random_strings(count: int, seed: int, alphabet: str = ALPHABET) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [
            rng.choice(PIECES) if rng.random() < 0.15 else rng.choice(alphabet)
            for _ in range(rng.randint(0, 30))
        ]
        texts.append("".join(parts))
    return texts


def _reference_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold()).replace("ß", "ss")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reference_label_key(label: str) -> str:
    text = unicodedata.normalize("NFKD", label or "").casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")
    text = labels._REQUIRED_MARKS.sub(" ", text)
    text = re.sub(r"^your[-_](?=\w)", "your ", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _reference_clean_line(value: str) -> str:
    text = unicodedata.normalize("NFC", value or "").translate(normalise._INVISIBLE)
    text = normalise._CONTROL.sub(" ", text.replace("\xa0", " "))
    text = " ".join(text.split())
    return re.sub(r"^[\s*_`]+|[\s*_`]+$", "", text)


def _reference_tidy_cells(line: str) -> str:
    line = re.sub(r"[ \t\r\f\v\xa0]+", " ", line.replace("\t", "\x00")).replace("\x00", "\t")
    return re.sub(r" *\t[ \t]*", "\t", line).strip(" \t")


@pytest.mark.parametrize(
    ("shortcut", "reference"),
    [
        (normalise.fold, _reference_fold),
        (labels.label_key, _reference_label_key),
        (normalise.clean_line, _reference_clean_line),
        (htmldoc._tidy_cells, _reference_tidy_cells),
    ],
    ids=["fold", "label_key", "clean_line", "tidy_cells"],
)
def test_text_shortcuts_match_their_reference(shortcut, reference):
    samples = _random_strings(3000, seed=1) + PIECES + ["", " ", "ß", "ẞ", "İ"]
    for text in samples:
        assert shortcut(text) == reference(text), repr(text)


def test_whitespace_that_split_removes_is_what_the_regex_calls_space():
    """clean_line strips markup edges after split(): this equality makes that exact."""
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert "".join(everything.split()) == re.sub(r"\s", "", everything)


# ------------------------------------------------------------------ quoted history

QUOTE_LINES = [
    "On Mon, 3 Mar 2025 at 10:12, Jane Doe <jane@example.com> wrote:",
    "On Mon, 3 Mar 2025 at 10:12, Jane Doe",
    "<jane@example.com> wrote:",
    "On",
    "Monday",
    "wrote:",
    "Am 03.03.2025 um 10:12 schrieb Max Muster <max@example.de>:",
    "Am",
    "Montag",
    "schrieb",
    "Max:",
    "Le lun. 3 mars 2025 à 10:12, Jean <jean@example.fr> a écrit :",
    "El lun, 3 mar 2025, Ana",
    " escribió:",
    "Il giorno lun 3 mar 2025 Anna ha scritto:",
    "Op ma 3 mrt 2025 schreef Jan <jan@example.nl>:",
    "-----Original Message-----",
    "----- Original Message -----",
    "---------- Forwarded message ---------",
    "Begin forwarded message:",
    "2025/3/3 Jane Doe <jane@example.com>",
    "From: Jane Doe",
    "Sent: Monday, 3 March 2025 10:12",
    "To: sales@example.com",
    "Subject: Re: Quote",
    "*From:* Jane",
    "> From: Jane",
    "> > Sent: Monday",
    "Von: Max",
    "Gesendet: Montag",
    "An: Vertrieb",
    "Betreff: AW: Angebot",
    "De : Jean",
    "Envoyé : lundi",
    "De: Ana",
    "Enviado: lunes",
    "Da: Anna",
    "Inviato: lunedì",
    "Van: Jan",
    "Verzonden: maandag",
    "_" * 32,
    "-" * 40,
    "> quoted text",
    "Jane <",
    "jane@example.com>",
    "Here are my details:",
    "Tel: +49 89 1234567",
    "ok ---",
    "Best regards,",
    "--",
    "-- ",
    "",
    "",
    "   ",
    "Thanks for your quick reply, the offer looks good.",
    "We would like to order 20 licences.",
]


def _quote_samples() -> list[str]:
    texts = []
    for folder in ("signatures", "forms"):
        for path in sorted((HERE / folder).glob("*.eml")):
            texts.append(emlload.read_with_stdlib(path.read_bytes()).text)
    rng = random.Random(7)
    for _ in range(250):
        texts.append("\n".join(rng.choice(QUOTE_LINES) for _ in range(rng.randint(1, 30))))
    # Around quotequail's 1,000-line limit, where its own limit must still decide.
    for start in (996, 998, 999, 1000):
        lines = ["Some text of the message."] * 1001
        lines[start:start] = ["Begin forwarded message:", "From: Jane <jane@example.com>"]
        texts.append("\n".join(lines))
    return texts


def _reference_newest_part(text: str) -> str:
    """newest_part() as it was: both libraries run on the whole text."""
    text = (text or "")[: quoted.MAX_BODY_CHARS].replace("\r\n", "\n")
    message = EmailReplyParser(languages=list(quoted._REPLY_LANGUAGES)).read(text)
    for reply in message.replies:
        content = reply.content or ""
        if reply.headers:
            content = content.replace(reply.headers, "", 1)
        own = [line for line in content.split("\n") if not line.lstrip().startswith(">")]
        if any(line.strip() for line in own):
            text = "\n".join(own)
            break
    visible = "\n".join(part for expanded, part in quotequail.quote(text) if expanded)
    return "\n".join(line for line in visible.split("\n") if not line.lstrip().startswith(">"))


def test_newest_part_matches_both_libraries_on_the_whole_text():
    for text in _quote_samples():
        assert quoted.newest_part(text) == _reference_newest_part(text), repr(text[:300])


def test_reply_headers_are_found_as_the_libraries_regex_finds_them():
    scan = quoted._HEADER_SCAN
    languages = list(quoted._REPLY_PARSER_LANGUAGES)
    for text in _quote_samples():
        normalised = EmailMessage(text=text, languages=list(languages)).text
        assert scan.findall(normalised) == scan.regex.findall(normalised), repr(text[:300])


def _reference_signature_block(body: str) -> tuple[list[str], bool]:
    lines = [normalise.clean_line(line) for line in body.split("\n")]
    lines = [line for line in lines if line and not signature._SENT_FROM.match(line)]
    for index in range(len(lines) - 1, -1, -1):
        closing = signature._closing_remainder(lines[index])
        if closing is not None:
            block = ([closing] if closing else []) + lines[index + 1 :]
            return signature._trim(block), True
    return signature._trim(lines[-signature.FALLBACK_LINES :]), False


def test_signature_block_read_from_the_end_matches_reading_it_all():
    for text in _quote_samples():
        body = quoted.newest_part(text)
        assert signature.signature_block(body) == _reference_signature_block(body)


# ------------------------------------------------------------------ memory


def test_label_lookups_remember_a_bounded_number_of_short_labels_only():
    caches = (labels._field_for_short_label, labels._is_known_short_label)
    assert all(cache.cache_info().maxsize == labels._CACHED_LABELS for cache in caches)
    sizes = [cache.cache_info().currsize for cache in caches]
    prose = "We are looking for a CRM that takes our inbound email seriously. " * 5
    assert labels.field_for_label(prose) == "" and not labels.is_known_label(prose)
    assert [cache.cache_info().currsize for cache in caches] == sizes


def test_country_names_in_every_language_we_read():
    from clearcrm.inbound.extract import canonical_country

    for typed in ("Deutschland", "Allemagne", "Alemania", "Germania", "Duitsland", "DE", "DEU"):
        assert canonical_country(typed) == "Germany", typed


def test_importing_the_extractor_leaves_phonenumbers_geocoding_data_unloaded():
    """phonenumbers.geodata holds about 100 MB; the importer must not pay for it."""
    code = (
        "import sys, clearcrm.inbound.extract\n"
        "print(sorted(m for m in sys.modules if m.startswith('phonenumbers.geo')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
