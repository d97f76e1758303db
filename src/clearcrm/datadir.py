"""Secrets generated once into the data dir, so no key is ever hard-coded.

Each secret is written with mode 0600 and created atomically (O_EXCL), so two
processes starting at once agree on one value.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def data_dir() -> Path:
    """The directory holding the database, files and generated secrets."""
    path = Path(os.environ.get("CLEARCRM_DATA_DIR") or "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        value = make()
        f.write(value + "\n")
    return value


def secret_key(directory: Path) -> str:
    """Django's SECRET_KEY, generated on first start."""
    return _read_or_create(directory / "secret_key", lambda: secrets.token_urlsafe(50))


def encryption_keys(directory: Path) -> list[str]:
    """Fernet keys for stored mailbox passwords; the first one encrypts.

    To rotate, put a new key on the first line: old ones keep decrypting.
    """
    text = _read_or_create(directory / "encryption_keys", lambda: Fernet.generate_key().decode())
    return [line.strip() for line in text.splitlines() if line.strip()]
