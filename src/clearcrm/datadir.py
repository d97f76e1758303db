"""The data dir, private to ClearCRM's user, and secrets generated once into it.

It holds the database (with session keys and password hashes), stored files
and keys, so everything ClearCRM creates there is readable by its own user
only. Each secret is written to a temporary file and linked into place, so two
processes starting at once agree on one complete value and never read a
half-written one.
"""

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet
from django.core import checks

# Files and directories created by this process: rw------- / rwx------.
PRIVATE_UMASK = 0o077


def data_dir() -> Path:
    """The directory holding the database, files and generated secrets.

    Also sets this process's umask, so that every file created later (the
    SQLite database and its -wal/-shm files, stored attachments, the task
    queue) is private too.
    """
    os.umask(PRIVATE_UMASK)
    path = Path(os.environ.get("CLEARCRM_DATA_DIR") or "var").resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def readable_by_others(path: Path) -> bool:
    """Whether group or other users may read or enter a file or directory."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(make() + "\n")
        # link() fails when another process got there first: then theirs wins.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


def secret_key(directory: Path) -> str:
    """Django's SECRET_KEY, generated on first start."""
    return _read_or_create(directory / "secret_key", lambda: secrets.token_urlsafe(50))


def encryption_keys(directory: Path) -> list[str]:
    """Fernet keys for stored mailbox passwords; the first one encrypts.

    To rotate, put a new key on the first line: old ones keep decrypting.
    """
    text = _read_or_create(directory / "encryption_keys", lambda: Fernet.generate_key().decode())
    return [line.strip() for line in text.splitlines() if line.strip()]


@checks.register(checks.Tags.security)
def check_data_dir_private(**kwargs: object) -> list[checks.CheckMessage]:
    """Warn (on every command, `clearcrm run` included) when others can read the data."""
    from django.conf import settings

    exposed = [
        path
        for path in (settings.DATA_DIR, *Path(settings.DATA_DIR).glob("clearcrm.sqlite3*"))
        if path.exists() and readable_by_others(path)
    ]
    if not exposed:
        return []
    return [
        checks.Warning(
            f"{', '.join(map(str, exposed))} can be read by other users of this machine: "
            "they hold every lead, the password hashes and the session keys.",
            hint=f"chmod -R go-rwx {settings.DATA_DIR}",
            id="clearcrm.W001",
        )
    ]
