"""All of lrtui's file I/O: one reader of user files, one atomic writer, timestamped names.

Every problem becomes one `DataError` whose message names the file and says what is wrong
in words (no traceback reaches a user). Writes go through a temporary file in the target's
own folder, flushed and fsync'ed, then renamed over the target (`os.replace`), or linked to
it when an existing file must be kept: a reader sees the old file or the whole new one,
never half a file, and a crash mid-write leaves no partial target.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from lrtui.errors import DataError

if TYPE_CHECKING:  # datetime is imported when a name is made: ~2 ms off start-up
    from datetime import datetime

# How many bytes are sniffed for NUL bytes to tell a binary file from a text file.
SNIFF_BYTES = 8192


def read_text(path: str | os.PathLike[str], what: str) -> str:
    """The UTF-8 text of a user's file (a byte-order mark is dropped). `what` names the kind
    of file in messages ("CSV file", "tour", "session"). Raises DataError when the file is
    missing, a directory, unreadable, binary or not UTF-8."""
    path = Path(path)
    cannot = f"cannot read the {what} {path}"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataError(f"{cannot}: no such file") from None
    except NotADirectoryError:
        raise DataError(f"{cannot}: no such file (a part of the path is not a directory)") from None
    except OSError as exc:  # permission denied on a directory on the way, a loop, ...
        raise DataError(f"{cannot}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{cannot}: it is a directory")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{cannot}: {exc.strerror or exc}") from None
    if b"\x00" in raw[:SNIFF_BYTES]:
        raise DataError(f"{path}: not a {what}: a binary file, not a UTF-8 text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not a UTF-8 text file (bad byte at offset {exc.start}); save the {what} "
            "as UTF-8"
        ) from None


def timestamped_name(prefix: str, suffix: str, now: datetime | None = None, n: int = 1) -> str:
    """A file name such as lrtui-session-20261126-140312.json (-2, -3, ... before the suffix
    for n = 2, 3, ...)."""
    from datetime import datetime

    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{prefix}-{stamp}{f'-{n}' if n > 1 else ''}{suffix}"


def timestamped_path(prefix: str, suffix: str, folder: str | os.PathLike[str] = ".",
                     now: datetime | None = None) -> Path:
    """A new file name in `folder` such as lrtui-session-20261126-140312.json; if that name
    is taken, -2, -3, ... is added."""
    from datetime import datetime

    now = now or datetime.now()
    n = 1
    while (path := Path(folder) / timestamped_name(prefix, suffix, now, n)).exists():
        n += 1
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write `text` (UTF-8) to `path` atomically; returns the path.

    With overwrite=False an existing file is kept: DataError "already exists" (the new file
    is linked into place, so there is no window between the check and the write where the
    file system allows hard links). Any failure is a DataError naming the path.
    """
    target = Path(path)
    if str(path) == "" or target.name in ("", ".", ".."):
        raise DataError(f"{str(path)!r}: not a file name")
    if target.is_dir():
        raise DataError(f"{target}: is a directory; give a file name")
    if target.exists() and not overwrite:
        raise DataError(f"{target}: already exists; add --force to overwrite it")
    cannot = f"{target}: cannot write it"
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent)
    except OSError as exc:
        raise DataError(f"{cannot} ({exc.strerror or exc})") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; a new file gets the umask's
        if overwrite:
            os.replace(temp, target)
        else:
            _link_new(temp, target)
    except OSError as exc:
        raise DataError(f"{cannot} ({exc.strerror or exc})") from None
    finally:
        if temp.exists():
            temp.unlink()
    return target


def _link_new(temp: Path, target: Path) -> None:
    """Move temp to target only if target does not exist."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise DataError(f"{target}: already exists; add --force to overwrite it") from None
    except OSError:  # no hard links here (some network and FAT file systems)
        if target.exists():
            raise DataError(f"{target}: already exists; add --force to overwrite it") from None
        os.replace(temp, target)
