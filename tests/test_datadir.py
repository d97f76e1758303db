"""Secrets are generated once into the data dir; none is hard-coded."""

from cryptography.fernet import Fernet

from clearcrm.datadir import encryption_keys, secret_key
from clearcrm.inbound import crypto


def test_secret_key_generated_once(tmp_path):
    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert secret_key(tmp_path) == first
    assert secret_key(tmp_path / ".." / tmp_path.name) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_each_data_dir_has_its_own_secrets(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert secret_key(tmp_path / "a") != secret_key(tmp_path / "b")
    assert encryption_keys(tmp_path / "a") != encryption_keys(tmp_path / "b")


def test_encryption_key_rotation(settings):
    old = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("imap-password")
    assert "imap-password" not in token
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert crypto.decrypt(token) == "imap-password"
    rotated = crypto.rotate(token)
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated) == "imap-password"


def test_everything_in_the_data_dir_is_private(tmp_path):
    from tests.conftest import clearcrm

    data = tmp_path / "data"
    result = clearcrm(data, "migrate", "-v0")
    assert "clearcrm.W001" not in result.stderr
    created = [data, *data.rglob("*")]
    # SQLite gives its -wal and -shm files the database file's mode.
    assert data / "clearcrm.sqlite3" in created and data / "secret_key" in created
    for path in created:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_an_exposed_data_dir_is_warned_about(tmp_path):
    from tests.conftest import clearcrm

    data = tmp_path / "data"
    clearcrm(data, "migrate", "-v0")
    data.chmod(0o755)
    (data / "clearcrm.sqlite3").chmod(0o644)
    warning = clearcrm(data, "check").stderr
    assert "clearcrm.W001" in warning and "clearcrm.sqlite3" in warning
    assert f"chmod -R go-rwx {data}" in warning


def test_processes_starting_at_once_read_one_complete_key(tmp_path):
    """Many processes racing to create the key ring all read the same, whole key."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from clearcrm.datadir import encryption_keys;"
        "print(encryption_keys(Path(sys.argv[1]))[0])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                         text=True)
        for _ in range(40)
    ]  # fmt: skip
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1
    Fernet(keys.pop().encode())  # a whole, valid key
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
