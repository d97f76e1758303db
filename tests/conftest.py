"""Fixtures shared by every test module."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.skipping import unavailable

# The real IMAP servers' fixtures (imap_servers, mail_server).
pytest_plugins = ["tests.support.servers"]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_or_unavailable() -> Path:
    """The shared corpus of real-world messages (../shared/corpus)."""
    if not CORPUS.is_dir():
        unavailable(f"the shared corpus is not at {CORPUS} (CI lays shared/ beside the clone)")
    return CORPUS


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Keep the stored files of each test apart; serve static files without a manifest."""
    settings.FILES_DIR = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clearcrm_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `clearcrm` subprocess with its own data dir."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CLEARCRM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def clearcrm(data_dir: Path, *args: str, check: bool = True, **env: str):
    """Run the `clearcrm` command as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "clearcrm", *args],
        env=clearcrm_env(data_dir, **env),
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.com", first_name="Ana")
