"""`lrtui serve` for a classroom (issue 12): the token, the cap on sessions, the idle timeout,
the teacher's log lines, and sessions that do not take each other down.

Each test starts a real `lrtui serve` on a free port of 127.0.0.1 (or on 0.0.0.0, reached
through 127.0.0.1) and speaks to it as a browser does, with aiohttp: the page `/`, then the
websocket `/ws` with `["stdin", ...]` messages for keys. The app processes are counted as the
server's children, from /proc."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import aiohttp
import pytest

from .conftest import LRTUI, _env

SIZE = "width=100&height=30"
APP_UP = b"parameters"  # the app's parameters panel: the app has drawn its screen


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`lrtui serve --port P ARGS`, with its output kept line by line."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [str(LRTUI), "serve", "--port", str(self.port), *args], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, env=_env(120),
            cwd=cwd,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"lrtui serve did not listen on {self.port}:\n{self.output()}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def token(self) -> str:
        found = re.search(r"\?token=([\w-]+)", self.lines[0])
        assert found, self.lines[0]
        return found.group(1)

    async def wait_line(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if re.search(pattern, line):
                    return line
            await asyncio.sleep(0.05)
        pytest.fail(f"no line matches {pattern!r}:\n{self.output()}")

    def children(self) -> list[int]:
        """The server's live child processes (the apps), oldest first."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                found.append((int(fields[19]), int(entry)))  # (start time, pid)
        return [pid for _, pid in sorted(found)]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)


@pytest.fixture
def serve(tmp_path):
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(*args, cwd=tmp_path)
        started.append(served)
        return served

    yield start
    for served in started:
        apps = served.children()
        served.stop()
        for pid in apps:  # stopping the server stops its apps
            assert not _alive(pid), f"app process {pid} outlived the server"


def _alive(pid: int, wait: float = 10) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


async def _until(ws, done, timeout: float = 30) -> bytes:
    """The bytes the app sends until `done(seen)` is true (or the timeout, or a close)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while not done(seen) and time.monotonic() < deadline:
        try:
            msg = await asyncio.wait_for(ws.receive(), deadline - time.monotonic())
        except asyncio.TimeoutError:
            break
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type != aiohttp.WSMsgType.TEXT:
            break
    return seen


async def _quiet(ws, quiet: float = 0.5, timeout: float = 10) -> None:
    """Read until the app has sent nothing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = await asyncio.wait_for(ws.receive(), quiet)
        except asyncio.TimeoutError:
            return
        assert msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), msg


async def _answers_a_key(ws) -> bool:
    """After a quiet moment, space (play) brings frames back."""
    await _quiet(ws)
    await ws.send_json(["stdin", " "])
    return len(await _until(ws, lambda seen: len(seen) > 500, timeout=20)) > 500


async def _closed_with(ws, timeout: float = 30) -> tuple[bytes, int | None, str]:
    """What the server writes before it closes the websocket, the close code and reason."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = await asyncio.wait_for(ws.receive(), deadline - time.monotonic())
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                          aiohttp.WSMsgType.CLOSING):
            return seen, ws.close_code, msg.extra or ""
    pytest.fail("the websocket was not closed")


async def _status(session, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


async def _ws_refused(session, url: str) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await session.ws_connect(url)
    return info.value.status


# -- the door ---------------------------------------------------------------------------------


async def test_loopback_needs_no_token_and_the_teacher_sees_the_class_arrive(serve):
    served = serve()
    assert served.lines[0].startswith(f"lrtui serve: http://127.0.0.1:{served.port} ")
    assert "token" not in served.lines[0]
    assert "up to" in served.lines[1] and "30 minutes" in served.lines[1]
    async with aiohttp.ClientSession() as http:
        status, body = await _status(http, served.url())
        assert status == 200 and f'"ws://127.0.0.1:{served.port}/ws"' in body
        ws = await http.ws_connect(served.url(f"/ws?{SIZE}"))
        assert APP_UP in await _until(ws, lambda seen: APP_UP in seen)
        started = await served.wait_line(r"session started \(1 running\) from 127\.0\.0\.1$")
        assert re.match(r"\d\d:\d\d:\d\d session", started), started
        assert await _answers_a_key(ws)
        await ws.close()
    ended = await served.wait_line(r"session ended \(0 running\) from 127\.0\.0\.1")
    assert re.match(r"\d\d:\d\d:\d\d session ended", ended) and "the browser left" in ended
    assert not any("GET /" in line for line in served.lines)  # no access log in the way
    assert served.children() == []


async def test_any_other_address_needs_the_printed_token(serve):
    served = serve("--host", "0.0.0.0")
    token = served.token
    assert len(token) >= 32
    assert served.lines[0].startswith(f"lrtui serve: http://0.0.0.0:{served.port}/?token=")
    async with aiohttp.ClientSession() as http:
        for query in ("", "?token=", "?token=guess", f"?token={token}x"):
            assert (await _status(http, served.url("/" + query)))[0] == 403, query
            assert await _ws_refused(http, served.url(f"/ws?{SIZE}&{query[1:]}")) == 403
        await asyncio.sleep(0.3)
        assert served.children() == []  # no app was started for them
        assert any("refused (no token) from 127.0.0.1" in line for line in served.lines)
        assert any("refused (wrong token)" in line for line in served.lines)
        # With it: the page, whose websocket URL carries the token through textual.js's
        # "?width=..&height=.." suffix, as a browser that opened /?token=... connects.
        status, body = await _status(http, served.url(f"/?token={token}"))
        assert status == 200
        ws_url = re.search(r'data-session-websocket-url="([^"]+)"', body).group(1)
        assert ws_url == f"ws://127.0.0.1:{served.port}/ws?token={token}"
        ws = await http.ws_connect(ws_url + "?" + SIZE)
        assert APP_UP in await _until(ws, lambda seen: APP_UP in seen)
        assert len(served.children()) == 1
        assert await _answers_a_key(ws)
        await ws.close()


async def test_a_token_of_ones_own_and_no_token(serve):
    asked = serve("--token", "open-sesame")  # on loopback, when asked for
    assert f"http://127.0.0.1:{asked.port}/?token=open-sesame " in asked.lines[0]
    bare = serve("--host", "0.0.0.0", "--no-token")
    assert "WARNING" in bare.lines[0] and "not loopback" in bare.lines[0]
    assert "token" not in bare.lines[0]
    async with aiohttp.ClientSession() as http:
        assert (await _status(http, asked.url()))[0] == 403
        assert await _ws_refused(http, asked.url(f"/ws?{SIZE}")) == 403
        assert (await _status(http, asked.url("/?token=open-sesame")))[0] == 200
        assert asked.children() == []
        assert (await _status(http, bare.url()))[0] == 200
        ws = await http.ws_connect(bare.url(f"/ws?{SIZE}"))
        assert APP_UP in await _until(ws, lambda seen: APP_UP in seen)
        await ws.close()


# -- capacity, idleness, isolation ------------------------------------------------------------


async def test_the_class_is_full_after_max_sessions(serve):
    served = serve("--max-sessions", "3")
    full = "the class is full: 3 sessions are running; try again when one closes"
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(served.url(f"/ws?{SIZE}")) for _ in range(3)]
        for ws in sockets:
            assert APP_UP in await _until(ws, lambda seen: APP_UP in seen)
        for count in (1, 2, 3):
            await served.wait_line(rf"session started \({count} running\) from 127\.0\.0\.1$")
        fourth = await http.ws_connect(served.url(f"/ws?{SIZE}"))
        text, code, reason = await _closed_with(fourth, timeout=10)
        assert full in text.decode() and reason == full and code == 1013
        status, body = await _status(http, served.url())
        assert status == 503 and full in body
        assert len(served.children()) == 3
        await served.wait_line(r"refused \(the class is full: 3 running\) from 127\.0\.0\.1")
        for ws in sockets:  # the three are still served
            assert await _answers_a_key(ws)
        await sockets[0].close()
        await served.wait_line(r"session ended \(2 running\)")
        assert (await _status(http, served.url()))[0] == 200  # a seat is free again
        for ws in sockets[1:]:
            await ws.close()


async def test_an_idle_session_ends_and_a_busy_one_does_not(serve):
    served = serve("--idle-timeout", "0.02")  # 1.2 seconds
    async with aiohttp.ClientSession() as http:
        idle = await http.ws_connect(served.url(f"/ws?{SIZE}"))
        busy = await http.ws_connect(served.url(f"/ws?{SIZE}"))

        async def typing() -> None:
            for _ in range(12):  # a key every 0.3 s for 3.6 s
                await busy.send_json(["stdin", "+"])
                await asyncio.sleep(0.3)

        typist = asyncio.create_task(typing())
        text, code, reason = await _closed_with(idle)
        assert "no input for 0.02 minutes" in text.decode() and "no input" in reason
        await served.wait_line(r"session ended \(1 running\) from 127\.0\.0\.1: no input")
        await typist
        assert not any("(0 running)" in line for line in served.lines)
        assert len(served.children()) == 1
        text, _, reason = await _closed_with(busy)  # once the typing stops, it ends too
        assert "no input" in reason
        await served.wait_line(r"session ended \(0 running\)")
        assert served.children() == []


async def test_a_killed_app_does_not_take_the_others_down(serve):
    served = serve()
    async with aiohttp.ClientSession() as http:
        first = await http.ws_connect(served.url(f"/ws?{SIZE}"))
        assert APP_UP in await _until(first, lambda seen: APP_UP in seen)
        second = await http.ws_connect(served.url(f"/ws?{SIZE}"))
        assert APP_UP in await _until(second, lambda seen: APP_UP in seen)
        apps = served.children()
        assert len(apps) == 2
        os.kill(apps[0], signal.SIGKILL)  # the first one's app
        text, code, reason = await _closed_with(first)
        assert "the app was killed (signal 9)" in reason and code == 1011
        await served.wait_line(r"session ended \(1 running\) .*killed \(signal 9\)")
        assert await _answers_a_key(second)
        assert served.proc.poll() is None and served.children() == apps[1:]
        await second.close()


# -- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    (["--max-sessions", "0"], ["--max-sessions", "at least 1"]),
    (["--max-sessions", "many"], ["--max-sessions", "whole number"]),
    (["--idle-timeout", "-1"], ["--idle-timeout", "0 (never) or more"]),
    (["--idle-timeout", "inf"], ["--idle-timeout"]),
    (["--token", ""], ["--token", "non-empty"]),
    (["--token", "two words"], ["--token", "without spaces"]),
    (["--token", "t", "--no-token"], ["--no-token", "--token"]),
])
def test_bad_server_values_are_one_line(lrtui, usage_error, args, words):
    usage_error(lrtui("serve", *args), *words)
