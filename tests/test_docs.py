"""Documentation rendered from the code is current: the problem reference (from the catalogue) and
the README's Layout (from the modules' docstrings, every module listed)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import render_docs  # noqa: E402

from greencomm.problems import CATALOGUE  # noqa: E402


def test_problem_reference_is_rendered_from_the_catalogue() -> None:
    assert render_docs.PROBLEMS.read_text(encoding="utf-8") == render_docs.render_problems(), (
        "docs/problems.md is out of date: run python tools/render_docs.py"
    )
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", render_docs.PROBLEMS.read_text(encoding="utf-8"), re.M)
    assert listed == list(CATALOGUE)


def test_readme_layout_is_rendered_from_the_tree() -> None:
    readme = render_docs.README.read_text(encoding="utf-8")
    assert readme == render_docs.readme_with_layout(readme), "README's Layout is out of date: run make docs"
    layout = readme.split(render_docs.LAYOUT_BEGIN, 1)[1].split(render_docs.LAYOUT_END, 1)[0]
    listed = set(re.findall(r"`((?:[a-z_]+/)?[a-z_]+\.py)`", layout))
    package = ROOT / "src" / "greencomm"
    present = {
        str(p.relative_to(package)) for p in package.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")
    }
    assert listed == present
