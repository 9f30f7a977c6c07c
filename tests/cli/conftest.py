"""Helpers for the command-line tests: they run the INSTALLED `lrtui` in a subprocess.

The console script sits next to the interpreter running the tests (the venv's bin/), so the
tests exercise exactly what a user types, entry point and all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

LRTUI = Path(sys.executable).parent / "lrtui"
ERROR_PREFIX = "lrtui: error: "


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return (
            f"lrtui {' '.join(self.args)} -> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[:2000]}\n--- stderr ---\n{self.stderr[:2000]}"
        )


def _env(columns: int = 80) -> dict[str, str]:
    env = dict(os.environ)
    env["COLUMNS"] = str(columns)
    env.pop("LINES", None)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return env


def run_lrtui(*args: str, module: bool = False, timeout: float = 120, cwd=None,
              prefix: tuple[str, ...] = (), columns: int = 80) -> Result:
    command = [sys.executable, "-m", "lrtui"] if module else [str(LRTUI)]
    proc = subprocess.run(
        [*prefix, *command, *args], capture_output=True, text=True, timeout=timeout,
        env=_env(columns), cwd=cwd, stdin=subprocess.DEVNULL,
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name!r}")


def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (which Python's json allows)."""
    return json.loads(text, parse_constant=_reject_constant)


def assert_usage_error(result: Result, *words: str) -> str:
    """Exactly one line `lrtui: error: ...` on stderr, exit 2, nothing on stdout, no traceback,
    and the message mentions every one of `words` (case-insensitive). Returns the message."""
    assert "Traceback" not in result.stderr, result
    assert result.returncode == 2, result
    assert result.stdout == "", result
    assert result.stderr.endswith("\n"), result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), result
    message = line[len(ERROR_PREFIX):]
    assert len(message.strip()) > 10, result
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in the message\n{result}"
    return message


@pytest.fixture
def lrtui():
    return run_lrtui


@pytest.fixture
def usage_error():
    return assert_usage_error


@pytest.fixture
def parse_json():
    return strict_json


# -- the app in a pseudo-terminal ------------------------------------------------------------


class Terminal:
    """`lrtui ARGS` started for real in a pseudo-terminal of `size` (columns, rows), with
    TERM=xterm-256color, as a user starts it. A thread keeps reading what the app writes
    (so that it never blocks on a full terminal); `wait_for` waits, with a timeout, until
    some text has appeared on the screen."""

    def __init__(self, *args: str, cwd=None, size: tuple[int, int] = (100, 30)) -> None:
        import fcntl
        import struct
        import termios
        import threading

        master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = dict(os.environ)
        for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "COLORTERM",
                     "TEXTUAL_COLOR_SYSTEM", "TEXTUAL"):
            env.pop(name, None)
        env["TERM"] = "xterm-256color"
        self.args = args
        self.proc = subprocess.Popen(
            [str(LRTUI), *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the app closed the terminal
                return
            if not data:
                return
            with self._lock:
                self.output += data

    def text(self) -> str:
        """Everything written so far, escape sequences removed."""
        import re

        with self._lock:
            raw = bytes(self.output)
        plain = re.sub(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.", b"",
                       raw)
        return plain.decode("utf-8", errors="replace")

    def wait_for(self, *texts: str, timeout: float = 60.0) -> str:
        """Wait until every one of `texts` has been written, or fail the test."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.text()
            if all(t in shown for t in texts):
                return shown
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        shown = self.text()
        missing = [t for t in texts if t not in shown]
        pytest.fail(f"lrtui {' '.join(self.args)}: {missing} not on the screen "
                    f"(exit code {self.proc.poll()}); last output:\n{shown[-3000:]}")

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"lrtui {' '.join(self.args)} did not exit within {timeout:g} s;\n"
                        f"{self.text()[-2000:]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(5)
        os.close(self.fd)


@pytest.fixture
def terminal():
    """Start `lrtui ARGS` in a pseudo-terminal: terminal(*args, cwd=..., size=...)."""
    started: list[Terminal] = []

    def start(*args: str, **kwargs) -> Terminal:
        t = Terminal(*args, **kwargs)
        started.append(t)
        return t

    yield start
    for t in started:
        t.close()
