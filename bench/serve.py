"""Capacity of `lrtui serve`: K browser sessions on loopback, measured from the outside.

Run by hand (not a pytest test; a few minutes):

    /work/venv/bin/python bench/serve.py                  # K = 1, 10, 30, a search, RESULTS.md
    /work/venv/bin/python bench/serve.py --ks 1 2 --no-search --no-write   # a quick try

It starts `lrtui serve --port P --max-sessions 1000 --idle-timeout 0 --epochs 1000000` (a
free port of 127.0.0.1; the run never ends in a window; the rest is the default preset)
from this checkout, and for each K opens K sessions at once as a browser does: GET /, then
the websocket /ws?width=100&height=30, whose binary messages are the app's terminal output
and whose ["stdin", ...] messages are keys. Each session answers Textual's query for
synchronized output (ESC[?2026$p) with "supported" as kitty or WezTerm do, so that a frame
is one ESC[?2026h ... ESC[?2026l pair, as bench/ui.py counts them in a pty. (The xterm.js
bundled with textual-serve 1.1.3 answers "not recognized", so a real browser gets the same
screen updates without the two 8-byte markers.)

For each K it records:
  - time to the first frame: from the websocket connect to the end of the first frame that
    shows the app (its parameters panel), all K sessions connecting together;
  - playing (space pressed in every session; a window of --window seconds opened --settle
    seconds after the key): frames per second and bytes per second of each session, the
    CPU of the app processes, of the server, of this script and of the whole machine
    (/proc/<pid>/stat utime+stime, /proc/stat), and each app's VmRSS and Pss;
  - paused (space again): bytes per second and the same CPU figures;
  - memory: MemAvailable (/proc/meminfo) before the sessions and with them.

Then it searches (bisection between the largest K that held and the smallest that did not)
for the largest number of PLAYING sessions whose slowest one still draws >= --fps frames per
second, and computes how many paused sessions fit: memory-bound (MemAvailable with no
sessions / the memory each one takes) unless the paused CPU says otherwise.

The script rewrites only its own block in bench/RESULTS.md (between the bench/serve.py
markers, under "## lrtui serve: capacity (bench/serve.py)"); notes below it are kept.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from results import write_block  # bench/results.py: one writer of RESULTS.md blocks

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN = "<!-- bench/serve.py: begin (generated; rerun the script to refresh) -->"
END = "<!-- bench/serve.py: end -->"
HEADING = "## lrtui serve: capacity (bench/serve.py)"

SIZE = "width=100&height=30"
APP_ARGS = ["--epochs", "1000000"]
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = "\x1b[?2026;2$y"  # "mode 2026 is supported and currently reset"
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
APP_UP = b"parameters"  # the parameters panel: the app has drawn its screen
EVENTS = re.compile(b"|".join(re.escape(m) for m in (SYNC_START, SYNC_END, APP_UP)))
TICK = os.sysconf("SC_CLK_TCK")

# -- /proc ----------------------------------------------------------------------------------


def stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    fields = stat_fields(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    """CPU seconds all processes on the machine have used so far (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK


def own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def status_kib(pid: int, name: str, path: str = "status") -> float:
    """A `name:  N kB` line of /proc/<pid>/status (or smaps_rollup), in KiB; nan if absent."""
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(name + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def mem_available_kib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return float(line.split()[1])
    return float("nan")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`lrtui serve` from this checkout, its output kept line by line."""

    def __init__(self) -> None:
        self.port = free_port()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        self.argv = [sys.executable, "-m", "lrtui", "serve", "--port", str(self.port),
                     "--max-sessions", "1000", "--idle-timeout", "0", *APP_ARGS]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("lrtui serve exited:\n" + "\n".join(self.lines))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"lrtui serve did not listen on {self.port}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def children(self) -> list[int]:
        """The server's live child processes (the apps)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (fields := stat_fields(int(entry))) is not None:
                if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                    found.append(int(entry))
        return found

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)


# -- a browser tab --------------------------------------------------------------------------


@dataclass
class Tab:
    """One session's websocket: every binary message's arrival, size and frame ends."""

    ws: aiohttp.ClientWebSocketResponse | None = None
    t_connect: float = 0.0
    t_first: float | None = None  # end of the first frame that shows the app
    first_synced: bool = True  # that frame was inside a synchronized-update pair
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    closed: str | None = None
    _answered: bool = False
    _inside: bool = False  # between ESC[?2026h and ESC[?2026l
    _up: bool = False  # the app's text has arrived

    async def open(self, http: aiohttp.ClientSession, server: Server) -> None:
        async with http.get(server.url("/")) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET / answered {response.status}")
        self.t_connect = time.perf_counter()
        self.ws = await http.ws_connect(server.url(f"/ws?{SIZE}"), max_msg_size=0)
        await self.read()

    async def read(self) -> None:
        assert self.ws is not None
        tail = b""  # the last bytes of the previous message: a marker cut in two is counted
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.BINARY:
                continue  # text: downloads, open_url (none here)
            now = time.perf_counter()
            data = msg.data
            seen = tail + data
            tail = seen[-(len(SYNC_END) - 1):]
            self.times.append(now)
            self.sizes.append(len(data))
            self.ends.append(seen.count(SYNC_END))
            if self.t_first is None:
                if SYNC_QUERY in seen and not self._answered:
                    self._answered = True
                    await self.ws.send_json(["stdin", SYNC_REPLY])
                self._first_frame(seen, now)
        self.closed = f"closed ({self.ws.close_code})"

    def _first_frame(self, seen: bytes, now: float) -> None:
        """Follow the markers and the app's text until the first frame that shows the app
        has ended (or, drawn before the reply was processed, has arrived without markers)."""
        for hit in EVENTS.finditer(seen):
            token = hit.group()
            if token == SYNC_START:
                self._inside = True
            elif token == SYNC_END:
                self._inside = False
                if self._up:
                    self.t_first = now
                    return
            elif not self._up:
                self._up = True
                if not self._inside:
                    self.t_first, self.first_synced = now, False
                    return

    async def key(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send_json(["stdin", text])

    def window(self, t0: float, t1: float) -> tuple[float, float]:
        """Frames per second and bytes per second of the messages that arrived in [t0, t1)."""
        frames = nbytes = 0
        for t, size, ends in zip(self.times, self.sizes, self.ends, strict=True):
            if t0 <= t < t1:
                frames += ends
                nbytes += size
        return frames / (t1 - t0), nbytes / (t1 - t0)


# -- one K ----------------------------------------------------------------------------------


@dataclass
class Mark:
    t: float
    apps: dict[int, float]
    server: float
    own: float
    machine: float

    @classmethod
    def take(cls, server: Server, pids: list[int]) -> Mark:
        return cls(time.perf_counter(), {p: cpu_seconds(p) for p in pids},
                   cpu_seconds(server.proc.pid), own_seconds(), machine_busy())


@dataclass
class Window:
    """What the sessions did between two marks: per-session rates, CPU in cores."""

    fps: list[float]
    bps: list[float]
    apps: float
    server: float
    own: float
    machine: float

    @classmethod
    def between(cls, tabs: list[Tab], a: Mark, b: Mark) -> Window:
        seconds = b.t - a.t
        rates = [tab.window(a.t, b.t) for tab in tabs]
        apps = sum(max(0.0, b.apps[p] - a.apps.get(p, b.apps[p])) for p in b.apps)
        return cls([r[0] for r in rates], [r[1] for r in rates], apps / seconds,
                   (b.server - a.server) / seconds, (b.own - a.own) / seconds,
                   (b.machine - a.machine) / seconds)

    @property
    def other(self) -> float:
        return max(0.0, self.machine - self.apps - self.server - self.own)


@dataclass
class Result:
    k: int
    first_frame_ms: list[float]
    unsynced_first: int
    play: Window
    paused: Window | None
    rss_kib: list[float]
    pss_kib: list[float]
    server_rss_kib: float
    mem_per_session_kib: float  # MemAvailable's drop per session
    mem_available_kib: float  # with no sessions open


async def measure(server: Server, k: int, settle: float, window: float, paused: bool,
                  fps: float) -> Result:
    mem_before = mem_available_kib()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        tabs = [Tab() for _ in range(k)]
        readers = [asyncio.create_task(tab.open(http, server)) for tab in tabs]
        deadline = time.perf_counter() + 60 + 2 * k
        while any(tab.t_first is None for tab in tabs):
            if time.perf_counter() > deadline or any(r.done() for r in readers):
                broken = [r.exception() for r in readers if r.done() and not r.cancelled()]
                raise RuntimeError(f"K={k}: {sum(t.t_first is None for t in tabs)} sessions "
                                   f"drew no first frame ({broken[:1]})")
            await asyncio.sleep(0.05)
        await asyncio.sleep(2.0)  # the last ones finish starting
        pids = server.children()
        if len(pids) != k:
            raise RuntimeError(f"K={k}: the server runs {len(pids)} apps")
        mem_with = mem_available_kib()
        await asyncio.gather(*(tab.key(" ") for tab in tabs))  # play
        await asyncio.sleep(settle)
        a = Mark.take(server, pids)
        await asyncio.sleep(window)
        b = Mark.take(server, pids)
        play = Window.between(tabs, a, b)
        rss = [status_kib(p, "VmRSS") for p in pids]
        pss = [status_kib(p, "Pss", "smaps_rollup") for p in pids]
        server_rss = status_kib(server.proc.pid, "VmRSS")
        pause = None
        if paused:
            await asyncio.gather(*(tab.key(" ") for tab in tabs))  # pause
            await asyncio.sleep(settle)
            a = Mark.take(server, pids)
            await asyncio.sleep(window)
            b = Mark.take(server, pids)
            pause = Window.between(tabs, a, b)
        for tab in tabs:
            assert tab.ws is not None
            await tab.ws.close()
        await asyncio.gather(*readers, return_exceptions=True)
    deadline = time.monotonic() + 60
    while server.children() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    first = [1000 * (t.t_first - t.t_connect) for t in tabs if t.t_first is not None]
    result = Result(k, first, sum(not t.first_synced for t in tabs), play, pause, rss, pss,
                    server_rss, (mem_before - mem_with) / k, mem_before)
    print(line_of(result, fps), flush=True)
    return result


def line_of(r: Result, fps: float) -> str:
    p = r.play
    text = (f"K={r.k:3}: first frame {med(r.first_frame_ms):.0f} ms (max "
            f"{max(r.first_frame_ms):.0f}); playing {min(p.fps):.1f}..{max(p.fps):.1f} fps "
            f"({'held' if held(r, fps) else 'NOT held'}), {med(p.bps) / 1024:.1f} KiB/s, apps "
            f"{p.apps:.2f} + server {p.server:.2f} cores, other {p.other:.2f}; RSS "
            f"{med(r.rss_kib) / 1024:.0f} MiB, Pss {med(r.pss_kib) / 1024:.0f} MiB")
    if r.paused is not None:
        text += (f"; paused {med(r.paused.bps):.0f} B/s, "
                 f"{r.paused.apps + r.paused.server:.3f} cores")
    return text


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def held(r: Result, fps: float) -> bool:
    return min(r.play.fps) >= fps


async def search(server: Server, results: dict[int, Result], args: argparse.Namespace) -> int:
    """The largest K whose slowest playing session draws >= args.fps, by bisection between
    the largest K that held and the smallest that did not (measured ones first)."""

    def bounds() -> tuple[int, int | None]:
        good = max([k for k, r in results.items() if held(r, args.fps)], default=0)
        bad = min([k for k, r in results.items() if not held(r, args.fps) and k > good],
                  default=None)
        return good, bad

    good, bad = bounds()
    while bad is None and good < args.max_k:  # everything held: double until one does not
        k = min(2 * max(good, 1), args.max_k)
        results[k] = await measure(server, k, args.settle, args.window, False, args.fps)
        good, bad = bounds()
    while bad is not None and bad - good > 1:
        k = (good + bad) // 2
        results[k] = await measure(server, k, args.settle, args.window, False, args.fps)
        good, bad = bounds()
    return good


# -- the report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    versions = ", ".join(f"{name} {version(name)}" for name in ("textual", "textual-serve",
                                                               "aiohttp"))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    total = mem_total_kib() / 1024 / 1024
    return (f"{cpu}, {os.cpu_count()} cores, {total:.1f} GiB, {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, {versions}; "
            f"lrtui at {commit or '?'}")


def mem_total_kib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return float(line.split()[1])
    return float("nan")


def report(results: dict[int, Result], best: int | None, args: argparse.Namespace,
           started: str, load_start: str) -> str:
    rows = [results[k] for k in sorted(results)]
    cores = os.cpu_count() or 1
    lines = [
        f"Machine: {machine()}",
        f"Date: {started}; load average (1, 5, 15 min) before the first session: {load_start}; "
        f"at the end: {load()} (the sessions' own)",
        f"Command: {Path(sys.executable).as_posix()} bench/serve.py "
        f"{' '.join(sys.argv[1:])}".rstrip(),
        f"Server: `lrtui serve --max-sessions 1000 --idle-timeout 0 {' '.join(APP_ARGS)}` "
        "(the default preset), on 127.0.0.1; each session a websocket /ws?" + SIZE + ", all K "
        "connecting at once; a frame = one ESC[?2026h..ESC[?2026l pair (the bench answers "
        "the synchronized-output query); windows of "
        f"{args.window:g} s opened {args.settle:g} s after the key; CPU in cores (1.00 = one "
        "core busy), 'other' = the machine's busy time that is not the apps', the server's "
        "or this script's.",
        "",
        "Playing (space pressed in every session):",
        "",
        "| K | first frame ms, median (max) | fps per session, min / median / max "
        "| KiB/s per session | apps CPU | app CPU ms per frame | server CPU | bench CPU | other "
        f"| >= {args.fps:g} fps each |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        p = r.play
        unsynced = f", {r.unsynced_first} unsynced" if r.unsynced_first else ""
        per_frame = 1000 * p.apps / sum(p.fps) if sum(p.fps) else float("nan")
        lines.append(
            f"| {r.k} | {med(r.first_frame_ms):.0f} ({max(r.first_frame_ms):.0f}{unsynced}) | "
            f"{min(p.fps):.1f} / {med(p.fps):.1f} / {max(p.fps):.1f} | "
            f"{med(p.bps) / 1024:.1f} | {p.apps:.2f} | {per_frame:.1f} | "
            f"{p.server:.2f} | {p.own:.2f} | "
            f"{p.other:.2f} | {'yes' if held(r, args.fps) else 'no'} |")
    paused = [r for r in rows if r.paused is not None]
    if paused:
        lines += ["", "Paused (space again), and memory:", "",
                  "| K | B/s per session, median (max) | apps CPU | server CPU | other "
                  "| VmRSS per app, median (max) MiB | Pss per app MiB | MemAvailable drop "
                  "per session MiB | server VmRSS MiB |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in paused:
            w = r.paused
            assert w is not None
            lines.append(
                f"| {r.k} | {med(w.bps):.0f} ({max(w.bps):.0f}) | {w.apps:.3f} | "
                f"{w.server:.3f} | {w.other:.2f} | {med(r.rss_kib) / 1024:.0f} "
                f"({max(r.rss_kib) / 1024:.0f}) | {med(r.pss_kib) / 1024:.0f} | "
                f"{r.mem_per_session_kib / 1024:.0f} | {r.server_rss_kib / 1024:.0f} |")
    lines.append("")
    if best is not None:
        lines.append(f"**Playing: {best} sessions** held >= {args.fps:g} fps each on these "
                     f"{cores} cores ({best / cores:g} per core); the searched K are in the "
                     "table (a K 'held' when its slowest session drew >= "
                     f"{args.fps:g} frames/s).")
    if paused:
        if best is not None:
            lines.append("")
        big = max(paused, key=lambda r: r.k)
        assert big.paused is not None
        avail = big.mem_available_kib
        rss, pss = med(big.rss_kib), med(big.pss_kib)
        idle_cpu = (big.paused.apps + big.paused.server) / big.k
        cpu_note = (f"{idle_cpu:.4f} cores each, so the CPU alone would allow "
                    f"{cores / idle_cpu:,.0f}" if idle_cpu > 0 else
                    "no CPU time measurable in the window")
        lines.append(
            f"**Paused: about {int(avail / rss)} sessions**, bound by memory: "
            f"{avail / 1024 / 1024:.1f} GiB available with none open / {rss / 1024:.0f} MiB "
            f"VmRSS per app (median at K = {big.k}; counting shared pages once, Pss "
            f"{pss / 1024:.0f} MiB, it would be {int(avail / pss)}). Paused, the apps and the "
            f"server used {big.paused.apps + big.paused.server:.3f} cores for {big.k} sessions "
            f"({cpu_note}).")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> tuple[dict[int, Result], int | None]:
    server = Server()
    results: dict[int, Result] = {}
    try:
        for k in args.ks:
            results[k] = await measure(server, k, args.settle, args.window, True, args.fps)
        best = await search(server, results, args) if args.search else None
    finally:
        server.stop()
    return results, best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 10, 30],
                        help="session counts measured fully (default 1 10 30)")
    parser.add_argument("--fps", type=float, default=10.0,
                        help="frames per second each playing session must keep (default 10)")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds after a key before a window opens (default 3)")
    parser.add_argument("--window", type=float, default=8.0,
                        help="seconds a window lasts (default 8)")
    parser.add_argument("--max-k", type=int, default=120,
                        help="the search goes no higher (default 120)")
    parser.add_argument("--no-search", dest="search", action="store_false",
                        help="measure --ks only")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    started = subprocess.run(["date"], capture_output=True, text=True).stdout.strip()
    load_start = load()
    t0 = time.perf_counter()
    results, best = asyncio.run(run(args))
    text = report(results, best, args, started, load_start)
    print()
    print(text)
    print(f"(bench ran {time.perf_counter() - t0:.0f} s)")
    if not args.no_write:
        write_block(RESULTS, BEGIN, END, HEADING, text + "\n", ".md.serve-tmp")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
