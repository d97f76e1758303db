"""`clearcrm run` sets itself up and serves the site with a production server."""

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import clearcrm_env, free_port


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"clearcrm run exited early:\n{proc.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds}s")


@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearcrm", "run", "--port", str(port)],
        env=clearcrm_env(tmp_path, CLEARCRM_ADMIN_PASSWORD="s3cret-Passw0rd"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/login/", proc)
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_run_serves_login_and_admin_can_log_in(server):
    base, data_dir = server
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    assert "Log in" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": "admin", "password": "s3cret-Passw0rd", "csrfmiddlewaretoken": token}
    ).encode()
    home = opener.open(urllib.request.Request(base + "/login/", data=form))
    assert home.geturl() == base + "/"
    assert "Leads" in home.read().decode()
    css = opener.open(base + "/static/web/app.css")
    assert css.status == 200
    # The secrets were generated into the data dir, readable by the owner only.
    for name in ("secret_key", "encryption_keys"):
        assert (data_dir / name).stat().st_mode & 0o077 == 0
    assert (data_dir / "clearcrm.sqlite3").exists()
