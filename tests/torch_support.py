"""PyTorch for the tests that compare lrtui with it, where it is installed.

torch is an optional extra (`pip install 'lrtui[torch]'`), not part of `.[test]`, so a user
who runs the README's `pip install '.[test]'` and `pytest` may not have it: there the tests
that need torch are skipped, each with the reason below (pytest's -ra lists them). CI
installs torch==2.13.0 and sets LRTUI_REQUIRE_TORCH=1: then importing this module raises
if torch cannot be imported, so the torch tests can never be skipped there by accident.

    from ..torch_support import requires_torch, torch, torch_marked

`torch` is the module or None; `requires_torch` marks a test that needs it;
`torch_marked(sources)` is a parametrize list in which the case "torch" needs it and the
others run everywhere.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_VARIABLE = "LRTUI_REQUIRE_TORCH"
REASON = ("PyTorch is not installed (pip install 'lrtui[torch]'); "
          "CI installs torch==2.13.0 and runs these")

try:
    import torch
except (ImportError, OSError) as exc:  # OSError: a torch whose native libraries fail to load
    if os.environ.get(REQUIRE_VARIABLE):
        raise ImportError(
            f"{REQUIRE_VARIABLE} is set, so the tests that need PyTorch must run, but "
            f"`import torch` fails: {exc!r}. Install it (pip install torch==2.13.0) or "
            f"unset {REQUIRE_VARIABLE}.") from exc
    torch = None
    if not (isinstance(exc, ModuleNotFoundError) and exc.name == "torch"):
        REASON = f"{REASON}; here `import torch` fails: {exc!r}"

requires_torch = pytest.mark.skipif(torch is None, reason=REASON)


def torch_marked(sources) -> list:
    """The gradient sources for @pytest.mark.parametrize, "torch" marked `requires_torch`."""
    return [pytest.param(s, marks=requires_torch) if s == "torch" else s for s in sources]
