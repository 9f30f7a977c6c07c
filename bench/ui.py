"""UI benchmark: the real lrtui app in a real pseudo-terminal, measured from the outside.

Run by hand (not a pytest test; about a minute and a half):

    /work/venv/bin/python bench/ui.py            # prints a table, updates bench/RESULTS.md
    /work/venv/bin/python bench/ui.py --no-write # prints only

The script plays the terminal: it spawns the app on a pty of 100x30 with
TERM=xterm-256color (COLORTERM unset, so Textual uses 256 colours), answers Textual's
DECRQM query for synchronized output (mode 2026) the way kitty, WezTerm, iTerm2, foot or
Windows Terminal do, and records every byte the app writes with the time it arrived.

Frame delimiter: with mode 2026 on, Textual wraps every screen update (one `App._display`)
in ESC[?2026h ... ESC[?2026l; a frame is one such pair, and its time is the arrival of
the closing marker. Before the app has processed the reply it draws without markers (the
minimal app sometimes draws its first frame that early): such output counts as a frame of
its own, ending with its last byte; the report says if any appeared while measuring.

A small terminal emulator (cursor moves, SGR, text; enough for Textual's output) replays
the stream offline, so the script knows what was on screen after each frame: the epoch
shown, whether the screen is complete, and which widget each written cell belongs to
(the widget map comes from the same app laid out headless at 100x30 with run_test).

Measured, in one run:
  1. startup: spawn -> end of the first frame after which the screen equals the settled
     screen (all text and colours), medians of lrtui, bench/minimal_app.py and the same
     minimal app after importing numpy and textual_plotext (the floor), interleaved;
  2. playing: frames/s, visible state updates/s, bytes/s, bytes/frame, app CPU;
     also with `]` pressed (more steps per frame) and with `l` (log scale);
  3. paused: bytes/s;
  4. keypress latency: `n` while paused -> end of the frame that shows the next epoch;
  and the same play/paused/latency numbers with TEXTUAL_COLOR_SYSTEM=standard (16 colours),
  and playing with `lrtui --low-bandwidth` where lrtui has that flag. Each window also
  records how many cores other processes kept busy (the machine may be shared).

The script rewrites only its own block in bench/RESULTS.md (between the bench/ui.py
markers, under "## UI (bench/ui.py)"); notes written below the block are kept.
bench/ui_profile.py holds the experiments that explain the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import fcntl
import os
import platform
import pty
import re
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
COLS, ROWS = 100, 30
PY = sys.executable
_script = Path(PY).parent / "lrtui"
LRTUI = [str(_script)] if _script.exists() else [PY, "-m", "lrtui"]
MINIMAL = [PY, str(ROOT / "bench" / "minimal_app.py")]
FLOOR = MINIMAL + ["--imports"]  # the minimal app after importing numpy and textual_plotext

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "mode 2026 is supported and currently reset"
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
CTRL_Q = b"\x11"

SETTLE = 1.0  # seconds after a key before a measurement window opens
WINDOW = 5.0  # seconds a measurement window lasts
QUIET = 0.3  # seconds of silence that mean "the app has finished drawing"

TARGETS = dict(startup_ratio=1.5, fps=25.0, play_kib_s=64.0, paused_b_s=1024.0, latency_ms=1000 / 30)

# -- the pseudo-terminal --------------------------------------------------------------------


def child_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COLORTERM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "COLUMNS", "LINES", "TERM_PROGRAM",
                 "TEXTUAL", "TEXTUAL_FPS"):
        env.pop(name, None)
    env["TERM"] = "xterm-256color"
    env.update(extra or {})
    return env


def busy_seconds() -> float:
    """CPU time all processes on the machine have used so far (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Session:
    """One app in a pty: bytes in, timestamps recorded by a reader thread."""

    def __init__(self, argv: list[str], extra_env: dict[str, str] | None = None, need: bytes | None = None):
        env = child_env(extra_env)
        self.argv = argv
        self.need = need
        self.need_seen: float | None = None
        self.chunks: list[tuple[float, bytes]] = []
        self.last_time = 0.0
        self.answered: float | None = None
        self.marks: dict[str, tuple[float, float, float, float]] = {}
        self.t_spawn = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the app
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.chdir(ROOT)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.exit_status: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        tail = b""
        keep = max(len(SYNC_QUERY), len(self.need or b"")) - 1
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            now = time.perf_counter()
            self.chunks.append((now, data))
            self.last_time = now
            seen = tail + data
            if self.answered is None and SYNC_QUERY in seen:
                os.write(self.fd, SYNC_REPLY)
                self.answered = now
            if self.need and self.need_seen is None and self.need in seen:
                self.need_seen = now
            tail = seen[-keep:]

    def send(self, keys: bytes) -> float:
        t = time.perf_counter()
        os.write(self.fd, keys)
        return t

    def mark(self, name: str) -> None:
        """Time, the app's CPU, the machine's CPU and this script's CPU, all in seconds."""
        self.marks[name] = (time.perf_counter(), cpu_seconds(self.pid), busy_seconds(), own_seconds())

    def wait_ready(self, timeout: float = 20.0) -> float:
        """Wait until the `need` text has been written and the output then stayed quiet."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            now = time.perf_counter()
            ready = self.need_seen is not None if self.need else bool(self.chunks)
            if ready and now - self.last_time >= QUIET:
                return now
            time.sleep(0.005)
        raise RuntimeError(f"{shlex.join(self.argv)}: no complete screen within {timeout:.0f} s")

    def close(self) -> None:
        try:
            os.write(self.fd, CTRL_Q)
        except OSError:
            pass
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    pass
            end = time.perf_counter() + 3.0
            while time.perf_counter() < end:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.exit_status = status
                    break
                time.sleep(0.01)
            if self.exit_status is not None:
                break
        self._reader.join(timeout=3.0)
        os.close(self.fd)


# -- replaying the stream -------------------------------------------------------------------

TOKEN = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[^\[\]]"  # other escapes
    rb"|[\x00-\x1a\x1c-\x1f]"  # C0 controls
    rb"|[^\x00-\x1f]+"  # text
)
EPOCH = re.compile(r"epoch\s+([\d,]+)\s*/\s*[\d,]+")

try:
    from rich.cells import get_character_cell_size as _cell_size
except ImportError:  # pragma: no cover
    def _cell_size(ch: str) -> int:
        return 1


class Screen:
    """Just enough of a terminal for Textual's output: CUP, SGR, ED, EL, CR, LF, text."""

    def __init__(self, owners: list[list[object]] | None = None):
        self.cells = [[(" ", "")] * COLS for _ in range(ROWS)]
        self.x = self.y = 0
        self.style = ""
        self.owners = owners
        self.pending = 0  # escape bytes not yet charged to a cell
        self.charged: Counter = Counter()

    def feed(self, data: bytes) -> None:
        cells, owners, charged = self.cells, self.owners, self.charged
        for m in TOKEN.finditer(data):
            tok = m.group()
            head = tok[0]
            if head == 0x1B:
                self.pending += len(tok)
                if tok[1:2] == b"[" and tok[2:3] != b"?":
                    final, params = tok[-1:], tok[2:-1].decode("ascii", "replace")
                    if final == b"m":
                        self.style = "" if params in ("", "0") else params
                    elif final in (b"H", b"f"):
                        parts = (params.split(";") + ["", ""])[:2]
                        self.y = min(max(int(parts[0] or 1) - 1, 0), ROWS - 1)
                        self.x = min(max(int(parts[1] or 1) - 1, 0), COLS)
                    elif final == b"J" and params in ("2", "3"):
                        self.cells = cells = [[(" ", "")] * COLS for _ in range(ROWS)]
                    elif final == b"K" and params in ("", "0"):
                        row = cells[self.y]
                        for x in range(self.x, COLS):
                            row[x] = (" ", self.style)
                continue
            if head < 0x20:
                self.pending += len(tok)
                if tok == b"\r":
                    self.x = 0
                elif tok == b"\n":
                    self.y = min(self.y + 1, ROWS - 1)
                elif tok == b"\x08":
                    self.x = max(self.x - 1, 0)
                continue
            row = cells[self.y]
            orow = owners[self.y] if owners is not None else None
            for ch in tok.decode("utf-8", "replace"):
                width = _cell_size(ch) or 1
                if self.x < COLS:
                    row[self.x] = (ch, self.style)
                    if width == 2 and self.x + 1 < COLS:
                        row[self.x + 1] = ("", self.style)
                    owner = orow[self.x] if orow is not None else None
                else:
                    owner = "(off screen)"
                charged[owner] += len(ch.encode("utf-8")) + self.pending
                self.pending = 0
                self.x += width

    def snapshot(self) -> tuple:
        return tuple(tuple(row) for row in self.cells)

    def text(self) -> str:
        return "\n".join("".join(ch for ch, _ in row) for row in self.cells)


@dataclass
class Frame:
    t_start: float
    t_end: float
    nbytes: int
    epoch: int | None = None
    charged: Counter = field(default_factory=Counter)
    complete: bool = False
    synced: bool = True


@dataclass
class Replay:
    frames: list[Frame]
    unsynced_screen_bytes: int  # screen output outside ESC[?2026h..l pairs (counted as frames)
    final_text: str


def replay(chunks: list[tuple[float, bytes]], owners=None, final: tuple | None = None,
           upto: float | None = None) -> Replay:
    """Split the stream into synchronized-update frames and replay them on a Screen."""
    if upto is not None:
        chunks = [c for c in chunks if c[0] <= upto]
    data = b"".join(d for _, d in chunks)
    ends, pos = [], 0
    for _, d in chunks:
        pos += len(d)
        ends.append(pos)
    times = [t for t, _ in chunks]

    def time_at(offset: int) -> float:  # arrival of the chunk holding byte `offset`
        return times[min(bisect.bisect_right(ends, offset), len(times) - 1)]

    screen = Screen(owners)
    frames: list[Frame] = []
    unsynced = 0
    cup = re.compile(rb"\x1b\[\d+;\d+H")

    def close_frame(start: int, end: int, synced: bool) -> None:
        hit = EPOCH.search(screen.text())
        frame = Frame(time_at(start), time_at(end - 1), end - start,
                      int(hit.group(1).replace(",", "")) if hit else None, Counter(screen.charged), synced=synced)
        if final is not None:
            frame.complete = screen.snapshot() == final
        frames.append(frame)
        screen.charged.clear()
        screen.pending = 0

    def outside(start: int, end: int) -> None:
        """Output between pairs: if it draws (before the reply to the DECRQM query was
        processed, Textual draws without the markers), it is a frame of its own."""
        nonlocal unsynced
        first = cup.search(data, start, end)
        if first is None:
            screen.feed(data[start:end])
            screen.charged.clear()
            screen.pending = 0
            return
        screen.feed(data[start:first.start()])
        screen.charged.clear()
        screen.pending = 0
        screen.feed(data[first.start():end])
        unsynced += end - first.start()
        close_frame(first.start(), end, synced=False)

    pos = 0
    start_at = None
    for m in re.finditer(re.escape(SYNC_START) + b"|" + re.escape(SYNC_END), data):
        if m.group() == SYNC_START:
            if start_at is None:
                outside(pos, m.start())
                start_at = pos = m.start()
            continue
        if start_at is None:
            continue
        screen.feed(data[pos:m.end()])
        pos = m.end()
        close_frame(start_at, m.end(), synced=True)
        start_at = None
    if start_at is None:
        outside(pos, len(data))
    else:
        screen.feed(data[pos:])
    return Replay(frames, unsynced, screen.text())


def settled_screen(chunks, upto: float) -> tuple:
    screen = Screen()
    screen.feed(b"".join(d for t, d in chunks if t <= upto))
    return screen.snapshot()


# -- which widget owns each cell ------------------------------------------------------------


def owner_grid(cli_args: list[str]) -> list[list[tuple[str, str]]] | None:
    """(panel, leaf) names for every cell of the app laid out at COLSxROWS (headless)."""
    try:
        from textual.containers import (
            Container,
            Horizontal,
            HorizontalScroll,
            Vertical,
            VerticalScroll,
        )
        from textual.screen import Screen as TScreen

        from lrtui.cli import build_parser, load_run
        from lrtui.tui.app import make_app
    except Exception as exc:  # pragma: no cover
        print(f"(no per-widget breakdown: {exc})", file=sys.stderr)
        return None
    plain = (Container, Horizontal, HorizontalScroll, Vertical, VerticalScroll)

    def name(widget) -> str:
        return f"#{widget.id}" if widget.id else type(widget).__name__

    async def layout():
        data, config = load_run(build_parser().parse_args(cli_args))
        app = make_app(data, config)
        async with app.run_test(size=(COLS, ROWS)) as pilot:
            await pilot.pause()
            grid = []
            for y in range(ROWS):
                row = []
                for x in range(COLS):
                    try:
                        widget, _ = app.screen.get_widget_at(x, y)
                    except Exception:
                        row.append(("(none)", "(none)"))
                        continue
                    panel, node = widget, widget
                    while node is not None and not isinstance(node, TScreen):
                        if type(node) not in plain:
                            panel = node
                        node = node.parent
                    row.append((name(panel), name(widget)))
                grid.append(row)
            return grid

    try:
        return asyncio.run(layout())
    except Exception as exc:  # pragma: no cover
        print(f"(no per-widget breakdown: {exc!r})", file=sys.stderr)
        return None


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Window:
    label: str
    seconds: float
    nbytes: int
    frames: list[Frame]
    cpu: float  # fraction of one core
    epochs: tuple[int | None, int | None]
    other: float = 0.0  # cores busy with processes other than the app and this script

    @property
    def unsynced(self) -> int:
        return sum(1 for f in self.frames if not f.synced)

    @property
    def fps(self) -> float:
        return len(self.frames) / self.seconds

    @property
    def updates_per_s(self) -> float:
        """Frames that showed a new epoch, per second (what the learner sees move)."""
        changed, last = 0, None
        for f in self.frames:
            if f.epoch is not None and last is not None and f.epoch != last:
                changed += 1
            last = f.epoch if f.epoch is not None else last
        return changed / self.seconds

    @property
    def bytes_per_s(self) -> float:
        return self.nbytes / self.seconds

    @property
    def bytes_per_frame(self) -> float:
        return self.nbytes / len(self.frames) if self.frames else float("nan")

    def charged(self, level: int) -> Counter:
        total: Counter = Counter()
        for f in self.frames:
            for owner, n in f.charged.items():
                key = owner[level] if isinstance(owner, tuple) else str(owner)
                total[key] += n
        return total


def window(session: Session, rep: Replay, label: str, name: str) -> Window:
    (a, cpu_a, busy_a, own_a), (b, cpu_b, busy_b, own_b) = session.marks[f"{name}:start"], session.marks[f"{name}:end"]
    frames = [f for f in rep.frames if a <= f.t_end < b]
    nbytes = sum(len(d) for t, d in session.chunks if a <= t < b)
    epochs = [f.epoch for f in frames if f.epoch is not None]
    other = ((busy_b - busy_a) - (cpu_b - cpu_a) - (own_b - own_a)) / (b - a)
    return Window(label, b - a, nbytes, frames, (cpu_b - cpu_a) / (b - a),
                  (epochs[0] if epochs else None, epochs[-1] if epochs else None), max(other, 0.0))


def measure(session: Session, name: str, seconds: float = WINDOW) -> None:
    time.sleep(SETTLE)
    session.mark(f"{name}:start")
    time.sleep(seconds)
    session.mark(f"{name}:end")


def startup_sample(argv: list[str], need: bytes, extra_env=None) -> dict:
    session = Session(argv, extra_env, need=need)
    ready = session.wait_ready()
    session.close()
    final = settled_screen(session.chunks, ready)
    rep = replay(session.chunks, final=final, upto=ready)
    complete = next((f for f in rep.frames if f.complete), None)
    if complete is None:
        raise RuntimeError(f"{shlex.join(argv)}: no frame matched the settled screen")
    ms = lambda t: (t - session.t_spawn) * 1000  # noqa: E731
    return dict(
        complete=ms(complete.t_end),
        first_frame=ms(rep.frames[0].t_end),
        first_byte=ms(session.chunks[0][0]),
        frames=sum(1 for f in rep.frames if f.t_end <= complete.t_end),
        nbytes=sum(f.nbytes for f in rep.frames if f.t_end <= complete.t_end),
        unsynced=rep.unsynced_screen_bytes,
    )


def startup(runs: int) -> dict[str, list[dict]]:
    apps = {"lrtui": (LRTUI, b"quit"), "minimal": (MINIMAL, b"one Static"), "floor": (FLOOR, b"one Static")}
    for argv, need in apps.values():  # warm the page cache and the .pyc files; not counted
        startup_sample(argv, need)
    samples: dict[str, list[dict]] = {name: [] for name in apps}
    for _ in range(runs):
        for name, (argv, need) in apps.items():  # interleaved, so drift hits both alike
            samples[name].append(startup_sample(argv, need))
    return samples


def session_main(extra_env=None, owners=None, latency_presses: int = 20, log: bool = True) -> dict:
    """The default run (seed preset): play, pause, step with n, then play on a log scale."""
    s = Session(LRTUI, extra_env, need=b"quit")
    s.wait_ready()
    s.send(b" ")
    measure(s, "play")
    s.send(b" ")
    measure(s, "paused")
    keys = []
    for _ in range(latency_presses):
        keys.append(s.send(b"n"))
        time.sleep(0.2)
    if log:
        s.send(b"l")
        s.send(b" ")
        measure(s, "play_log")
    s.close()
    rep = replay(s.chunks, owners)
    out = dict(
        play=window(s, rep, "play, 1 step/frame", "play"),
        paused=window(s, rep, "paused", "paused"),
        unsynced=rep.unsynced_screen_bytes,
    )
    if log:
        out["play_log"] = window(s, rep, "play, 1 step/frame, log scale", "play_log")
    # keypress latency: n -> end of the frame that shows the next epoch
    lat_epoch, lat_frame = [], []
    for t in keys:
        before = [f.epoch for f in rep.frames if f.t_end < t and f.epoch is not None]
        after = [f for f in rep.frames if f.t_end >= t]
        if not before or not after:
            continue
        lat_frame.append((after[0].t_end - t) * 1000)
        hit = next((f for f in after if f.epoch == before[-1] + 1), None)
        if hit is not None:
            lat_epoch.append((hit.t_end - t) * 1000)
    out["latency_epoch"] = lat_epoch
    out["latency_frame"] = lat_frame
    out["latency_presses"] = len(keys)
    return out


FAST_ARGS = ["--lr", "0.001", "--epochs", "1000000"]  # a run that does not end in the window
FAST_PRESSES = 3  # `]` three times: 1 -> 2 -> 5 -> 10 steps per frame


def session_low_bandwidth(owners=None) -> dict | None:
    """`lrtui --low-bandwidth` (12 fps, plots once a second, 16 colours), if this lrtui has it."""
    helptext = subprocess.run(LRTUI + ["--help"], capture_output=True, text=True, cwd=ROOT).stdout
    if "--low-bandwidth" not in helptext:
        return None
    s = Session(LRTUI + ["--low-bandwidth"], need=b"quit")
    s.wait_ready()
    s.send(b" ")
    measure(s, "low")
    s.close()
    rep = replay(s.chunks, owners)
    return dict(low=window(s, rep, "play, --low-bandwidth (12 fps, 16 colours)", "low"),
                unsynced=rep.unsynced_screen_bytes)


def session_fast(owners=None) -> dict:
    s = Session(LRTUI + FAST_ARGS, need=b"quit")
    s.wait_ready()
    for _ in range(FAST_PRESSES):
        s.send(b"]")
        time.sleep(0.05)
    s.send(b" ")
    measure(s, "fast")
    s.close()
    rep = replay(s.chunks, owners)
    return dict(fast=window(s, rep, f"play, `]`x{FAST_PRESSES} (lr 0.001)", "fast"),
                unsynced=rep.unsynced_screen_bytes)


def session_map(owners=None) -> dict:
    """The loss map (key c) in place of the tangent and fit plots, playing a long run."""
    s = Session(LRTUI + FAST_ARGS, need=b"quit")
    s.wait_ready()
    s.send(b"c")
    time.sleep(0.3)
    s.send(b" ")
    measure(s, "map")
    s.close()
    rep = replay(s.chunks, owners)
    return dict(map=window(s, rep, "play with the loss map (c), lr 0.001", "map"),
                unsynced=rep.unsynced_screen_bytes)


# -- report ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        tv, pv = version("textual"), version("plotext")
    except Exception:
        tv = pv = "?"
    date = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "lrtui/tui"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (lrtui/tui has uncommitted changes)" if dirty else ""
    except OSError:
        commit = "?"
    return dict(cpu=cpu, cores=str(os.cpu_count()), python=platform.python_version(), textual=tv,
                plotext=pv, os=f"{platform.system()} {platform.release()}", date=date, commit=commit,
                load=f"{LOAD_AT_START} / {load()}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


LOAD_AT_START = load()


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def build_report(m, starts, main, std, fast, runs, low=None) -> tuple[str, dict]:
    lines = []
    add = lines.append
    lr, mn = [s["complete"] for s in starts["lrtui"]], [s["complete"] for s in starts["minimal"]]
    ratio = med(lr) / med(mn)
    ok = {}
    ok["startup"] = ratio <= TARGETS["startup_ratio"]
    add(f"Machine: {m['cpu']}, {m['cores']} cores, {m['os']}; Python {m['python']}, "
        f"textual {m['textual']}, plotext {m['plotext']}; lrtui at {m['commit']}")
    add(f"Date: {m['date']}; load average at start and end: {m['load']}")
    add(f"Command: {Path(PY).as_posix()} bench/ui.py   (pty {COLS}x{ROWS}, TERM=xterm-256color, "
        "COLORTERM unset, synchronized output answered)")
    add("")
    add(f"Startup, spawn -> end of the first frame equal to the settled screen (median of {runs}, "
        "interleaved, after one warm-up each):")
    add("")
    add("| app | median ms | min..max ms | first byte ms | first frame ms | frames | bytes |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for name, xs in (("lrtui", starts["lrtui"]), ("minimal (one Static)", starts["minimal"]),
                     ("minimal + import numpy, textual_plotext", starts["floor"])):
        c = [s["complete"] for s in xs]
        add(f"| {name} | {med(c):.0f} | {min(c):.0f}..{max(c):.0f} | {med([s['first_byte'] for s in xs]):.0f} | "
            f"{med([s['first_frame'] for s in xs]):.0f} | {med([s['frames'] for s in xs]):.0f} | "
            f"{med([s['nbytes'] for s in xs]):,.0f} |")
    add("")
    add(f"lrtui / minimal = **{ratio:.2f}x** (target <= {TARGETS['startup_ratio']}x: {verdict(ok['startup'])}); "
        f"difference {med(lr) - med(mn):.0f} ms. The minimal app after importing numpy and textual_plotext "
        f"(what lrtui cannot start without) takes {med([s['complete'] for s in starts['floor']]) / med(mn):.2f}x.")
    add("")
    add(f"Steady state (windows of {WINDOW:.0f} s opened {SETTLE:.0f} s after the key; a frame = one "
        "ESC[?2026h..ESC[?2026l pair; 'updates/s' = frames that show a new epoch, i.e. animation frames, "
        "which the >= 25 target is judged on (fps above it counts every frame, also those that only redraw the "
        "Footer); app CPU = % of one core; other load = cores used by other processes):")
    add("")
    add("| scenario | colours | fps | updates/s | KiB/s | bytes/frame | app CPU % | other load (cores) | epochs in window | target |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    windows: list[Window] = []

    def row(w: Window, colours: str, target: str):
        windows.append(w)
        e0, e1 = w.epochs
        add(f"| {w.label} | {colours} | {w.fps:.1f} | {w.updates_per_s:.1f} | {w.bytes_per_s / 1024:.1f} | "
            f"{w.bytes_per_frame:,.0f} | {100 * w.cpu:.0f} | {w.other:.2f} | {e0}..{e1} | {target} |")

    def play_ok(w: Window) -> bool:
        return w.updates_per_s >= TARGETS["fps"] and w.bytes_per_s / 1024 <= TARGETS["play_kib_s"]

    def play_target(w: Window) -> str:
        return (f"updates >= 25/s: {verdict(w.updates_per_s >= TARGETS['fps'])}; "
                f"<= 64 KiB/s: {verdict(w.bytes_per_s / 1024 <= TARGETS['play_kib_s'])}")

    for key in ("play", "play_log"):
        row(main[key], "256", play_target(main[key]))
        ok[key] = play_ok(main[key])
    row(fast["fast"], "256", play_target(fast["fast"]))
    ok["fast"] = play_ok(fast["fast"])
    p = main["paused"]
    ok["paused"] = p.bytes_per_s < TARGETS["paused_b_s"]
    row(p, "256", f"< 1 KiB/s: {verdict(ok['paused'])} ({p.bytes_per_s:.0f} B/s)")
    if std:
        row(std["play"], "16", play_target(std["play"]))
        row(std["paused"], "16", f"{std['paused'].bytes_per_s:.0f} B/s")
    if low:
        w = low["low"]
        row(w, "16", f"<= 64 KiB/s: {verdict(w.bytes_per_s / 1024 <= TARGETS['play_kib_s'])} "
                     "(12 fps by design)")
    add("")
    le, lf = main["latency_epoch"], main["latency_frame"]
    ok["latency"] = bool(le) and max(le) <= TARGETS["latency_ms"]
    add(f"Keypress latency, `n` while paused -> end of the frame showing the next epoch "
        f"({len(le)} of {main['latency_presses']} presses matched): median **{med(le):.1f} ms**, "
        f"max **{max(le) if le else float('nan'):.1f} ms** (target <= {TARGETS['latency_ms']:.0f} ms: "
        f"{verdict(ok['latency'])}); to the first frame after the key: median {med(lf):.1f} ms, "
        f"max {max(lf) if lf else float('nan'):.1f} ms")
    if std:
        se = std["latency_epoch"]
        add(f"With 16 colours: median {med(se):.1f} ms, max {max(se) if se else float('nan'):.1f} ms.")
    add("")
    if std:
        a, b = main["play"].bytes_per_frame, std["play"].bytes_per_frame
        add(f"16 colours (TEXTUAL_COLOR_SYSTEM=standard) vs 256 while playing: {b:,.0f} vs {a:,.0f} "
            f"bytes/frame ({100 * (1 - b / a):.0f}% fewer).")
        add("")
    early = {name: sum(1 for x in xs if x["unsynced"]) for name, xs in starts.items()}
    if any(early.values()):
        add("Drawn before the synchronized-output reply was processed (so without markers; counted as "
            "frames): first frames in " + ", ".join(f"{n} of {len(starts[k])} {k} runs" for k, n in early.items()) + ".")
        add("")
    late = sum(w.unsynced for w in windows)
    if late:
        add(f"WARNING: {late} frames inside measurement windows had no synchronized-update markers.")
        add("")
    busy = max(w.other for w in windows)
    if busy > 0.2:
        add(f"WARNING: other processes kept up to {busy:.2f} of the {os.cpu_count()} cores busy during the "
            f"windows (load average {m['load']}): the app competed for CPU, so fps and latency are pessimistic.")
        add("")
    w = main["play"]
    total = sum(w.charged(0).values()) or 1
    add(f"Where the bytes go while playing ({w.label}, 256 colours), by widget, per second "
        "(each written cell is charged with its bytes and the escapes before it):")
    add("")
    add("| widget | KiB/s | share |")
    add("|---|---:|---:|")
    for owner, n in w.charged(0).most_common(12):
        add(f"| {owner} | {n / w.seconds / 1024:.1f} | {100 * n / total:.0f}% |")
    add("")
    plot_frames = [f for f in w.frames if any(isinstance(o, tuple) and o[0].endswith("-plot") for o in f.charged)]
    if plot_frames:
        others = [f for f in w.frames if f not in plot_frames]
        add(f"Frames that write plot cells: {len(plot_frames) / w.seconds:.1f}/s, "
            f"{med([f.nbytes for f in plot_frames]):,.0f} bytes each (median); other frames: "
            f"{len(others) / w.seconds:.1f}/s, {med([f.nbytes for f in others]) if others else 0:,.0f} bytes each.")
        add("")
    return "\n".join(lines), ok


BEGIN = "<!-- bench/ui.py: begin (generated; rerun the script to refresh) -->"
END = "<!-- bench/ui.py: end -->"
HEADING = "## UI (bench/ui.py)"


def write_results(body: str) -> None:
    write_block(RESULTS, BEGIN, END, HEADING, body + "\n", ".md.tmp")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="startup samples per app (default 5)")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--no-standard", action="store_true", help="skip the 16-colour session")
    parser.add_argument("--map-only", action="store_true",
                        help="only the loss-map scenario (printed; RESULTS.md is left alone)")
    args = parser.parse_args()
    if args.map_only:
        for _ in range(3):
            w = session_map()["map"]
            print(f"{w.label}: {w.fps:.1f} frames/s, {w.bytes_per_s / 1024:.1f} KiB/s, "
                  f"{w.bytes_per_frame:.0f} B/frame, app CPU {w.cpu:.0%}, other cores busy "
                  f"{w.other:.2f} (targets: >= 25 fps, <= 64 KiB/s)")
        return 0
    global LOAD_AT_START
    LOAD_AT_START = load()
    t0 = time.perf_counter()
    owners = owner_grid([])
    print(f"startup: {args.runs} x lrtui, {args.runs} x minimal ...", flush=True)
    starts = startup(args.runs)
    print("playing, paused, keypresses, log scale (256 colours) ...", flush=True)
    main_run = session_main(owners=owners)
    print("playing faster ...", flush=True)
    fast = session_fast(owners=owners)
    std = None
    if not args.no_standard:
        print("16 colours ...", flush=True)
        std = session_main({"TEXTUAL_COLOR_SYSTEM": "standard"}, owners=owners, latency_presses=10, log=False)
    print("--low-bandwidth ...", flush=True)
    low = session_low_bandwidth(owners=owners)
    report, ok = build_report(machine(), starts, main_run, std, fast, args.runs, low)
    print()
    print(report)
    print("targets: " + ", ".join(f"{k} {verdict(v)}" for k, v in ok.items()))
    print(f"(bench ran {time.perf_counter() - t0:.0f} s)")
    if not args.no_write:
        write_results(report)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
