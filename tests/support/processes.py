"""Long-running `clearcrm` processes for end-to-end tests, and patient waiting."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tests.conftest import clearcrm, clearcrm_env

T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, seconds: float = 90, every: float = 0.3) -> T:
    """Poll until check() returns something truthy; the deadline is generous, never a speed test."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(every)


class Clearcrm:
    """One `clearcrm COMMAND` running in the background, its output in a log file."""

    def __init__(self, data_dir: Path, *args: str, log: Path, **env: str) -> None:
        self.log_path = log
        self.args = args
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "clearcrm", *args],
                env=clearcrm_env(data_dir, **env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, seconds: float = 90) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None and text not in self.output():
                raise AssertionError(f"clearcrm {self.args[0]} exited:\n{self.output()[-3000:]}")
            return text in self.output()

        wait_until(seen, f"{text!r} from clearcrm {self.args[0]}", seconds)

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 60) -> int:
        """Send a signal and wait for the process to end; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(
                f"clearcrm {self.args[0]} did not stop:\n{self.output()[-3000:]}"
            ) from None


def status(data_dir: Path, **env: str) -> dict:
    """`clearcrm status --json`, parsed."""
    return json.loads(clearcrm(data_dir, "status", "--json", **env).stdout)
