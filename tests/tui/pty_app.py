"""The real `lrtui` in a pseudo-terminal, as a person's terminal runs it: spawn it, wait
for text on the screen, type, and read its exit code. Used where Pilot cannot stand in for
a terminal (keys that arrive in one write, the command line that starts the app)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

LRTUI = Path(sys.executable).parent / "lrtui"


class PtyApp:
    def __init__(self, *args: str, cwd: str | os.PathLike[str] | None = None,
                 size: tuple[int, int] = (100, 30)) -> None:
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen([str(LRTUI), *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd, env=env, start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = b""
        self.mark = 0  # where the output since the last write() begins

    def read_until(self, text: str, timeout: float = 30.0) -> None:
        """Read the app's output until `text` has appeared in what it wrote since the last
        `write()` (AssertionError if not)."""
        end = time.monotonic() + timeout
        while text.encode() not in self.output[self.mark:]:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear within {timeout:g} s")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the app ended
                    raise AssertionError(f"the app ended before {text!r} appeared") from None

    def write(self, data: str) -> None:
        self.mark = len(self.output)
        os.write(self.master, data.encode())

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, reading (and dropping) output meanwhile so the app never blocks."""
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    break
        code = self.proc.wait(timeout=max(0.1, end - time.monotonic()))
        os.close(self.master)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
