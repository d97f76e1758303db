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
