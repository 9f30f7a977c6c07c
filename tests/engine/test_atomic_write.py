"""The atomic writers, watched from inside: the temporary file is made in the target's own
folder (os.replace is atomic only within one file system), its bytes are complete and
fsync'ed before it is moved into place, and nothing is left behind.

The spies wrap the functions as the modules call them (`os.replace`, `os.fsync`,
`tempfile.mkstemp`, ...) and record the order of events."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lrtui import export as export_mod
from lrtui import fileio as fileio_mod
from lrtui.errors import DataError
from lrtui.fileio import write_atomic

# Short enough to sit in a write buffer: written out only if flushed before the fsync.
TEXT = "complete, with ünïcödé\n" * 10


class Spy:
    """Records mkstemp, fsync and replace (and link, for the export writer) as they happen."""

    def __init__(self, monkeypatch, module) -> None:
        self.events: list[tuple] = []
        self.temp_fds: dict[int, Path] = {}
        os_ = module.os
        real_fsync, real_replace, real_link = os_.fsync, os_.replace, os_.link

        def fsync(fd):
            st = os.fstat(fd)
            self.events.append(("fsync", st.st_ino, st.st_size))
            return real_fsync(fd)

        def replace(src, dst):
            self.events.append(("replace", Path(src), Path(dst), os.stat(src).st_ino))
            return real_replace(src, dst)

        def link(src, dst, *args, **kwargs):
            self.events.append(("link", Path(src), Path(dst), os.stat(src).st_ino))
            return real_link(src, dst, *args, **kwargs)

        monkeypatch.setattr(os_, "fsync", fsync)
        monkeypatch.setattr(os_, "replace", replace)
        monkeypatch.setattr(os_, "link", link)
        if hasattr(module, "tempfile"):
            real_mkstemp = module.tempfile.mkstemp

            def mkstemp(*args, **kwargs):
                fd, name = real_mkstemp(*args, **kwargs)
                self.events.append(("mkstemp", Path(name)))
                return fd, name

            monkeypatch.setattr(module.tempfile, "mkstemp", mkstemp)

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """The current folder is not the target's: a temporary file in '.' would be wrong."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    return cwd, target_dir


def test_write_atomic_makes_its_temporary_file_beside_the_target_and_fsyncs_first(
    monkeypatch, elsewhere
):
    cwd, folder = elsewhere
    target = folder / "session.json"
    spy = Spy(monkeypatch, fileio_mod)
    assert write_atomic(target, TEXT) == target
    assert spy.kinds() == ["mkstemp", "fsync", "replace"], spy.events
    (_, temp), (_, synced_inode, synced_size), (_, src, dst, moved_inode) = spy.events
    assert temp.parent.resolve() == folder.resolve()  # the same folder as the target
    assert src == temp and dst == target
    assert synced_inode == moved_inode  # the file synced is the file moved into place
    assert synced_size == len(TEXT.encode("utf-8"))  # and it was complete when synced
    assert target.read_text(encoding="utf-8") == TEXT
    assert sorted(p.name for p in folder.iterdir()) == ["session.json"]  # no temporary left
    assert list(cwd.iterdir()) == []


def test_write_atomic_with_a_bare_file_name_writes_in_the_current_folder(monkeypatch, elsewhere):
    cwd, _ = elsewhere
    spy = Spy(monkeypatch, fileio_mod)
    write_atomic("plain.csv", "a,b\n")
    (_, temp), *_ = spy.events
    assert temp.parent.resolve() == cwd.resolve()
    assert (cwd / "plain.csv").read_text() == "a,b\n"


def test_a_failed_fsync_leaves_neither_file(monkeypatch, elsewhere):
    _, folder = elsewhere

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fileio_mod.os, "fsync", failing_fsync)
    with pytest.raises(DataError, match="cannot write it .Input/output error"):
        write_atomic(folder / "x.json", TEXT)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("force", [False, True])
def test_the_export_writer_is_atomic_the_same_way(monkeypatch, elsewhere, force):
    cwd, folder = elsewhere
    target = folder / "run.py"
    if force:
        target.write_text("old\n")
    spy = Spy(monkeypatch, fileio_mod)  # export writes through lrtui.fileio
    export_mod.save(target, TEXT, force=force)
    kinds = spy.kinds()
    assert kinds[:2] == ["mkstemp", "fsync"] and kinds[2] in ("link", "replace"), spy.events
    (_, synced_inode, synced_size), (_, src, dst, moved_inode) = spy.events[1:3]
    assert src.parent.resolve() == folder.resolve() and dst == target
    assert synced_inode == moved_inode and synced_size == len(TEXT.encode("utf-8"))
    assert target.read_text(encoding="utf-8") == TEXT
    assert sorted(p.name for p in folder.iterdir()) == ["run.py"]
    assert list(cwd.iterdir()) == []
