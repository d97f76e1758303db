"""The extractor is pure Python: its tests run without Django (``-p no:django``)."""

import pytest


@pytest.fixture(autouse=True)
def _files_in_tmp():
    """Replaces the project-wide autouse fixture, which needs pytest-django's settings."""
    yield
