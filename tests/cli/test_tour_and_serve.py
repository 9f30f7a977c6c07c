"""The command line of `lrtui demo` (tour files and their errors), `lrtui --session` (its
errors) and `lrtui serve` (it answers on loopback, with the flags passed on to the app)."""

from __future__ import annotations

import asyncio
import json
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from lrtui.cli import build_parser
from lrtui.engine import DataError, TrainConfig, Trainer, preset
from lrtui.serve import app_flags, first_line, serve_command
from lrtui.session import save_session
from lrtui.tour import builtin_tour_text, check_tour, load_tour

from .conftest import LRTUI, _env

GOOD_STAGE = '[[stage]]\ntitle = "one"\ncaption = "w is {w}"\n'

# file content -> words the one-line message must contain
BAD_TOURS = {
    "top.toml": ('titel = "x"\n' + GOOD_STAGE, ["unknown key 'titel'", "at the top"]),
    "stage_key.toml": ('[[stage]]\ncaptoin = "x"\n', ["stage 1", "unknown key 'captoin'"]),
    "setting.toml": (GOOD_STAGE + "set = { lrr = 0.1 }\n", ["stage 1 ('one')", "'lrr'", "lr"]),
    "type.toml": (GOOD_STAGE + 'set = { lr = "fast" }\n', ["set.lr", "number", "'fast'"]),
    "value.toml": (GOOD_STAGE + "set = { lr = -0.1 }\n", ["set.lr", "greater than 0"]),
    "speed.toml": (GOOD_STAGE + "set = { speed = 0 }\n", ["set.speed", "at least 1"]),
    "epochs_float.toml": (GOOD_STAGE + "set = { epochs = 50.0 }\n",
                          ["set.epochs", "whole number, got 50.0"]),
    "flag.toml": (GOOD_STAGE + "set = { log = 1 }\n", ["set.log", "true or false"]),
    "grad.toml": (GOOD_STAGE + 'set = { grad = "magic" }\n', ["set.grad", "autograd"]),
    "run.toml": (GOOD_STAGE + 'run = "forever"\n', ["run", "play"]),
    "run_neg.toml": (GOOD_STAGE + "run = -3\n", ["run", "at least 0"]),
    "no_caption.toml": ('[[stage]]\ntitle = "quiet"\nrun = 1\n', ["stage 1", "caption is missing"]),
    "blank_caption.toml": ('[[stage]]\ncaption = "   "\n', ["caption", "non-empty"]),
    "second.toml": (GOOD_STAGE + '[[stage]]\ncaption = "ok"\nrun = 2.5\n', ["stage 2", "whole"]),
    "placeholder.toml": ('[[stage]]\ncaption = "loss is {los}"\n', ["placeholder {los}", "loss"]),
    "brace.toml": ('[[stage]]\ncaption = "a set {1, 2"\n', ["brace", "{{"]),
    "empty.toml": ("stage = []\n", ["empty"]),
    "no_stages.toml": ('title = "nothing"\n', ["no stages"]),
    "syntax.toml": (GOOD_STAGE + "set = { lr = 0.1\nrun = 1\n", ["not valid TOML", "line 4"]),
    "syntax.json": ('{"stage": [\n  {"caption": "x",}\n]}\n', ["not valid JSON", "line 2"]),
    "shape.json": ('{"stage": {"caption": "x"}}', ["list of stages"]),
    "binary.toml": (b"\xff\xfe\x00bin", ["not a UTF-8 text file"]),
}


@pytest.mark.parametrize("name", sorted(BAD_TOURS))
def test_a_bad_tour_file_is_one_clear_error(tmp_path, name):
    content, words = BAD_TOURS[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(DataError) as info:
        load_tour(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_a_missing_tour_file(tmp_path):
    with pytest.raises(DataError, match="cannot read the tour .*no such file"):
        load_tour(tmp_path / "nope.toml")


def test_json_and_toml_tours_of_the_same_shape_are_the_same_tour(tmp_path):
    doc = {"title": "mine", "stage": [
        {"title": "a", "caption": "start at {w}", "set": {"w": 3, "lr": 0.05, "log": True}},
        {"caption": "go", "run": "play"},
    ]}
    (tmp_path / "t.json").write_text(json.dumps(doc))
    (tmp_path / "t.toml").write_text(
        'title = "mine"\n[[stage]]\ntitle = "a"\ncaption = "start at {w}"\n'
        "set = { w = 3, lr = 0.05, log = true }\n[[stage]]\ncaption = \"go\"\nrun = \"play\"\n")
    a, b = load_tour(tmp_path / "t.json"), load_tour(tmp_path / "t.toml")
    assert a.stages == b.stages and a.title == b.title == "mine"
    assert a.stages[1].title == "stage 2" and a.stages[1].run == "play"


def test_the_built_in_tour_follows_the_notes():
    tour = load_tour()
    titles = [s.title.lower() for s in tour.stages]
    order = ["model and the data", "first guess", "squared error", "curve over w",
             "central difference", "analytic gradient", "learning rate", "training",
             "divergence", "valley", "computation graph", "framework", "recipe"]
    positions = [next(i for i, t in enumerate(titles) if word in t) for word in order]
    assert positions == sorted(positions)
    sets = [s.settings for s in tour.stages]
    assert sets[1]["w"] == 10 and sets[4]["tangents"] is True
    assert tour.stages[6].run == 1 and tour.stages[7].run == "play" and sets[7]["log"] is True
    assert sets[8]["lr"] > 0.4 and sets[9]["map"] is True and sets[10]["grad"] == "autograd"
    assert sets[11]["grad"] in ("torch", "jax", "tensorflow", "autograd")
    assert "1/n" in builtin_tour_text() or "divides by n" in builtin_tour_text()


def test_settings_that_cannot_apply_to_the_run_are_found_before_the_app_starts(tmp_path):
    path = tmp_path / "late.toml"
    path.write_text('[[stage]]\ncaption = "go"\nrun = 20\n'
                    '[[stage]]\ntitle = "shrink"\ncaption = "less"\nset = { epochs = 5 }\n')
    p = preset("seed")
    with pytest.raises(DataError, match=r"stage 2 \('shrink'\): epochs 5 is below the 20"):
        check_tour(load_tour(path), Trainer(p.data, TrainConfig.from_preset(p)))
    result = subprocess.run([str(LRTUI), "demo", "--tour", str(path)], capture_output=True,
                            text=True, env=_env(), timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("lrtui: error: ") and len(result.stderr.splitlines()) == 1
    assert "epochs 5 is below" in result.stderr


def test_demo_flags_are_checked(lrtui, usage_error, tmp_path):
    usage_error(lrtui("demo", "--pace", "-1"), "--pace", "0 or more")
    usage_error(lrtui("demo", "--tour", str(tmp_path / "missing.toml")), "cannot read the tour")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[stage]]\n")
    usage_error(lrtui("demo", "--tour", str(bad)), "caption is missing")
    assert "--loop" in lrtui("demo", "--help").stdout


def test_session_errors_on_the_command_line(lrtui, usage_error, tmp_path):
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "lrtui-session", "version": 1, "data": ')
    before = damaged.read_bytes()
    usage_error(lrtui("--session", str(damaged)), "damaged session", "line 1")
    assert damaged.read_bytes() == before
    foreign = tmp_path / "package.json"
    foreign.write_text('{"name": "left-pad", "version": "1.3.0"}\n')
    usage_error(lrtui("--session", str(foreign)), "not an lrtui session")
    assert foreign.read_text() == '{"name": "left-pad", "version": "1.3.0"}\n'
    p = preset("seed")
    good = save_session(Trainer(p.data, TrainConfig.from_preset(p)), folder=tmp_path)
    usage_error(lrtui("--session", str(good), "--lr", "0.1"), "--session", "--lr")
    usage_error(lrtui("--session", str(good), "train"), "lrtui train does not take it")


# -- lrtui serve ----------------------------------------------------------------------------


def test_serve_builds_the_app_command_with_every_flag_quoted(tmp_path):
    csv_path = tmp_path / "it's a \"file\"; rm -rf x.csv"
    parser = build_parser()
    args = parser.parse_args(["serve", "--data", str(csv_path), "--lr", "0.05", "--w0", "-1e3",
                              "--ascii", "--fps", "10", "--port", "9999", "--host", "127.0.0.2"])
    words = shlex.split(serve_command(args, parser))
    assert words[:3] == [sys.executable, "-m", "lrtui"]
    assert words[3:] == app_flags(args, parser)
    again = parser.parse_args(words[3:])  # the served app sees what was typed
    assert (again.data, again.lr, again.w0, again.ascii, again.fps) == (
        str(csv_path), 0.05, -1000.0, True, 10)
    assert again.command is None and not any("port" in w or "host" in w for w in words)


def test_serve_says_when_it_is_exposed():
    assert "exposes the app" in first_line("127.0.0.1", 8000)
    assert "this machine only" in first_line("localhost", 8000)
    assert "WARNING" in first_line("0.0.0.0", 8000)  # (only the text: nothing is bound)
    assert "WARNING" not in first_line("::1", 8000)


def test_serve_help_warns_about_other_addresses(lrtui):
    help_text = " ".join(lrtui("serve", "--help").stdout.split())
    assert "127.0.0.1:8000" in help_text and "exposes the app" in help_text


def test_serve_refuses_bad_input_before_serving(lrtui, usage_error):
    usage_error(lrtui("serve", "--data", "no-such.csv"), "no-such.csv")
    usage_error(lrtui("serve", "--port", "70000"), "--port")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_line(stream, timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else ""


async def _app_screen(port: int, timeout: float) -> bytes:
    """What the served app sends to a browser tab (over the websocket) until it shows its
    parameters panel with the learning rate."""
    import aiohttp

    seen = b""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30") as ws:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not (b"parameters" in seen and b"0.05" in seen):
                try:
                    msg = await asyncio.wait_for(ws.receive(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
                if msg.type == aiohttp.WSMsgType.BINARY:
                    seen += msg.data
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    seen += msg.data.encode()
                else:
                    break
    return seen


def test_serve_answers_on_loopback(tmp_path):
    csv_path = tmp_path / "two words.csv"
    csv_path.write_text("x,y\n1,2\n2,3.9\n3,6.1\n")
    port = _free_loopback_port()
    server = subprocess.Popen(
        [str(LRTUI), "serve", "--port", str(port), "--data", str(csv_path), "--lr", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env=_env(), cwd=tmp_path,
    )
    try:
        line = _first_line(server.stdout, 20)
        assert line.startswith(f"lrtui serve: http://127.0.0.1:{port} "), line
        assert "exposes the app" in line and "network" in line
        page = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = (response.status, response.headers.get("Content-Type", ""),
                            response.read().decode())
                break
            except OSError:
                time.sleep(0.2)
        assert page is not None, "the server did not answer"
        status, content_type, body = page
        assert status == 200 and content_type.startswith("text/html")
        assert f"ws://127.0.0.1:{port}/ws" in body and "lrtui" in body
        # A browser tab gets the real app, started with the flags given to serve.
        screen = asyncio.run(_app_screen(port, 20))
        assert b"parameters" in screen and b"0.05" in screen
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    assert server.returncode is not None
