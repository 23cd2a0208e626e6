"""The shape of the house: stages import only earlier stages, the command line only the API, and the
code cites rules that are in the repository."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "greencomm"
STAGES = {"read": 1, "check": 2, "judge": 3, "write": 4}
BASE = {"greencomm", "greencomm.errors", "greencomm.problems"}  # with greencomm.programme.*: importable anywhere
CLI_MAY_IMPORT = {
    "greencomm",
    "greencomm.api",
    "greencomm.errors",
    "greencomm.languages",
    "greencomm.lazy",
    "greencomm.problems",
    "greencomm.write.terminal",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every greencomm module a file imports, at the top or inside a function."""
    found: set[str] = set()
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("greencomm")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("greencomm"):
            for alias in node.names:  # `from greencomm.write import documents` imports a module
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return found


def stage(module: str) -> int | None:
    """0 for what every stage may use; 1–4 for read, check, judge, write; None for api and cli."""
    if module in BASE or module.startswith("greencomm.programme"):
        return 0
    parts = module.split(".")
    return STAGES.get(parts[1]) if len(parts) > 1 else None


def test_stages_import_only_earlier_stages() -> None:
    wrong = []
    for name, path in modules().items():
        own = stage(name)
        if own is None:
            continue
        for target in imports(path):
            theirs = stage(target)
            if theirs is None or theirs > own:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_the_command_line_is_a_thin_layer() -> None:
    assert imports(PACKAGE / "cli.py") <= CLI_MAY_IMPORT
    assert "greencomm.cli" not in imports(PACKAGE / "api.py")
    typer_users = [n for n, p in modules().items() if re.search(r"^\s*(import typer|from typer)", p.read_text(), re.M)]
    assert typer_users == ["greencomm.cli"]


def test_no_comment_cites_a_file_outside_the_repository() -> None:
    """The rules live in docs/rules.md; the spec files they were written from are not in the checkout."""
    outside = re.compile(r"\b(programme|cli|quality|style)\.md\b|\.\./shared|spe[c]/")
    cited = [
        f"{p.relative_to(ROOT)}:{n}"
        for folder in ("src", "tests", "tools", "benchmarks", "sample_data")
        for p in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if outside.search(line)
    ]
    assert cited == []


def test_cited_sections_of_the_rules_exist() -> None:
    """Every section of docs/rules.md a comment cites (by its anchor) is a heading there."""
    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", rules, re.M)
    }
    cited = {
        (str(p.relative_to(ROOT)), anchor)
        for p in ROOT.rglob("*.py")
        if ".venv" not in p.parts
        for anchor in re.findall(r"docs/rules\.md#([\w\-]+)", p.read_text(encoding="utf-8"))
    }
    assert {c for c in cited if c[1] not in anchors} == set()
    assert len(cited) >= 10  # the code does cite its rules
