"""Form labels in EN, DE, FR, ES, IT, NL and PT mapped to lead fields.

A label is first looked up whole ("E-Mail-Adresse", "Courriel"); long labels such as
Typeform questions ("What's your work email?") are then matched by keyword.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .normalise import drop_combining

# Pseudo-fields a label can resolve to besides the lead fields.
SENDER = "sender"  # CF7's "From: Jane <jane@x>" line carries name and address
AMBIGUOUS_NAME = "name?"  # "Name"/"Nom"/"Nombre": full name, or surname beside a first name
IGNORED = "ignored"  # builder boilerplate that is no data at all

# Synonyms are comma-separated and written as label_key() produces them:
# lower case, no accents, punctuation replaced by spaces.
_EXACT = {
    "name": """full name, your name, fullname, contact name, contact person, contact,
        first and last name, first name and last name, name surname,
        vollstandiger name, ihr name, vor und nachname, vorname und nachname,
        vorname nachname, ansprechpartner, ansprechperson, kontaktperson,
        nom complet, votre nom, prenom et nom, nom et prenom, nom prenom, prenom nom,
        nombre completo, nombre y apellidos, nombre y apellido, su nombre, tu nombre,
        nombre apellidos, nombre apellido, persona de contacto, nombre de contacto,
        nome completo, il tuo nome, nome e cognome, nome cognome, cognome e nome,
        persona di contatto, referente,
        volledige naam, uw naam, je naam, voor en achternaam, naam en achternaam,
        contactpersoon,
        seu nome, o seu nome, nome e sobrenome, nome e apelido, pessoa de contato""",
    AMBIGUOUS_NAME: "name, nom, nombre, nome, naam",
    "first_name": """first name, firstname, first, given name, forename, your first name,
        vorname, ihr vorname, prenom, votre prenom, nombre de pila, primer nombre,
        nome proprio, primo nome, voornaam, roepnaam, primeiro nome""",
    "last_name": """last name, lastname, last, surname, family name, your last name,
        nachname, familienname, zuname, ihr nachname, nom de famille,
        votre nom de famille, apellido, apellidos, primer apellido, cognome,
        achternaam, familienaam, sobrenome, apelido, ultimo nome""",
    "email": """email, e mail, email address, e mail address, your email, your e mail,
        your email address, work email, business email, mail,
        email adresse, e mail adresse, emailadresse, ihre e mail adresse, ihre email,
        ihre e mail, courriel, adresse email, adresse e mail, adresse electronique,
        adresse courriel, votre email, votre e mail, votre adresse email,
        votre adresse e mail, correo, correo electronico, correo e,
        direccion de correo, direccion de email, direccion de correo electronico,
        su correo, tu correo, tu email, su email, indirizzo email, indirizzo e mail,
        posta elettronica, la tua email, e mailadres, emailadres, uw e mailadres,
        uw email, je e mailadres, endereco de email, endereco de e mail,
        endereco eletronico, o seu email, seu email, seu e mail""",
    "phone": """phone, phone number, telephone, telephone number, tel, tel nr, tel no,
        mobile, mobile phone, mobile number, cell, cell phone, your phone,
        contact number, business phone, work phone, phone mobile,
        telefon, telefonnummer, telefon nr, handy, handynummer, mobil, mobilnummer,
        mobiltelefon, rufnummer, ruckrufnummer, ihre telefonnummer, telefon fur ruckfragen,
        portable, numero de telephone, votre telephone, tel portable, tel,
        telefono, numero de telefono, movil, celular, tu telefono, su telefono,
        cellulare, numero di telefono, il tuo telefono, recapito telefonico,
        telefoon, telefoonnummer, mobiel, mobiele nummer, mobiel nummer,
        uw telefoonnummer, telefone, telemovel, numero de telefone, o seu telefone,
        seu telefone, whatsapp""",
    "company": """company, company name, organisation, organization, business,
        business name, employer, your company, firm,
        firma, firmenname, unternehmen, unternehmensname, ihre firma, ihr unternehmen,
        societe, entreprise, raison sociale, nom de l entreprise, nom de la societe,
        votre societe, votre entreprise, organisme,
        empresa, compania, nombre de la empresa, su empresa, tu empresa, organizacion,
        azienda, societa, ragione sociale, nome azienda, la tua azienda, ente,
        bedrijf, bedrijfsnaam, organisatie, uw bedrijf,
        companhia, nome da empresa, organizacao, a sua empresa, sua empresa""",
    "title": """job title, jobtitle, title, position, role, job role, your role,
        designation, job function,
        berufsbezeichnung, funktion, ihre position, ihre funktion, stellung,
        poste, fonction, intitule du poste, votre fonction, titre du poste,
        cargo, puesto, puesto de trabajo, su cargo,
        ruolo, posizione, qualifica, mansione, il tuo ruolo,
        functie, functietitel, uw functie,
        funcao, o seu cargo, seu cargo""",
    "website": """website, web site, url, web, homepage, website url, your website,
        company website, webseite, internetseite, internetadresse,
        site web, site internet, votre site, votre site web,
        sitio web, pagina web, su sitio web, sito web, sito internet, il tuo sito,
        uw website""",
    "address": """address, street, street address, address line 1, address 1,
        street and number, street and house number, mailing address, postal address,
        adresse, strasse, strasse und hausnummer, strasse hausnummer, anschrift,
        rue, adresse postale, numero et rue,
        direccion, calle, domicilio, direccion postal,
        indirizzo, via, indirizzo postale,
        adres, straat, straat en huisnummer, straatnaam,
        endereco, morada, rua""",
    "city": """city, town, city town, stadt, ort, wohnort, ville, localite, commune,
        ciudad, localidad, poblacion, municipio, citta, comune, localita,
        stad, plaats, woonplaats, cidade, localidade""",
    "state": """state, province, region, county, state province, state region,
        bundesland, kanton, etat, departement, provincia, estado,
        comunidad autonoma, regione, provincie, distrito""",
    "zip": """zip, zip code, zipcode, postal code, postcode, post code, zip postal code,
        plz, postleitzahl, code postal, cp, codigo postal, cap, codice postale, cep""",
    "country": """country, country region, your country, land, pays, pais, paese,
        nazione""",
    "description": """message, your message, comments, comment, enquiry, inquiry,
        details, how can we help, how can we help you, question, questions, request,
        notes, message body, project details, additional information, your enquiry,
        your inquiry, your request, tell us about your project,
        nachricht, ihre nachricht, mitteilung, anfrage, ihre anfrage, anliegen,
        bemerkung, bemerkungen, anmerkung, anmerkungen, kommentar, nachrichtentext,
        ihr anliegen,
        votre message, commentaire, commentaires, demande, votre demande,
        corps du message, mensaje, su mensaje, tu mensaje, comentario, comentarios,
        consulta, cuerpo del mensaje, messaggio, il tuo messaggio, richiesta,
        commento, note, corpo del messaggio, bericht, uw bericht, opmerking,
        opmerkingen, vraag, uw vraag, mensagem, sua mensagem, pedido,
        corpo da mensagem, a sua mensagem""",
    SENDER: "from, von, de, da, van, remetente, absender, expediteur, remitente, mittente",
    IGNORED: """powered by, mogelijk gemaakt door, unterstutzt von, bereitgestellt von,
        propulse par, desarrollado por, funciona con, realizzato con, fornito da,
        desenvolvido por, tecnologia""",
}

# Keywords for long labels, checked in this order: "Company email" is an email,
# "Company address" an address, "Company name" a company, "Email address" an email.
_KEYWORDS = (
    ("email", r"\be ?mail|courriel|correo|posta elettronica"),
    ("phone", r"phone|telefo|telepho|\bmobile?\b|\bhandy|\bcell|whatsapp|rufnummer"),
    ("website", r"website|webseite|homepage|site ?web|sitio web|sito web|\burl\b"),
    ("zip", r"\bzip|postal code|postcode|postleitzahl|code postal|codigo postal"),
    ("country", r"\bcountry|\bpays\b|\bpais\b|\bpaese\b"),
    (
        "city",
        r"\bcity\b|\btown\b|\bstadt\b|\bort\b|wohnort|\bville\b|\blocalite|\bciudad\b|"
        r"\blocalidad|\bcitta\b|\bcomune\b|\bplaats\b|woonplaats|\bcidade\b",
    ),
    (
        "state",
        r"\bstate\b|\bprovince|\bprovincia|bundesland|\bregion\b|\bdistrito|\bregione|"
        r"\bcounty\b",
    ),
    ("address", r"address|adresse|anschrift|\bstreet|strasse|direccion|indirizzo|endereco"),
    (
        "company",
        r"compan|organi[sz]|\bfirm|unternehmen|societe|entreprise|empresa|azienda|"
        r"societa|bedrijf|employer",
    ),
    (
        "title",
        r"job title|\brole\b|\bposition\b|funktion|fonction|\bcargo|puesto|ruolo|functie|"
        r"\bfuncao\b",
    ),
    ("first_name", r"first name|vorname|prenom|given name|voornaam|primeiro nome"),
    (
        "last_name",
        r"last name|surname|nachname|nom de famille|apellido|cognome|achternaam|sobrenome",
    ),
    # French "nombre de participants" is a number, not a name.
    ("name", r"\bname\b|\bnom\b|\bnombre\b(?! d)|\bnome\b|\bnaam\b"),
    (
        "description",
        r"message|nachricht|mensaje|messaggio|mensagem|bericht|comment|kommentar|"
        r"enquiry|inquiry|anfrage|anliegen|demande|consulta|richiesta|pedido|descr|"
        r"beschreib|tell us|erzahlen sie|dites nous|cuentanos|raccontaci|vertel ons|conte nos|"
        r"how can we help|wie konnen wir|project|projekt|projet|proyecto|progetto",
    ),
)
# Questions about the company that are not its name: "Company size", "Industry".
_NOT_A_FIELD = re.compile(
    r"\b(?:size|employees|industry|sector|type|revenue|budget|how many|mitarbeiter|"
    r"grosse|branche|taille|effectif|secteur|tamano|empleados|dimensione|dipendenti|"
    r"settore|grootte|medewerkers|tamanho|funcionarios|colaboradores|hear)\b"
    r"|grosse|anzahl|mitarbeiter|branche"  # German compounds: "Unternehmensgrösse"
)
# German writes labels as one compound word: "Firmenanschrift", "Rückrufnummer".
MIN_COMPOUND_CHARS = 9
# "Page URL", "Referrer", "URL de la página": where the form sat, not the visitor's site.
_TRACKING = re.compile(
    r"\b(?:page|pagina|seite|pagine|referr?er|source|form|formular|formulaire|"
    r"formulario|submitted|user agent|ip|ip address)\b"
)
_KEYWORD_PATTERNS = tuple((field, re.compile(pattern)) for field, pattern in _KEYWORDS)

_REQUIRED_MARKS = re.compile(
    r"\((?:required|optional|pflicht|pflichtfeld|obligatoire|obligatorio|"
    r"obbligatorio|verplicht|obrigatorio|optionnel|opcional|facoltativo)\)"
)
_NON_WORD = re.compile(r"[\W_]+")
_CF7_PREFIX = re.compile(r"^your[-_](?=\w)")
# The same for ASCII text, as a table for str.translate: several times faster than the
# regex on the long lines of prose that get asked whether they are a label. Every ASCII
# character has an entry, as a missing one costs a failed lookup per character.
_ASCII_NON_WORD = {code: chr(code) if chr(code).isalnum() else " " for code in range(128)}

# A label is a short phrase; longer "labels" are sentences that happen to hold a colon.
MAX_LABEL_CHARS = 80
MAX_LABEL_WORDS = 10


def label_key(label: str) -> str:
    """Case-, accent- and punctuation-free form: "E-Mail-Adresse*" -> "e mail adresse"."""
    text = label or ""
    if text.isascii():
        text = text.lower()  # nothing to decompose or drop: the common case, kept cheap
    else:
        text = drop_combining(unicodedata.normalize("NFKD", text).casefold()).replace("ß", "ss")
    text = _REQUIRED_MARKS.sub(" ", text)
    text = _CF7_PREFIX.sub("your ", text)  # CF7 tags such as "your-email"
    words = text.translate(_ASCII_NON_WORD) if text.isascii() else _NON_WORD.sub(" ", text)
    return " ".join(words.split())


def _keys(synonyms: str) -> list[str]:
    """The comma-separated label keys of a synonym list."""
    return [" ".join(synonym.split()) for synonym in synonyms.split(",")]


def _exact_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field, synonyms in _EXACT.items():
        for key in _keys(synonyms):
            index.setdefault(key, field)
            index.setdefault(key.replace(" ", ""), field)
    return index


# Built once at import: every lookup of every label goes through it.
_EXACT_INDEX = _exact_index()

# Labels repeat: each notification of a form carries the same ones, and every label is
# looked up several times per message. Only short texts are remembered (lines of prose
# asked whether they are a label are not worth keeping), so each cache holds at most
# _CACHED_LABELS entries of at most _CACHED_LABEL_CHARS characters: well under 2 MB.
_CACHED_LABEL_CHARS = 200
_CACHED_LABELS = 4096


def field_for_label(label: str) -> str:
    """The lead field (or pseudo-field) a label stands for, '' for anything else."""
    if len(label) > _CACHED_LABEL_CHARS:
        return _field_for_label(label)
    return _field_for_short_label(label)


def _field_for_label(label: str) -> str:
    key = label_key(label)
    if not key or len(key) > MAX_LABEL_CHARS:
        return ""
    exact = _EXACT_INDEX.get(key) or _EXACT_INDEX.get(key.replace(" ", ""))
    if exact:
        return exact
    if len(key.split()) < 2 and len(key) < MIN_COMPOUND_CHARS:
        return ""
    if _TRACKING.search(key) or _NOT_A_FIELD.search(key):
        return ""
    for field, pattern in _KEYWORD_PATTERNS:
        if pattern.search(key):
            return field
    return ""


_field_for_short_label = functools.lru_cache(maxsize=_CACHED_LABELS)(_field_for_label)


def is_known_label(label: str) -> bool:
    """Exactly a listed synonym: safe to treat a bare line as a label."""
    if len(label) > _CACHED_LABEL_CHARS:
        return _is_known_label(label)
    return _is_known_short_label(label)


def _is_known_label(label: str) -> bool:
    key = label_key(label)
    return bool(key) and (key in _EXACT_INDEX or key.replace(" ", "") in _EXACT_INDEX)


_is_known_short_label = functools.lru_cache(maxsize=_CACHED_LABELS)(_is_known_label)


def is_plausible_label(label: str) -> bool:
    """Short enough and word-like enough to be a form label at all."""
    text = label.strip()
    if not text or len(text) > MAX_LABEL_CHARS or len(text.split()) > MAX_LABEL_WORDS:
        return False
    if not text[0].isalpha() and text[0] not in "¿¡(":
        return False
    lowered = text.lower()
    return not any(marker in lowered for marker in ("http", "www.", "@", "<", ">"))


# Labels that say which language a form is in (written as label_key() produces them).
# Words shared by several languages ("telefono", "nome", "name") count for each.
_LANGUAGE_LABELS = {
    "en": """name, full name, your name, first name, last name, surname, phone,
        phone number, telephone, mobile, company, company name, message, your message,
        city, country, zip code, postcode, website, job title, address, subject""",
    "de": """name, vorname, nachname, ihr name, telefon, telefonnummer, handy, mobil,
        mobilnummer, rufnummer, firma, firmenname, unternehmen, nachricht, ihre nachricht,
        mitteilung, anfrage, ihre anfrage, anliegen, strasse, plz, postleitzahl, ort,
        stadt, land, e mail adresse, anrede, betreff, webseite, adresse""",
    "fr": """nom, prenom, nom de famille, votre nom, telephone, numero de telephone,
        portable, courriel, adresse email, adresse e mail, societe, entreprise, message,
        votre message, ville, code postal, pays, adresse, sujet, objet, site web,
        fonction""",
    "es": """nombre, apellido, apellidos, nombre completo, nombre y apellidos, telefono,
        movil, celular, correo, correo electronico, empresa, mensaje, su mensaje,
        tu mensaje, ciudad, codigo postal, pais, direccion, asunto, cargo, sitio web""",
    "it": """nome, cognome, nome e cognome, telefono, cellulare, azienda, societa,
        messaggio, il tuo messaggio, citta, cap, paese, indirizzo, oggetto, ruolo,
        sito web""",
    "nl": """naam, voornaam, achternaam, telefoon, telefoonnummer, mobiel, e mailadres,
        bedrijf, bedrijfsnaam, bericht, uw bericht, plaats, woonplaats, postcode, land,
        adres, onderwerp, functie""",
    "pt": """nome, sobrenome, apelido, nome completo, telefone, telemovel, celular,
        empresa, mensagem, sua mensagem, cidade, codigo postal, cep, pais, endereco,
        morada, assunto, cargo""",
}


def _languages_index() -> dict[str, frozenset[str]]:
    index: dict[str, frozenset[str]] = {}
    for language, words in _LANGUAGE_LABELS.items():
        for key in _keys(words):
            index[key] = index.get(key, frozenset()) | {language}
    return index


_LANGUAGES_OF_LABEL = _languages_index()


def label_languages(labels: list[str]) -> frozenset[str]:
    """The language (or tied languages) most of a form's labels are written in."""
    votes: dict[str, int] = {}
    for label in labels:
        for language in _LANGUAGES_OF_LABEL.get(label_key(label), ()):
            votes[language] = votes.get(language, 0) + 1
    most = max(votes.values(), default=0)
    return frozenset(language for language, count in votes.items() if count == most and most)
