"""A reader that goes away early (`lrtui train --json | head -c 100`), and a long run."""

from __future__ import annotations

import math
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.state import COLUMNS

from .conftest import LRTUI, _env, run_lrtui, strict_json


def _popen(*args: str, module: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "lrtui"] if module else [str(LRTUI)]
    return subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=_env())


def _assert_quiet_exit(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=60)
    err_text = err.decode(errors="replace")
    assert "Traceback" not in err_text, err_text
    assert "BrokenPipe" not in err_text, err_text
    assert err_text == "", err_text
    assert proc.returncode == 0, (proc.returncode, err_text)


def test_json_reader_closes_after_100_bytes():
    # A million records (~200 MB of JSON) would take long to write: the run must stop
    # quietly soon after the pipe closes.
    start = time.monotonic()
    proc = _popen("train", "--json", "--epochs", "1000000")
    head = proc.stdout.read(100)
    proc.stdout.close()
    assert head.startswith(b'{"config": ')
    _assert_quiet_exit(proc)
    assert time.monotonic() - start < 30


def test_reader_gone_before_the_first_byte():
    for args, module in ((("train", "--json"), False), (("train",), False),
                         (("train", "--json"), True)):
        proc = _popen(*args, module=module)
        proc.stdout.close()  # closed before lrtui has even started up
        _assert_quiet_exit(proc)


def test_shell_pipeline_into_head():
    for args in ("train --json --epochs 300000", "train --epochs 300000"):
        proc = subprocess.run(
            ["sh", "-c", f'"$0" {args} | head -c 100', str(LRTUI)],
            capture_output=True, timeout=60, env=_env(),
        )
        assert len(proc.stdout) == 100
        assert proc.stderr == b"", proc.stderr.decode(errors="replace")
        assert proc.returncode == 0


def test_ten_million_epochs_keeping_only_the_ends():
    epochs = 10_000_000
    start = time.monotonic()
    result = run_lrtui("train", "--epochs", str(epochs), "--every", str(epochs), "--json",
                       timeout=300)
    elapsed = time.monotonic() - start
    assert result.returncode == 0 and result.stderr == "", result
    doc = strict_json(result.stdout)
    history = doc["history"]
    assert [item["epoch"] for item in history] == [0, epochs]
    assert doc["result"]["epochs_run"] == epochs
    assert doc["result"]["status"] not in ("diverged", "converged")
    assert history[0]["w"] == 10.0
    assert math.isclose(history[1]["w"], 1.0, abs_tol=1e-12)
    # The same run in process ends on the very same record.
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p, epochs=epochs))
    trainer.run()
    last = trainer.history.last()
    expected = {k: float(v) for k, v in zip(COLUMNS[1:], last[1:], strict=True)}
    assert history[1] == {"epoch": epochs, **expected}
    print(f"lrtui train --epochs {epochs:,} --every {epochs:,} --json took {elapsed:.1f} s")
    assert elapsed < 60, f"took {elapsed:.1f} s"


def test_output_that_cannot_be_written_is_one_error_line():
    # Not bad input, so exit code 1 rather than 2; but still one line and no traceback.
    for args in ("train --json", "train"):
        with open(os.devnull, "rb") as stdin:
            shell = f'"$0" {args} > /dev/full' if os.path.exists("/dev/full") else None
            closed = f'"$0" {args} >&-'
            for script in filter(None, (shell, closed)):
                proc = subprocess.run(["sh", "-c", script, str(LRTUI)], capture_output=True,
                                      text=True, timeout=60, env=_env(), stdin=stdin)
                assert "Traceback" not in proc.stderr, proc.stderr
                lines = proc.stderr.splitlines()
                assert len(lines) == 1 and lines[0].startswith("lrtui: error: "), proc.stderr
                assert "output" in lines[0]
                assert proc.returncode == 1, (script, proc.returncode, proc.stderr)


def _cpu_seconds(pid: int) -> float:
    """The user and system CPU time a running process has used (Linux's /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_until(proc: subprocess.Popen, marker: bytes, timeout: float) -> bytes:
    """Read the process's stdout until `marker` has come, or fail the test."""
    seen = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{marker!r} not written within {timeout:g} s; got {seen[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                pytest.fail(f"stdout closed before {marker!r}; got {seen[-300:]!r}")
            seen += chunk
    return seen


def test_ctrl_c_stops_a_long_json_run_quietly():
    proc = subprocess.Popen([str(LRTUI), "train", "--json", "--epochs", "1000000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=_env())
    try:
        # The run is under way once records after epoch 0 are being written (epoch 0 is
        # written before the run starts).
        _read_until(proc, b'{"epoch": 2, ', timeout=60)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "Traceback" not in err.decode(errors="replace")
    assert proc.returncode == 130


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/stat"), reason="needs /proc")
def test_ctrl_c_stops_a_long_report_run_quietly():
    # The report prints nothing before the run ends, so the run is known to be under way
    # when the process has used more CPU time than a whole one-epoch `lrtui train` (start-up,
    # run, report and exit) took.
    short = subprocess.Popen([str(LRTUI), "train", "--epochs", "1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=_env())
    _, status, usage = os.wait4(short.pid, 0)
    short.returncode = os.waitstatus_to_exitcode(status)
    assert short.returncode == 0
    whole_short_run = usage.ru_utime + usage.ru_stime
    proc = subprocess.Popen([str(LRTUI), "train", "--epochs", "1000000000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=_env())
    try:
        deadline = time.monotonic() + 60
        while _cpu_seconds(proc.pid) < 1.5 * whole_short_run + 0.2:
            assert proc.poll() is None, "the run ended by itself"
            if time.monotonic() > deadline:
                pytest.fail("the run did not get under way within 60 s")
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert "Traceback" not in err.decode(errors="replace")
    assert proc.returncode == 130
