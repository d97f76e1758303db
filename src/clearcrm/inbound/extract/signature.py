"""Contact details from the signature of a personal email.

Only the newest part of the message is read (quoted history is removed with
mail-parser-reply and quotequail, each tried only on the lines where one of its
patterns can match), and only its last lines: the block after a closing such as
"Best regards" or "-- ", or the last few lines when there is none.
Phone numbers and websites are recognised by their form; a job title and company only
next to the writer's name and only when the line says so (a title word, a legal form
such as "GmbH", or the sender's own domain). Anything less certain stays empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import phonenumbers
import quotequail
from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage

# How many lines quotequail joins to match a wrapped intro line; private, but the
# windows it is shown below must hold the lines each pattern may wrap onto.
from quotequail._patterns import MAX_WRAP_LINES

from .domains import is_free_mail_domain, registrable_domain
from .normalise import clean_line, fold, format_e164, looks_like_garbage, normalise_website

MAX_BODY_CHARS = 100_000
MAX_BLOCK_LINES = 14
FALLBACK_LINES = 8
MAX_SIGNATURE_LINE = 120
_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt"]
# quotequail.quote() counts everything past this many lines as quoted (its default).
QUOTE_LINE_LIMIT = 1000
# Each quotequail pattern ends the (possibly wrapped) line it matches like this:
# "On ... wrote:", "2025/3/3 Jane <jane@x>", "--- Forwarded message ---", "_____".
_QUOTE_INTRO_ENDINGS = (":", ">", "---", "_")
# Each reply header mail-parser-reply knows holds a colon ("On ... wrote:", "From: ...")
# or the dashes of "-----Original Message-----", at most this many lines below the line
# it starts on ("Am\nMontag ...\nschrieb\nJane\n<j@x>:" wraps at four places).
_REPLY_HEADER_MAX_LINES = 4
# A separator line below a blank line, which mail-parser-reply joins to the text above.
_SEPARATOR_AFTER_BLANK = re.compile(r"\n\n ?[_-]{32}")

_CLOSINGS = re.compile(
    r"^(?:(?:with )?(?:best|kind|warm|warmest|many|kindest) (?:regards|wishes)|regards|"
    r"best|cheers|thanks|thank you|many thanks|sincerely|yours sincerely|yours truly|"
    r"all the best|mit (?:freundlichen|besten|herzlichen) grussen|mfg|viele grusse|"
    r"beste grusse|liebe grusse|herzliche grusse|freundliche grusse|gruss|grusse|"
    r"cordialement|bien cordialement|bien a vous|salutations|meilleures salutations|"
    r"sinceres salutations|merci|saludos|un saludo|saludos cordiales|atentamente|"
    r"cordiales saludos|gracias|cordiali saluti|distinti saluti|saluti|grazie|"
    r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|hartelijke groet|"
    r"atenciosamente|cumprimentos|melhores cumprimentos|abracos|obrigad[oa])\b[ ,.!]*",
    re.IGNORECASE,
)
_DELIMITER = re.compile(r"^(?:--|__|—)\s*$")
_SENT_FROM = re.compile(
    r"^(?:sent from my|get outlook for|von meinem|envoye de mon|enviado desde mi|"
    r"inviato da|verzonden vanaf mijn|enviado do meu)",
    re.IGNORECASE,
)
_PHONE_LABEL = re.compile(
    r"\b(?:tel|tele|phone|fon|telefon|telephone|telefono|telefoon|telefone|mobile?|"
    r"mobil|handy|cell|cellulare|celular|movil|mobiel|telemovel|portable|gsm|direct|"
    r"direkt|office|whatsapp|[tmpdo])\b\.?\s*[:.]?",
    re.IGNORECASE,
)
_FAX = re.compile(r"\b(?:fax|telefax|fx)\b|^f\s*[:.]", re.IGNORECASE)
_REGISTRY = re.compile(
    r"\b(?:iban|bic|swift|hrb|hra|ust|vat|tax|steuer|registergericht|amtsgericht|"
    r"handelsregister|siret|siren|rcs|tva|p\.?\s?iva|partita|cif|nif|kvk|btw|cnpj|"
    r"company (?:no|number|reg)|registered|reg\.? ?no|abn|acn)\b",
    re.IGNORECASE,
)
_URL = re.compile(r"(?<![@\w.])(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![@\w.])([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:/[^\s<>()\"']*)?$",
    re.IGNORECASE,
)
_WEB_LABEL = re.compile(r"^(?:w|web|website|webseite|site|sitio|sito|url|internet)\s*[:.]\s*", re.I)
# Links in signatures that point at a platform rather than the writer's company.
_PLATFORM_LABELS = frozenset(
    [
        "linkedin",
        "xing",
        "twitter",
        "x",
        "facebook",
        "fb",
        "instagram",
        "youtube",
        "youtu",
        "tiktok",
        "github",
        "calendly",
        "bit",
        "t",
        "aka",
        "zoom",
        "microsoft",
        "office",
        "outlook",
        "live",
        "apple",
        "google",
        "goo",
        "whatsapp",
        "wa",
        "skype",
        "teams",
        "meet",
        "vimeo",
        "pinterest",
        "threads",
        "medium",
    ]
)
# "logo.png" on its own line is an attachment name, not a domain in Papua New Guinea.
_FILE_EXTENSIONS = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "svg",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "zip",
        "txt",
        "htm",
        "html",
        "exe",
        "eml",
        "vcf",
    ]
)
_LEGAL_FORM = re.compile(
    r"(?:^|[\s,])(?:gmbh|ag|kg|ug|e\.\s?k\.|ohg|gbr|kgaa|se|ltd\.?|limited|llc|l\.l\.c\.|"
    r"inc\.?|corp\.?|corporation|plc|llp|lp|co\.|s\.a\.|sa|sas|s\.a\.s\.|sarl|s\.a\.r\.l\.|"
    r"eurl|sl|s\.l\.|slu|s\.l\.u\.|s\.p\.a\.|spa|s\.r\.l\.|srl|b\.v\.|bv|n\.v\.|nv|lda\.?|"
    r"ltda\.?|s/a|eireli|pty|ab|a/s|aps|oy|as|group|gruppe|groupe|holding)(?=$|[\s,.&)])",
    re.IGNORECASE,
)
_TITLE_WORDS = re.compile(
    r"\b(?:manager|director|head of|head|chief|ceo|cto|cfo|coo|cmo|cio|founder|co-founder|"
    r"cofounder|owner|president|vp|vice president|engineer|developer|consultant|"
    r"specialist|officer|lead|partner|analyst|coordinator|assistant|architect|"
    r"administrator|executive|representative|buyer|purchasing|procurement|designer|"
    r"accountant|advisor|adviser|associate|principal|managing|account|sales|marketing|"
    r"geschaftsfuhrer(?:in)?|leiter(?:in)?|leitung|inhaber(?:in)?|vorstand|einkauf|"
    r"einkaufer(?:in)?|referent(?:in)?|sachbearbeiter(?:in)?|berater(?:in)?|"
    r"ingenieur(?:in)?|prokurist(?:in)?|vertrieb|teamleiter(?:in)?|projektleiter(?:in)?|"
    r"directeur|directrice|responsable|gerant|gerante|charge|chargee|ingenieur|"
    r"fondateur|fondatrice|president|presidente|acheteur|acheteuse|chef de|"
    r"directora|gerente|jefe|jefa|comercial|ingeniero|ingeniera|fundador|fundadora|"
    r"socio|socia|direttore|direttrice|responsabile|amministratore|titolare|ufficio|"
    r"ingegnere|eigenaar|inkoper|medewerker|adviseur|oprichter|directeur|bedrijfsleider|"
    r"diretor|diretora|gestor|gestora|socio|socia|comprador|compradora|engenheiro|"
    r"engenheira)\b",
    re.IGNORECASE,
)
_TITLE_COMPANY_SPLIT = re.compile(
    r"^(?P<title>.+?)\s*(?:\||·|•|,|\u2013|—| - | at | @ | bei | chez | en | presso | bij | na "
    r"| em )\s*(?P<company>.+)$",
    re.IGNORECASE,
)
# German "i. A." / "i. V." / "ppa." sign on someone's behalf; they are not part of the name.
_SIGNING_FOR = re.compile(r"^(?:i\.\s?[AV]\.|ppa\.|pp\.)\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"[\s,]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NAME_LINE = re.compile(r"^[^\W\d_][^\d@/:|]{1,48}$")


@dataclass(slots=True)
class Signature:
    name: str = ""
    title: str = ""
    company: str = ""
    website: str = ""
    phone: tuple[str, str] | None = None  # (E.164, as written)
    invalid: list[tuple[str, str]] = field(default_factory=list)


def extract_signature(
    text: str, *, sender_name: str, sender_email: str, region: str | None
) -> Signature:
    body = newest_part(text)
    block, has_closing = signature_block(body)
    block = [_SIGNING_FOR.sub("", line) for line in block]
    result = Signature()
    if not block:
        return result
    name_index = _find_name_line(block, sender_name, has_closing)
    if name_index is not None:
        result.name = block[name_index]
        _read_title_and_company(block[name_index + 1 :], sender_email, result)
    elif has_closing:
        _read_company_only(block, sender_email, result)
    result.phone, result.invalid = _find_phone(block, region)
    result.website = _find_website(block)
    return result


def newest_part(text: str) -> str:
    """The text the sender wrote in this message, without quoted history."""
    text = (text or "")[:MAX_BODY_CHARS].replace("\r\n", "\n")
    visible = _above_quote_intro(_without_reply_history(text))
    return "\n".join(line for line in visible.split("\n") if not line.lstrip().startswith(">"))


def _without_reply_history(text: str) -> str:
    """The first reply that holds unquoted text (replies may sit above or below quotes)."""
    try:
        message = _Replies(
            text=text, languages=list(_REPLY_PARSER_LANGUAGES), _header_regex=_HEADER_SCAN
        ).read()
    except (IndexError, ValueError, re.error, RecursionError):
        return text
    for reply in message.replies:
        content = reply.content or ""
        if reply.headers:
            content = content.replace(reply.headers, "", 1)
        own = [line for line in content.split("\n") if not line.lstrip().startswith(">")]
        if any(line.strip() for line in own):
            return "\n".join(own)
    return text


class _Replies(EmailMessage):
    """mail-parser-reply's split of a message into replies, doing only what we read.

    Only each reply's text and header are read, so the signature and disclaimer search
    (two more regexes over the whole text) is left out, and the library's rule for
    separator lines only runs where there is one. tests/extract/test_fast_paths.py
    compares the outcome with the library's own on every kind of reply header.
    """

    def _process_signatures_disclaimers(self, text: str) -> tuple[list[str], str]:
        return [], ""

    def _normalize_text(self) -> None:
        stripped = "\n".join(line.strip() for line in self.text.replace("\r\n", "\n").split("\n"))
        if _SEPARATOR_AFTER_BLANK.search(stripped):
            super()._normalize_text()  # the library's own rule for "_____" lines
        else:
            self.text = stripped


class _HeaderScan:
    """``HEADER_REGEX.findall()``, trying the regex only where a reply header can start.

    findall() tries the regex at every character, 0.7 µs each: most of what reading a
    signature cost. Every header the regex knows starts at a line start or at the
    newline before one, and holds a colon or "-----" within _REPLY_HEADER_MAX_LINES
    lines, so only the starts of the lines at and above such a line are tried.
    """

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def findall(self, text: str) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        resume = 0
        for start in _header_starts(text):
            match = self.regex.match(text, start) if start >= resume else None
            if match:
                found.append(match.groups(""))  # findall's "" for groups that did not take part
                resume = match.end()
        return found


def _header_starts(text: str) -> list[int]:
    """Offsets of the line starts, and of the newlines ending those lines, near a mark."""
    lines = text.split("\n")
    near: set[int] = set()
    for index, line in enumerate(lines):
        if ":" in line or "-----" in line:
            near.update(range(max(0, index - _REPLY_HEADER_MAX_LINES), index + 1))
    starts, offset = [], 0
    for index, line in enumerate(lines):
        if index in near:
            starts += [offset, offset + len(line)]
        offset += len(line) + 1
    return starts


# The languages EmailReplyParser keeps of ours, and its header regex built once for them.
_REPLY_PARSER_LANGUAGES = EmailReplyParser(languages=list(_REPLY_LANGUAGES)).languages
_HEADER_SCAN = _HeaderScan(
    EmailMessage(text="", languages=list(_REPLY_PARSER_LANGUAGES)).HEADER_REGEX
)


def _above_quote_intro(text: str) -> str:
    """What quotequail.quote() leaves expanded: the text down to a quote's intro line.

    quotequail tries some 35 patterns on every line (about 0.1 ms a line), so it is
    only shown the lines where one can match: a line ending like a pattern and the
    lines above it that may wrap onto it.
    """
    lines = text.split("\n")
    try:
        for first, last in _quote_intro_runs(lines):
            if last + MAX_WRAP_LINES > QUOTE_LINE_LIMIT:
                return _expanded(quotequail.quote(text))  # its line limit decides
            window = lines[first : last + MAX_WRAP_LINES]
            parts = quotequail.quote("\n".join(window), limit=len(window) + 1)
            if len(parts) > 1:
                return "\n".join([*lines[:first], _expanded(parts)])
    except (IndexError, ValueError, re.error):
        return text
    return "\n".join(lines[:QUOTE_LINE_LIMIT])


def _expanded(parts: list[tuple[bool, str]]) -> str:
    return "\n".join(part for expanded, part in parts if expanded)


def _quote_intro_runs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line numbers, inclusive, where a quotequail pattern may match.

    Adjacent runs are merged: every line a window shows past ``last`` then cannot match,
    even though the window cuts off the lines it would wrap onto.
    """
    runs: list[tuple[int, int]] = []
    for index, line in enumerate(lines[: QUOTE_LINE_LIMIT + MAX_WRAP_LINES - 1]):
        if not line.rstrip().endswith(_QUOTE_INTRO_ENDINGS):
            continue
        first, last = max(0, index - MAX_WRAP_LINES + 1), min(index, QUOTE_LINE_LIMIT - 1)
        if runs and first <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], last)
        elif first <= last:
            runs.append((first, last))
    return runs


def signature_block(body: str) -> tuple[list[str], bool]:
    """Lines after the closing (True) or the last few lines of the message (False).

    Read from the end up, so the paragraphs above the last closing are never cleaned.
    """
    below: list[str] = []  # cleaned lines under the current one, last line first
    for raw in reversed(body.split("\n")):
        line = clean_line(raw)
        if not line or _SENT_FROM.match(line):
            continue
        closing = _closing_remainder(line)
        if closing is not None:
            block = ([closing] if closing else []) + below[::-1]
            return _trim(block), True
        below.append(line)
    return _trim(below[:FALLBACK_LINES][::-1]), False


def _closing_remainder(line: str) -> str | None:
    """None when the line is no closing; else what follows it ("Best, Jane" -> "Jane")."""
    if _DELIMITER.match(line):
        return ""
    match = _CLOSINGS.match(fold(line))
    if not match or len(line) > 60:
        return None
    rest = line[match.end() :].strip(" ,.!")
    if not rest:
        return ""
    # "Best, Jane" signs off; "Thanks, I will check." is a sentence that goes on.
    words = rest.split()
    signed = len(words) <= 3 and all(word[:1].isupper() for word in words)
    return rest if signed and _NAME_LINE.match(rest) else None


def _trim(block: list[str]) -> list[str]:
    """Stop at a disclaimer: signature lines are short."""
    kept = []
    for line in block[:MAX_BLOCK_LINES]:
        if len(line) > MAX_SIGNATURE_LINE or looks_like_garbage(line):
            break
        kept.append(line)
    return kept


def _find_name_line(block: list[str], sender_name: str, has_closing: bool) -> int | None:
    tokens = [fold(token) for token in _NAME_SEPARATORS.split(sender_name) if len(token) > 1]
    for index, line in enumerate(block):
        folded = fold(line)
        if tokens and _NAME_LINE.match(line) and all(token in folded for token in tokens[:2]):
            return index
    if has_closing and block and _looks_like_person(block[0]):
        return 0
    return None


def _looks_like_person(line: str) -> bool:
    words = line.split()
    return (
        bool(_NAME_LINE.match(line))
        and 2 <= len(words) <= 4
        and all(word[0].isupper() for word in words if word[0].isalpha())
        and not _TITLE_WORDS.search(fold(line))
        and not _LEGAL_FORM.search(line)
    )


def _is_contact_line(line: str) -> bool:
    """Phone, address, web or e-mail lines: never a title or company."""
    digits = sum(ch.isdigit() for ch in line)
    return digits >= 3 or "@" in line or bool(_URL.search(line)) or bool(_WEB_LABEL.match(line))


def _read_title_and_company(lines: list[str], sender_email: str, result: Signature) -> None:
    previous_was_title = False
    for line in lines[:6]:
        if _is_contact_line(line) or _REGISTRY.search(line):
            previous_was_title = False
            continue
        if _read_combined(line, result):
            previous_was_title = False
            continue
        if not result.company and _is_company_line(line, sender_email):
            result.company = line
            previous_was_title = False
        elif not result.title and _TITLE_WORDS.search(fold(line)) and len(line) <= 80:
            result.title = line
            previous_was_title = True
        elif previous_was_title and not result.company and _plain_company_candidate(line):
            result.company = line  # the usual Name / Title / Company layout
            previous_was_title = False


def _read_combined(line: str, result: Signature) -> bool:
    """ "Sales Manager | Acme GmbH" or "Head of IT at Acme" fill both at once."""
    match = _TITLE_COMPANY_SPLIT.match(line)
    if not match or result.title or result.company:
        return False
    title, company = match.group("title").strip(), match.group("company").strip()
    if not _TITLE_WORDS.search(fold(title)) or _TITLE_WORDS.search(fold(company)):
        return False
    if not _plain_company_candidate(company):
        return False
    result.title, result.company = title, company
    return True


def _read_company_only(block: list[str], sender_email: str, result: Signature) -> None:
    for line in block[:6]:
        if not _is_contact_line(line) and _is_company_line(line, sender_email):
            result.company = line
            return


def _is_company_line(line: str, sender_email: str) -> bool:
    if len(line) > 80 or _REGISTRY.search(line) or _TITLE_WORDS.search(fold(line)):
        return False
    return bool(_LEGAL_FORM.search(line)) or _matches_domain(line, sender_email)


def _matches_domain(line: str, sender_email: str) -> bool:
    """ "Acme Widgets" matches acme-widgets.com: the writer's company, not a free-mail host."""
    domain = sender_email.rpartition("@")[2].lower()
    if not domain or is_free_mail_domain(domain):
        return False
    label = _NOT_ALNUM.sub("", registrable_domain(domain).split(".")[0])
    letters = _NOT_ALNUM.sub("", fold(line))
    return len(label) >= 3 and len(letters) >= 3 and (label in letters or letters in label)


def _plain_company_candidate(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 6
        and len(line) <= 60
        and line[0].isupper()
        and not any(ch.isdigit() for ch in line)
        and not _CLOSINGS.match(fold(line))
    )


def _find_phone(block: list[str], region: str | None) -> tuple[tuple[str, str] | None, list]:
    invalid: list[tuple[str, str]] = []
    for line in block:
        if not any(map(str.isdigit, line)):
            continue  # no number to find (the matcher costs 15 µs even then)
        if _FAX.search(line) or _REGISTRY.search(line) or "@" in line:
            continue
        found = _phone_in_line(line, region)
        if found:
            return found, invalid
        if _PHONE_LABEL.match(line) and sum(ch.isdigit() for ch in line) >= 6:
            invalid.append(("phone", _PHONE_LABEL.sub("", line, count=1).strip()))
    return None, invalid


def _phone_in_line(line: str, region: str | None) -> tuple[str, str] | None:
    try:
        matches = list(phonenumbers.PhoneNumberMatcher(line, region or "ZZ"))
    except Exception:  # the matcher must never break an import
        return None
    for match in matches:
        labelled = bool(_PHONE_LABEL.search(line[: match.start]))
        mostly_number = len(match.raw_string) >= 0.5 * len(line.replace(" ", ""))
        if labelled or mostly_number or match.raw_string.startswith("+"):
            return format_e164(match.number), match.raw_string
    return None


def _find_website(block: list[str]) -> str:
    for line in block:
        for candidate in _website_candidates(line):
            url = normalise_website(candidate)
            if url and _looks_like_homepage(url):
                return url
    return ""


def _looks_like_homepage(url: str) -> bool:
    """A company site, not a tracking link, a document or a free-mail provider."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    segments = [segment for segment in parts.path.split("/") if segment]
    if parts.query or len(segments) > 2 or host.rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
        return False
    registrable = registrable_domain(host)
    return registrable.split(".")[0] not in _PLATFORM_LABELS and not is_free_mail_domain(
        registrable
    )


def _website_candidates(line: str) -> list[str]:
    candidates = _URL.findall(line)
    labelled = _WEB_LABEL.match(line)
    rest = line[labelled.end() :] if labelled else line
    bare = _BARE_DOMAIN.fullmatch(rest.strip()) if "@" not in rest else None
    if bare and (labelled or len(rest.split()) == 1):
        candidates.append(bare.group(0))
    return candidates
