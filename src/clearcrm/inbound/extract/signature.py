"""Contact details from the signature of a personal email.

Only the newest part of the message is read (see quoted.py), and only its last
lines: the block after a closing such as "Best regards" or "-- ", or the last few
lines when there is none.
Phone numbers and websites are recognised by their form; a job title and company only
next to the writer's name and only when the line says so (a title word, a legal form
such as "GmbH", or the sender's own domain). Anything less certain stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import phonenumbers

from .countries import region_of_country
from .domains import is_free_mail_domain, registrable_domain
from .normalise import clean_line, fold, looks_like_garbage, normalise_website
from .phones import MIN_DIGITS, PHONE_LABEL, is_phone_shaped, region_of_domain
from .quoted import newest_part

MAX_BLOCK_LINES = 14
FALLBACK_LINES = 8
MAX_SIGNATURE_LINE = 120
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
# Legal forms in the languages we read (and the Nordic AS, AB, Oy), as the last or an
# inner word of a company name. Short forms that are also words ("as", "ab", "se") only
# count written as the registers write them.
_LEGAL_FORM = re.compile(
    r"(?:^|[\s,])(?:(?i:gmbh|ggmbh|mbh|ges\.?m\.?b\.?h\.?|kgaa|e\.\s?k\.|e\.\s?v\.|ohg|gbr|"
    r"ltd\.?|limited|llc|l\.l\.c\.|inc\.|corp\.?|corporation|plc|llp|s\.a\.|s\.a\.s\.|sarl|"
    r"s\.a\.r\.l\.|s\.\s?à\s?r\.\s?l\.|sàrl|eurl|s\.n\.c\.|s\.l\.|s\.l\.u\.|s\.a\.u\.|"
    r"s\.\s?coop\.|s\.p\.a\.|s\.r\.l\.s?\.|srls?|b\.v\.|n\.v\.|v\.o\.f\.|bvba|sprl|lda\.?|"
    r"ltda\.?|s/a|eireli|unipessoal|pty|a/s|aps|oyj|group|gruppe|groupe|grupo|gruppo|groep|"
    r"holding)|AG|KG|UG|SE|SA|SAS|SL|SLU|SNC|SpA|SRL|BV|NV|AB|AS|ASA|Oy|OG|LP|Co\.|Inc)"
    r"(?=$|[\s,.&)])"
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
    r"engenheira|architekt(?:in)?|architecte|arquitecto|arquiteto|architetto|rechtsanwalt|"
    r"rechtsanwaltin|avocat|abogado|avvocato|advocaat|advogado|lawyer|attorney|"
    r"steuerberater(?:in)?|photographer|fotograf|dipl|ing)\b",
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
# What marks digits as an order number, an amount, a share or part of a longer number
# (a bank account) rather than a phone.
_MARK_BEFORE = re.compile(r"(?:[#€$£¥%]|\b(?:nr|no|n[°º]|ref))\.?\s*$|\d\s?$", re.IGNORECASE)
_MARK_AFTER = re.compile(r"\s*(?:[€$£¥%]|[.,]\d)|\s?\d")
# "Jane Doe | Sales Manager | Acme": one line holding what others put on several.
_LINE_PARTS = re.compile(r"\s+[|·•]\s+")
_COUNTRY_SEPARATORS = re.compile(r",|\s[-\u2013\u2014/]\s")
# Country names that are also the names of US states: "Atlanta, Georgia".
_STATE_NAMES = frozenset({"georgia"})
_STREET = re.compile(
    r"\b(?:str|strasse|weg|platz|allee|gasse|ring|damm|rue|avenue|av|bd|boulevard|chemin|"
    r"place|calle|avda|avenida|plaza|paseo|via|viale|piazza|corso|largo|straat|laan|plein|"
    r"gracht|rua|travessa|praca|road|rd|street|st|lane|ln|drive|dr|way|suite|floor)\b"
    r"|[a-z](?:strasse|str|weg|platz|straat|laan|gracht)\b"
)
_POSTCODE = re.compile(r"\b\d{4,5}\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
# Words of a company name that start lower case: "Smith & Sons", "Casa di Moda".
_NAME_CONNECTORS = frozenset(
    [
        "&",
        "and",
        "und",
        "et",
        "y",
        "e",
        "en",
        "of",
        "the",
        "de",
        "des",
        "du",
        "la",
        "le",
        "der",
        "die",
        "das",
        "den",
        "di",
        "da",
        "del",
        "della",
        "van",
        "von",
        "voor",
        "fur",
        "fuer",
        "do",
        "dos",
        "em",
        "per",
    ]
)


@dataclass(slots=True)
class Signature:
    name: str = ""
    title: str = ""
    company: str = ""
    website: str = ""
    country: str = ""  # as written
    phone: str = ""  # as written
    invalid: list[tuple[str, str]] = field(default_factory=list)


def extract_signature(
    text: str, *, sender_name: str, sender_email: str, regions: Sequence[str] = ()
) -> Signature:
    """The signature's fields; ``regions`` are where national phone numbers may be from.

    The signature's own country and website are added to them to find its number.
    """
    body = newest_part(text)
    block, has_closing = signature_block(body)
    block = [part for line in block for part in _LINE_PARTS.split(_SIGNING_FOR.sub("", line))]
    result = Signature()
    if not block:
        return result
    name_index = _find_name_line(block, sender_name, has_closing)
    if name_index is not None:
        result.name = block[name_index]
        _read_title_and_company(block[name_index + 1 :], sender_email, result)
    elif has_closing:
        _read_company_only(block, sender_email, result)
    if name_index is not None or has_closing:
        result.country = _find_country(block, name_index)
    result.website = _find_website(block)
    host = urlsplit(result.website).hostname or ""
    own = [region_of_country(result.country), region_of_domain(host)]
    result.phone, result.invalid = _find_phone(block, [*regions, *filter(None, own)])
    return result


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


def _is_address_line(line: str) -> bool:
    """ "Hauptstr. 5", "1012 AB Amsterdam", "Lyon, France": a postal address line."""
    if _country_in_line(line):
        return True
    has_digit = any(ch.isdigit() for ch in line)
    return has_digit and bool(_STREET.search(fold(line)) or _POSTCODE.search(line))


def _country_in_line(line: str) -> str:
    """The country a line ends with ("80331 München, Deutschland"), '' for none."""
    tail = _COUNTRY_SEPARATORS.split(line)[-1].strip(" .")
    if len(tail) < 4 and tail.upper() not in {"USA", "UK"}:
        return ""  # "CA", "DE", "IN" are as often US states as countries
    if any(ch.isdigit() for ch in tail) or fold(tail) in _STATE_NAMES:
        return ""
    return tail if region_of_country(tail) else ""


def _find_country(block: list[str], name_index: int | None) -> str:
    """A country below the first line of the signature, never the writer's name."""
    for index, line in enumerate(block):
        if index not in (0, name_index) and (country := _country_in_line(line)):
            return country
    return ""


def _company_after_name(lines: list[str]) -> bool:
    """ "Jane Doe / Acme Widgets / +1 415 ...": a name-like line before contact lines."""
    if len(lines) < 2 or len(lines[0].split()) < 2:
        return False  # one word below a name is as often a trade ("Architekt")
    first, following = lines
    return (
        _plain_company_candidate(first)
        and not _TITLE_WORDS.search(fold(first))
        and not _REGISTRY.search(first)
        and not _country_in_line(first)
        and (_is_contact_line(following) or _is_address_line(following))
    )


def _read_title_and_company(lines: list[str], sender_email: str, result: Signature) -> None:
    if _company_after_name(lines[:2]):
        result.company, lines = lines[0], lines[1:]
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
    """A short capitalised name, not a sentence ("Looking forward to it.")."""
    words = line.split()
    return (
        0 < len(words) <= 6
        and len(line) <= 60
        and line[0].isupper()
        and not any(ch.isdigit() for ch in line)
        and not _CLOSINGS.match(fold(line))
        and not _ends_sentence(line)
        and all(_name_word(word) for word in words)
    )


def _ends_sentence(line: str) -> bool:
    if line.endswith(("!", "?", ":", ";")):
        return True
    return line.endswith(".") and not _LEGAL_FORM.search(" " + line.split()[-1])


def _name_word(word: str) -> bool:
    return not word[0].isalpha() or word[0].isupper() or fold(word) in _NAME_CONNECTORS


def _find_phone(block: list[str], regions: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """The first phone number as written, and labelled numbers that are none.

    A number phonenumbers finds for one of ``regions`` comes first; else a labelled
    line, or a line that is only a number, is kept as written when it looks like one.
    """
    invalid: list[tuple[str, str]] = []
    for line in block:
        if sum(ch.isdigit() for ch in line) < MIN_DIGITS:
            continue  # no number to find (the matcher costs 15 µs a region even then)
        if _FAX.search(line) or _REGISTRY.search(line) or "@" in line:
            continue
        found = _phone_in_line(line, regions)
        if found:
            return found, invalid
        labelled = PHONE_LABEL.match(line)
        rest = line[labelled.end() :].strip() if labelled else line
        if is_phone_shaped(rest):
            return rest, invalid
        if labelled:
            invalid.append(("phone", rest))
    return "", invalid


def _phone_in_line(line: str, regions: list[str]) -> str:
    for region in dict.fromkeys(regions or ["ZZ"]):
        try:
            matches = list(phonenumbers.PhoneNumberMatcher(line, region))
        except Exception:  # the matcher must never break an import
            return ""
        for match in matches:
            labelled = bool(PHONE_LABEL.search(line[: match.start]))
            mostly_number = len(match.raw_string) >= 0.5 * len(line.replace(" ", ""))
            wanted = labelled or mostly_number or match.raw_string.startswith("+")
            if wanted and _stands_alone(line, match) and is_phone_shaped(match.raw_string):
                return match.raw_string
    return ""


def _stands_alone(line: str, match: phonenumbers.PhoneNumberMatch) -> bool:
    """Not digits inside "#372000", "Nr. 4711 0815" or "0000 0000 01000000"."""
    return not (_MARK_BEFORE.search(line[: match.start]) or _MARK_AFTER.match(line[match.end :]))


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
