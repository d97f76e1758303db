"""The same model and engine tests on PostgreSQL, when a server is reachable."""

import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.support.skipping import unavailable

PG_URL = os.environ.get("CLEARCRM_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
PORTABLE_TESTS = [
    "tests/test_models.py",
    "tests/inbound/test_ledger.py",
    "tests/inbound/test_apply.py",
    "tests/inbound/e2e/test_importer.py",
    "tests/inbound/e2e/test_assignment.py",
    "tests/inbound/e2e/test_filtering.py",
    "tests/inbound/e2e/test_retry.py",
    "tests/worker/test_schedule.py",
]


def postgres_reachable() -> str:
    """'' when PostgreSQL answers, else why not."""
    import psycopg

    try:
        psycopg.connect(PG_URL.replace("postgres://", "postgresql://"), connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip()
    return ""


def test_portable_tests_pass_on_postgresql(tmp_path):
    why = postgres_reachable()
    if why:
        unavailable(f"PostgreSQL not reachable at {PG_URL}: {why}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env.update(DATABASE_URL=PG_URL, CLEARCRM_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db",
         *PORTABLE_TESTS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
