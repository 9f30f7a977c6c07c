"""Every bad input ends in ONE line `lrtui: error: ...` on stderr, exit code 2, empty stdout,
no traceback, and a message that says what is wrong (checked by the words it must contain)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest

from .conftest import assert_usage_error, run_lrtui

# ---------------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------------

BAD_CSV = {
    # name: (file content, extra args, words the message must contain)
    "empty": ("", [], ["empty"]),
    "blank lines only": ("\n\n   \n", [], ["empty"]),
    "header only": ("x,y\n", [], ["header", "no data rows"]),
    "one data row": ("x,y\n1,2\n", [], ["only one data row"]),
    "one data row, no header": ("1,2\n", [], ["only one data row"]),
    "one column": ("x\n1\n2\n3\n", [], ["one column", "two"]),
    "non-numeric cell": ("x,y\n1,2\n2,abc\n3,4\n", [], ["line 3", "'y'", "'abc'", "not a number"]),
    "non-numeric cell, no header": ("1,2\n2,3\nfoo,4\n", [], ["line 3", "column 0", "'foo'",
                                                             "not a number"]),
    "empty cell": ("x,y\n1,2\n2,\n", [], ["line 3", "'y'", "not a number"]),
    "nan cell": ("x,y\n1,2\nnan,3\n3,4\n", [], ["line 3", "'x'", "nan", "finite"]),
    "NaN cell": ("x,y\n1,2\n2,3\n3,NaN\n", [], ["line 4", "'y'", "NaN", "finite"]),
    "inf cell": ("x,y\n1,2\n2,inf\n", [], ["line 3", "'y'", "inf", "finite"]),
    "-Infinity cell": ("x,y\n1,2\n-Infinity,3\n", [], ["line 3", "'x'", "finite"]),
    "ragged row (long)": ("x,y\n1,2\n2,3,4\n3,4\n", [], ["line 3", "3 columns", "2"]),
    "ragged row (short)": ("x,y\n1,2\n2,3\n4\n", [], ["line 4", "has 1 column but", "same number"]),
    "unknown column name": ("x,y\n1,2\n2,3\n", ["--x", "z"], ["--x", "'z'", "no such column",
                                                               "x, y"]),
    "unknown y name": ("x,y\n1,2\n2,3\n", ["--y", "Y"], ["--y", "'Y'", "no such column"]),
    "name without header": ("1,2\n2,3\n", ["--x", "x"], ["--x", "no header", "index"]),
    "index out of range": ("x,y\n1,2\n2,3\n", ["--y", "2"], ["--y 2", "out of range",
                                                            "2 columns"]),
    "negative index": ("x,y\n1,2\n2,3\n", ["--x", "-1"], ["--x -1", "out of range"]),
    "all x equal": ("x,y\n3,1\n3,2\n3,4\n", [], ["all 3 x values", "equal", "not unique",
                                                 "loss and its gradient are still defined"]),
    "values whose squares overflow": ("x,y\n1,2\n1e200,3\n", [], ["line 3", "'x'", "1e200",
                                                                   "overflow", "rescale"]),
    "y whose squares overflow": ("x,y\n1,-1e200\n2,3\n", [], ["line 2", "'y'", "overflow"]),
    "x spread too small to square": ("x,y\n1e-170,1\n2e-170,2\n3e-170,3\n", [],
                                     ["x values", "too small", "rescale"]),
    "not UTF-8": (b"x,y\n1,2\n\xff\xfe,3\n", [], ["UTF-8", "offset"]),
    "binary": (bytes(range(256)) * 4, [], ["binary"]),
    "binary with a NUL late": (b"x,y\n1,2\n2,3\n" + b"\x00" * 3, [], ["binary"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv(tmp_path, case):
    content, args, words = BAD_CSV[case]
    path = tmp_path / "data.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = run_lrtui("train", "--data", str(path), *args)
    message = assert_usage_error(result, *words)
    if case not in ("unknown column name", "unknown y name", "name without header",
                    "index out of range", "negative index", "all x equal",
                    "x spread too small to square"):
        assert message.startswith(f"{path}: "), "the message names the file"


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    assert_usage_error(run_lrtui("train", "--data", str(path)), str(path), "no such file")


def test_missing_file_under_a_file(tmp_path):
    (tmp_path / "plain").write_text("x,y\n1,2\n2,3\n")
    path = tmp_path / "plain" / "data.csv"
    assert_usage_error(run_lrtui("train", "--data", str(path)), str(path), "no such file")


def test_directory(tmp_path):
    assert_usage_error(run_lrtui("train", "--data", str(tmp_path)), str(tmp_path), "directory")


def test_empty_file_name():
    assert_usage_error(run_lrtui("train", "--data", ""), "--data", "file name")


def test_file_that_fails_on_read():
    # /proc/self/mem opens fine (even as root) but reading at offset 0 fails with EIO.
    assert_usage_error(run_lrtui("train", "--data", "/proc/self/mem"), "/proc/self/mem",
                       "cannot read")


def _without_root_powers() -> tuple[str, ...]:
    """A command prefix under which permissions apply: none when not root; as root,
    setpriv dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root then obeys chmod)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is not available: chmod 000 does not stop "
                    "root from reading (test_file_that_fails_on_read covers a read error)")
    prefix = (setpriv, "--bounding-set", "-dac_override,-dac_read_search")
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("running as root and setpriv cannot drop CAP_DAC_OVERRIDE here "
                    f"({probe.stderr.strip()}); test_file_that_fails_on_read covers a read error")
    return prefix


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("x,y\n1,2\n2,3\n")
    path.chmod(0)
    try:
        result = run_lrtui("train", "--data", str(path), prefix=_without_root_powers())
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert_usage_error(result, str(path), "cannot read", "permission denied")


def test_file_in_a_locked_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    path = locked / "data.csv"
    path.write_text("x,y\n1,2\n2,3\n")
    locked.chmod(0)
    try:
        result = run_lrtui("train", "--data", str(path), prefix=_without_root_powers())
    finally:
        locked.chmod(stat.S_IRWXU)
    assert_usage_error(result, str(path), "permission denied")


def test_a_newline_in_the_file_name_stays_one_line(tmp_path):
    path = tmp_path / "two\nlines.csv"
    assert_usage_error(run_lrtui("train", "--data", str(path)), "no such file")


def test_the_app_command_checks_its_data_too(tmp_path):
    # Without `train` lrtui would open the app; bad input must fail before that.
    path = tmp_path / "nope.csv"
    assert_usage_error(run_lrtui("--data", str(path)), "no such file")
    assert_usage_error(run_lrtui("--lr", "0"), "--lr")
    assert_usage_error(run_lrtui("--data", str(path), module=True), "no such file")


# ---------------------------------------------------------------------------------------
# Bad flags
# ---------------------------------------------------------------------------------------

BAD_FLAGS = [
    (["--lr", "0"], ["--lr", "greater than 0"]),
    (["--lr", "-1"], ["--lr", "greater than 0"]),
    (["--lr", "abc"], ["--lr", "'abc'", "must be a number"]),
    (["--lr", "nan"], ["--lr", "finite"]),
    (["--lr", "inf"], ["--lr", "finite"]),
    (["--lr"], ["--lr", "expected one argument"]),
    (["--epochs", "0"], ["--epochs", "at least 1"]),
    (["--epochs", "-5"], ["--epochs", "at least 1"]),
    (["--epochs", "2.5"], ["--epochs", "whole number"]),
    (["--epochs", "ten"], ["--epochs", "whole number"]),
    (["--h", "0"], ["--h", "greater than 0"]),
    (["--h", "-0.01"], ["--h", "greater than 0"]),
    (["--h", "1e308"], ["step h", "overflow", "smaller"]),
    (["--tol", "0"], ["--tol", "greater than 0"]),
    (["--w0", "inf"], ["--w0", "finite"]),
    (["--b0", "x"], ["--b0", "must be a number"]),
    (["--w0", "1e300"], ["start", "overflow", "w0 = 1e+300"]),
    (["--bogus"], ["unrecognized", "--bogus"]),
    (["--preset", "nope"], ["--preset", "'nope'", "seed", "tutorial"]),
    (["--x", "0"], ["--x", "--data"]),
    (["--y", "y"], ["--y", "--data"]),
    (["--synthetic", "0"], ["--synthetic", "at least 1"]),
    (["--synthetic", "-3"], ["--synthetic", "at least 1"]),
    (["--synthetic", "many"], ["--synthetic", "whole number"]),
    (["--synthetic", "1"], ["one data point", "not unique"]),
    (["--synthetic", "1e9"], ["--synthetic", "between"]),
    (["--synthetic", "10", "--noise", "-1"], ["--noise", ">= 0"]),
    (["--synthetic", "10", "--noise", "nan"], ["--noise", "finite"]),
    (["--synthetic", "10", "--slope", "1e300"], ["overflow", "--slope"]),
    (["--synthetic", "10", "--seed", "-1"], ["--seed", ">= 0"]),
    (["--synthetic", "10", "--seed", "1.5"], ["--seed", "whole number"]),
    (["--slope", "2"], ["--slope", "--synthetic"]),
    (["--noise", "0.1", "--seed", "3"], ["--noise", "--seed", "--synthetic"]),
    (["--every", "10"], ["--every", "--json"]),
    (["--json", "--every", "0"], ["--every", "at least 1"]),
    (["--data", "a.csv", "--synthetic", "5"], ["--synthetic", "not allowed"]),
]


@pytest.mark.parametrize("args", [a for a, _ in BAD_FLAGS], ids=" ".join)
def test_bad_flags(args):
    words = dict((tuple(a), w) for a, w in BAD_FLAGS)[tuple(args)]
    assert_usage_error(run_lrtui("train", *args), *words)


def test_a_newline_in_a_flag_value_stays_one_line():
    assert_usage_error(run_lrtui("train", "--lr", " -1\n"), "--lr", "greater than 0")
    assert_usage_error(run_lrtui("train", "--preset", "a\nb"), "--preset")


def test_unknown_command():
    assert_usage_error(run_lrtui("fly"), "fly")
