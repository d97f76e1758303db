"""Country names in the supported languages, resolved to one canonical English name.

The canonical value is the English short name phonenumbers ships for the region
("Germany", "United States"), so "Deutschland", "Allemagne", "DE" and "DEU" all
store as "Germany". Unknown country names are kept as written.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import unicodedata


@functools.cache
def region_names() -> dict[str, tuple[str, ...]]:
    """Each region's names, the canonical English one first; read once per process.

    They come from a subprocess (see region_names.py): importing phonenumbers'
    locale data here would keep 100 MB of geocoding data in the importer.
    """
    out = subprocess.run(
        [sys.executable, "-m", "clearcrm.inbound.extract.region_names"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return {region: tuple(names) for region, names in json.loads(out).items()}


# Names people type that the locale data does not carry.
_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "etats-unis": "US",
    "états-unis": "US",
    "eeuu": "US",
    "ee.uu.": "US",
    "vereinigte staaten": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "grossbritannien": "GB",
    "großbritannien": "GB",
    "england (uk)": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "niederlande": "NL",
    "pays-bas": "NL",
    "paesi bassi": "NL",
    "países bajos": "NL",
    "países baixos": "NL",
    "österreich": "AT",
    "oesterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "deutschland": "DE",
    "brasil": "BR",
    "españa": "ES",
    "espana": "ES",
    "méxico": "MX",
    "belgique": "BE",
    "belgië": "BE",
    "belgie": "BE",
    "belgien": "BE",
    "luxemburg": "LU",
    "czech republic": "CZ",
    "south korea": "KR",
    "russia": "RU",
    "uae": "AE",
}

_ISO3 = {
    "USA": "US",
    "GBR": "GB",
    "DEU": "DE",
    "FRA": "FR",
    "ESP": "ES",
    "ITA": "IT",
    "NLD": "NL",
    "PRT": "PT",
    "AUT": "AT",
    "CHE": "CH",
    "BEL": "BE",
    "LUX": "LU",
    "IRL": "IE",
    "CAN": "CA",
    "AUS": "AU",
    "BRA": "BR",
    "MEX": "MX",
    "ARG": "AR",
    "POL": "PL",
    "SWE": "SE",
    "DNK": "DK",
    "NOR": "NO",
    "FIN": "FI",
}


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for region, names in region_names().items():
        for name in names:
            index.setdefault(_fold(name), region)
            index.setdefault(_fold(_strip_accents(name)), region)
    for alias, region in _ALIASES.items():
        index[_fold(alias)] = region
        index[_fold(_strip_accents(alias))] = region
    return index


def region_of_country(text: str) -> str:
    """ISO 3166 alpha-2 code for a country name or code, '' when unknown."""
    value = (text or "").strip().strip(".")
    if not value:
        return ""
    if len(value) == 2 and value.isalpha() and value.upper() in region_names():
        return value.upper()
    if len(value) == 3 and value.upper() in _ISO3:
        return _ISO3[value.upper()]
    folded = _fold(value)
    return _name_index().get(folded) or _name_index().get(_fold(_strip_accents(value)), "")


def country_name(region: str) -> str:
    """English short name for an ISO code: 'DE' -> 'Germany'."""
    names = region_names().get((region or "").upper())
    return names[0] if names else ""


def canonical_country(text: str) -> str:
    """The canonical English name for a country as typed, '' when unknown."""
    region = region_of_country(text)
    return country_name(region) if region else ""
