"""Regular expressions written by admins, checked when saved and run with a time limit.

A pattern like `(a+)+$` can take forever on a crafted message; every match
runs with the `regex` module's timeout, so a bad pattern costs milliseconds,
never a hung worker.
"""

from __future__ import annotations

import logging

import regex
from django.core.exceptions import ValidationError

log = logging.getLogger(__name__)

MATCH_SECONDS = 0.05
# Only the start of a long body is searched: enough for any spam phrase, and it
# bounds the work per message.
MAX_SEARCHED_CHARS = 100_000


#: Longest pattern an admin may save.
MAX_PATTERN_CHARS = 500


def pattern_error(pattern: str) -> str:
    """Why a regular expression cannot be used, or '' when it can."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"Keep the pattern under {MAX_PATTERN_CHARS} characters."
    try:
        regex.compile(pattern)
    except regex.error as exc:
        return f"Not a valid regular expression: {exc}."
    return ""


def search(pattern: str, text: str) -> bool:
    """Whether pattern matches text (case-insensitive); a pattern that runs too long doesn't."""
    try:
        return bool(
            regex.search(
                pattern, text[:MAX_SEARCHED_CHARS], regex.IGNORECASE, timeout=MATCH_SECONDS
            )
        )
    except TimeoutError:
        log.warning("regular expression %r took too long and was skipped", pattern)
        return False
    except regex.error:
        return False


def validate_pattern(pattern: str) -> None:
    """A model field validator."""
    if error := pattern_error(pattern):
        raise ValidationError(error)
