"""Admins' regular expressions: checked when saved, stopped when they run too long."""

import pytest

from clearcrm.inbound.models import SpamRule
from clearcrm.inbound.safe_regex import pattern_error, search


def test_regex_rules_are_validated_and_bounded_in_time():
    assert pattern_error("(unclosed")
    assert pattern_error("x" * 600)
    assert pattern_error(r"v[i1]agra") == ""
    rule = SpamRule(type="regex", value="[a-")
    with pytest.raises(Exception, match="regular expression"):
        rule.full_clean()
    # Catastrophic backtracking: stopped by the time limit, counted as no match.
    assert search(r"^(a+)+$", "a" * 40 + "!") is False
