"""`lrtui serve` sends the app's files to the browser (issue 12): under serve, ctrl+s, e, s
and x offer their file as a download and write nothing into the server's working folder;
with `--save-dir DIR` they write into DIR instead. In a terminal the keys write into the
current folder as before (tests/tui/test_files.py).

The served tests speak to a real `lrtui serve` as a browser does (test_serve_classroom.py's
helpers): keys as `["stdin", ...]` on the websocket; a delivered file is announced by the
text frame `["deliver_file_start", KEY]` (textual-serve's app_service.py), on which the
page's textual.js opens /download/KEY, which serves the file once."""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest

from lrtui.engine import TrainConfig, preset
from lrtui.tui.app import make_app

from . import test_serve_classroom as classroom
from .test_serve_classroom import APP_UP, _quiet, _until

serve = classroom.serve  # the fixture: `lrtui serve --port P ARGS` in tmp_path, stopped after

SIZE = "width=120&height=30"  # wide enough for the longest message on one line
CSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]")

# (what the browser types, the file's name, its kind in the message, a check of its text)
KEYS = [
    (["e"], "lrtui-history", ".csv", "loss history",
     lambda text: text.startswith("epoch,w,b,loss,")),
    (["s"], "lrtui-screenshot", ".svg", "screenshot",
     lambda text: text.lstrip().startswith("<svg") and "parameters" in text),
    (["\x13"], "lrtui-session", ".json", "session",  # ctrl+s
     lambda text: json.loads(text)["format"] == "lrtui-session"),
    (["x", "n"], "lrtui-run", ".py", "NumPy script",  # x, then n: NumPy
     lambda text: "--to numpy" in text),
]


def _plain(seen: bytes) -> str:
    """The terminal's bytes without their escape sequences."""
    return CSI.sub(b"", seen).decode("utf-8", "replace")


async def _offered(ws, timeout: float = 20) -> tuple[str | None, bytes]:
    """The key of the next file the server offers the browser (None if none comes within
    the timeout), and the terminal bytes that came before it."""
    seen = b""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await asyncio.wait_for(ws.receive(), left)
        except asyncio.TimeoutError:
            break
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += msg.data
        elif msg.type == aiohttp.WSMsgType.TEXT:
            kind, *rest = json.loads(msg.data)
            if kind == "deliver_file_start":
                return rest[0], seen
        else:
            break
    return None, seen


async def _connected(http, served):
    ws = await http.ws_connect(served.url(f"/ws?{SIZE}"))
    assert APP_UP in await _until(ws, lambda seen: APP_UP in seen)
    await _quiet(ws)
    return ws


async def test_each_file_key_offers_a_download_and_writes_nothing_here(
        serve, tmp_path, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("teachers-own")  # only serve's --save-dir counts
    monkeypatch.setenv("LRTUI_SAVE_DIR", str(elsewhere))
    served = serve()
    assert "go to the browsers as downloads" in served.lines[2]
    async with aiohttp.ClientSession() as http:
        ws = await _connected(http, served)
        for keys, prefix, suffix, what, looks_right in KEYS:
            for key in keys:
                await ws.send_json(["stdin", key])
            key, seen = await _offered(ws)
            assert key is not None, f"{keys}: no download offered\n{_plain(seen)[-500:]}"
            async with http.get(served.url(f"/download/{key}")) as response:
                assert response.status == 200
                disposition = response.headers["Content-Disposition"]
                text = await response.text()
            name = re.fullmatch(rf"attachment; filename=({prefix}-\d{{8}}-\d{{6}}{suffix})",
                                disposition)
            assert name, disposition
            assert looks_right(text), f"{keys}: {text[:200]!r}"
            said = f"sent the {what} to your browser as {name.group(1)}"
            seen += await _until(ws, lambda more, seen=seen, said=said: said in _plain(seen + more),
                                 timeout=10)
            assert said in _plain(seen), _plain(seen)[-500:]
            async with http.get(served.url(f"/download/{key}")) as response:
                assert response.status == 404  # a download is served once
        await ws.close()
    assert list(tmp_path.iterdir()) == []  # the server's working folder
    assert list(elsewhere.iterdir()) == []


async def test_save_dir_keeps_the_files_in_that_folder(serve, tmp_path, tmp_path_factory):
    saved = tmp_path_factory.mktemp("saved")
    served = serve("--save-dir", str(saved))
    assert f"are written into {saved.resolve()} (--save-dir)" in served.lines[2]
    async with aiohttp.ClientSession() as http:
        ws = await _connected(http, served)
        for keys, prefix, suffix, what, looks_right in KEYS:
            for key in keys:
                await ws.send_json(["stdin", key])
            deadline = time.monotonic() + 20
            while not list(saved.glob(f"{prefix}-*{suffix}")) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            [path] = saved.glob(f"{prefix}-*{suffix}")
            assert looks_right(path.read_text()), f"{keys}: {path}"
            assert re.fullmatch(rf"{prefix}-\d{{8}}-\d{{6}}{suffix}", path.name)
            key, seen = await _offered(ws, timeout=1)
            assert key is None  # nothing offered to the browser
            said = f"saved the {what} to {saved.resolve()}"[:100]  # the rest may wrap
            seen += await _until(ws, lambda more, seen=seen, said=said: said in _plain(seen + more),
                                 timeout=10)
            assert said in _plain(seen), _plain(seen)[-500:]
        await ws.close()
    assert list(tmp_path.iterdir()) == []
    assert len(list(saved.iterdir())) == 4


@pytest.mark.parametrize("where, words", [
    ("no-such-folder", ["--save-dir", "not an existing folder"]),
    ("a-file", ["--save-dir", "not an existing folder"]),
])
def test_save_dir_must_be_a_folder(lrtui, usage_error, tmp_path, where, words):
    (tmp_path / "a-file").write_text("")
    usage_error(lrtui("serve", "--save-dir", str(tmp_path / where)), *words)


async def test_in_a_terminal_the_keys_write_here_whatever_the_environment(
        tmp_path, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.setenv("LRTUI_SAVE_DIR", str(elsewhere))  # serve's, for served apps only
    monkeypatch.chdir(tmp_path)
    p = preset("seed")
    app = make_app(p.data, TrainConfig.from_preset(p))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        [history] = tmp_path.glob("lrtui-history-*.csv")
        assert f"saved the loss history to {history.resolve()}" in app.message.text
    assert list(elsewhere.iterdir()) == []
