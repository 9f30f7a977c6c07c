"""The one writer of bench/RESULTS.md: each benchmark script replaces its own block there.

Standard library only, so that bench/ui.py, which measures the app from outside, imports
nothing heavy for it.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_block(results: Path, begin: str, end: str, heading: str, block_text: str,
                tmp_suffix: str) -> None:
    """Replace one benchmark's block (between its `begin` and `end` markers) in RESULTS.md,
    keeping everything else in the file: other benchmarks write their own blocks there, and
    the notes around them are by hand. Without the markers, the block goes under `heading`
    (or a new one at the end). `block_text` is what stands between the markers."""
    block = f"{begin}\n{block_text}{end}"
    old = results.read_text() if results.exists() else ""  # re-read right before writing
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1]
    elif heading in old:
        head, rest = old.split(heading, 1)
        new = head + heading + "\n\n" + block + "\n" + rest
    else:
        new = (old or "# Benchmarks\n").rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
    tmp = results.with_suffix(tmp_suffix)
    tmp.write_text(new)
    os.replace(tmp, results)
