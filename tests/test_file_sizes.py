"""The house rule of small modules: no file in lrtui/ is over 350 lines."""

from pathlib import Path

LIMIT = 350
PACKAGE = Path(__file__).resolve().parents[1] / "lrtui"


def test_no_module_is_over_350_lines():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert len(sizes) > 20  # the guard: the package was found
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
