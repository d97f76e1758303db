"""The extractor over real-world messages: it never raises and never fills garbage."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from clearcrm.inbound.extract import extract_lead_details
from clearcrm.inbound.extract.model import FIELD_LIMITS, LEAD_FIELDS
from tests.conftest import CORPUS, corpus_or_unavailable

from .emlload import load

HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{60,}")


def _messages() -> list[Path]:
    return sorted(
        path
        for path in corpus_or_unavailable().rglob("*")
        if path.is_file() and not path.name.upper().startswith("README")
    )


def _problems(details) -> list[str]:
    problems = []
    for field, value in details.fields.items():
        text = value.value
        if field not in LEAD_FIELDS:
            problems.append(f"unknown field {field}")
        if HTML_TAG.search(text):
            problems.append(f"{field} holds HTML: {text[:80]!r}")
        if BASE64_RUN.search(text):
            problems.append(f"{field} holds a base64-like run: {text[:80]!r}")
        if len(text) > FIELD_LIMITS[field]:
            problems.append(f"{field} exceeds {FIELD_LIMITS[field]} chars")
        if "\n" in text and field != "description":
            problems.append(f"{field} spans lines: {text[:80]!r}")
    return problems


def test_corpus_messages_extract_cleanly(caplog):
    caplog.set_level(logging.ERROR, logger="clearcrm.inbound.extract")
    messages = _messages()
    failures = []
    for path in messages:
        mail = load(path.read_bytes())
        for region in (None, "DE"):
            try:
                details = extract_lead_details(**mail.kwargs(), default_region=region)
            except Exception as error:
                failures.append(f"{path.relative_to(CORPUS)}: raised {error!r}")
                continue
            failures.extend(f"{path.relative_to(CORPUS)}: {p}" for p in _problems(details))
            assert len(details.extra) <= 50
            assert all(len(value) <= 2000 for value in details.extra.values())
    # extract_lead_details() swallows and logs unexpected errors; none may happen here
    failures.extend(record.getMessage() for record in caplog.records)
    assert not failures, "\n".join(failures[:40])
    assert len(messages) > 100  # the whole corpus was read, not an empty folder
