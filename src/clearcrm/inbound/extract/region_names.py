"""Print phonenumbers' country names in the languages we read, as JSON.

Run as a short-lived subprocess by countries.region_names(): importing
phonenumbers.geodata.locale loads the whole geocoding database with it (about
100 MB), which must not stay in a long-running importer.
"""

from __future__ import annotations

import json

# The canonical English name ("aa" in phonenumbers' data) first, then the languages we read.
LANGUAGES = ("aa", "en", "de", "fr", "es", "it", "nl", "pt")


def resolve(names: dict[str, str], language: str) -> str:
    """A name, following phonenumbers' "*xx" pointers to another language's entry."""
    name = names.get(language, "")
    for _ in range(3):
        if not name.startswith("*"):
            break
        name = names.get(name[1:], "")
    return name


def table() -> dict[str, list[str]]:
    from phonenumbers.geodata.locale import LOCALE_DATA

    result = {}
    for region, names in LOCALE_DATA.items():
        resolved = (resolve(names, language) for language in LANGUAGES)
        result[region] = list(dict.fromkeys(name for name in resolved if name))
    return result


if __name__ == "__main__":
    print(json.dumps(table(), ensure_ascii=False))
