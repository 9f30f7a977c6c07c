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
