#!/usr/bin/env python3
"""Documentation rendered from the code, so it cannot drift from it:

- docs/problems.md — every problem code, from the catalogue in greencomm.problems;
- the README's Layout section — every module, from its docstring, by stage.

    python tools/render_docs.py           # rewrite both
    python tools/render_docs.py --check   # exit 1 if either is out of date (tests/test_docs.py)
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "greencomm"
PROBLEMS = ROOT / "docs" / "problems.md"
README = ROOT / "README.md"
LAYOUT_BEGIN, LAYOUT_END = "<!-- layout: rendered by tools/render_docs.py -->", "<!-- /layout -->"
FOLDERS = ["", "programme", "read", "check", "judge", "write"]  # the top, then in the order data flows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_problems() -> str:
    from greencomm.problems import CATALOGUE, REFUSALS

    lines = [
        "# Problem codes",
        "",
        "Every problem greencomm reports has one of these stable codes, in the `code` of `--json` and the",
        "problem lists. Messages come in Chinese and English; `{…}` is filled in from the data (`field` is",
        "the column's header, `value` what the cell holds). Errors make the exit code 1; warnings do not.",
        "A *refusal* means the file, or the sheet, was not read at all. Rendered from the catalogue in",
        "`src/greencomm/problems.py` by `tools/render_docs.py`; do not edit by hand.",
        "",
        "| code | severity | message | 问题 | how to fix / 修改建议 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for code, (severity, zh, en, hint_zh, hint_en) in CATALOGUE.items():
        kind = f"{severity}, refusal" if code in REFUSALS else severity
        lines.append(f"| `{code}` | {kind} | {_cell(en)} | {_cell(zh)} | {_cell(hint_en)} / {_cell(hint_zh)} |")
    return "\n".join(lines) + "\n"


def _summary(path: Path) -> str:
    """A module's docstring, first sentence."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    return re.split(r"(?<=[.。])\s", first, maxsplit=1)[0]


def render_layout() -> str:
    lines = [LAYOUT_BEGIN, ""]
    for folder in FOLDERS:
        where = PACKAGE / folder
        if folder:
            lines.append(f"- **`{folder}/`** — {_summary(where / '__init__.py')}")
        else:
            lines.append(
                "- **`src/greencomm/`** — the API, the command line, the exceptions and the problem catalogue."
            )
        for path in sorted(where.glob("*.py")):
            if path.name in ("__init__.py", "__main__.py"):
                continue
            name = str(path.relative_to(PACKAGE))
            lines.append(f"  - `{name}` — {_summary(path)}")
    lines += ["", LAYOUT_END]
    return "\n".join(lines)


def readme_with_layout(readme: str) -> str:
    begin, end = readme.index(LAYOUT_BEGIN), readme.index(LAYOUT_END) + len(LAYOUT_END)
    return readme[:begin] + render_layout() + readme[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a rendered file is out of date")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    readme = README.read_text(encoding="utf-8")
    wanted = {PROBLEMS: render_problems(), README: readme_with_layout(readme)}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python tools/render_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
