"""The frameworks (PyTorch, JAX, TensorFlow) for the tests that compare lrtui with them, where
they are installed.

They are optional extras (`pip install 'lrtui[frameworks]'`), not part of `.[test]`, so a user
who runs the README's `pip install '.[test]'` and `pytest` may not have them: there the tests
that need one are skipped, each with the reason below (pytest's -ra lists them). CI installs
torch==2.13.0, jax==0.10.2 and tensorflow-cpu==2.21.0 and sets LRTUI_REQUIRE_FRAMEWORKS=1:
then importing this module raises if any of them cannot be imported, so their tests can never
be skipped there by accident. (LRTUI_REQUIRE_TORCH=1, the older switch, requires torch alone.)

    from ..framework_support import requires_torch, torch, framework_marked

`torch`, `jax` and `tf` are the modules or None (jax with float64 on, as lrtui sets it);
`requires_torch`, `requires_jax` and `requires_tensorflow` mark a test that needs one;
`framework_marked(sources)` is a parametrize list in which each framework's case needs it and
the others run everywhere.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from lrtui.engine.gradients import FRAMEWORKS, import_framework, missing_message
from lrtui.errors import DataError

REQUIRE_ALL = "LRTUI_REQUIRE_FRAMEWORKS"
REQUIRE_TORCH = "LRTUI_REQUIRE_TORCH"


def _load(name: str) -> tuple[ModuleType | None, str]:
    f = FRAMEWORKS[name]
    reason = (f"{f.label} is not installed (pip install 'lrtui[{f.extra}]'); "
              f"CI installs {f.pin} and runs these")
    required = os.environ.get(REQUIRE_ALL) or (name == "torch" and os.environ.get(REQUIRE_TORCH))
    try:
        return import_framework(name), reason
    except DataError as exc:
        if required:
            raise ImportError(
                f"{REQUIRE_ALL} is set, so the tests that need {f.label} must run, but it "
                f"cannot be imported: {exc}. Install it ({f.pin}) or unset the variable.") from exc
        if str(exc) != missing_message(name):  # installed, but failing to load: say how
            reason = f"{reason}; here it fails: {exc}"
        return None, reason


torch, _torch_reason = _load("torch")
jax, _jax_reason = _load("jax")
tf, _tf_reason = _load("tensorflow")

requires_torch = pytest.mark.skipif(torch is None, reason=_torch_reason)
requires_jax = pytest.mark.skipif(jax is None, reason=_jax_reason)
requires_tensorflow = pytest.mark.skipif(tf is None, reason=_tf_reason)
REQUIRES = {"torch": requires_torch, "jax": requires_jax, "tensorflow": requires_tensorflow}


def framework_marked(sources) -> list:
    """Gradient sources (or export targets) for @pytest.mark.parametrize, each framework's
    case marked as needing it."""
    return [pytest.param(s, marks=REQUIRES[s]) if s in REQUIRES else s for s in sources]


torch_marked = framework_marked  # the older name
