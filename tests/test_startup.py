"""A command loads what it uses and nothing more (docs/rules.md#speed-and-memory): `--version`,
`--help` and `rubric` start at once because no stage is imported for them; the documents' libraries
(matplotlib, python-docx, cn2an) are loaded by publicize and report only. What is loaded is
checked here; how long it takes is measured by `make bench` (BENCHMARKS.md), never in a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greencomm import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
STAGES = {"pandas", "numpy", "pyarrow", "openpyxl", "fastexcel", "pypinyin", "greencomm.read.sandbox"}
DOCUMENTS = {"matplotlib", "docx", "docxtpl", "cn2an"}

RUN = """
import json, sys
from greencomm.cli import app
try:
    app(sys.argv[1:], prog_name="greencomm")
except SystemExit as exc:
    code = exc.code
names = {m.split(".")[0] if m.split(".")[0] in HEAVY else m for m in sys.modules}
sys.stderr.write("\\nLOADED " + json.dumps({"code": code, "loaded": sorted(names & set(HEAVY))}) + "\\n")
"""


def loaded(args: list[str], tmp_path: Path) -> tuple[int, set[str]]:
    """Run greencomm with `args` in a fresh interpreter; the exit code and which heavy modules it loaded."""
    script = f"HEAVY = {sorted(STAGES | DOCUMENTS)!r}\n" + RUN
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8"
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED "))
    report = json.loads(line.removeprefix("LOADED "))
    return report["code"], set(report["loaded"])


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["rubric"], ["rubric", "--json"], ["sample", "--help"]])
def test_version_help_and_rubric_load_no_stage(args: list[str], tmp_path: Path) -> None:
    code, heavy = loaded(args, tmp_path)
    assert code in (0, None)
    assert heavy == set(), f"{args} loaded {heavy}"


def test_validate_and_shortlist_load_no_document_library(tmp_path: Path) -> None:
    for args in (
        ["validate", str(SAMPLE / "submissions"), "--year", "2026", "-q"],
        ["shortlist", str(SAMPLE / "submissions"), "--year", "2026", "-q", "-o", str(tmp_path / "名单.xlsx")],
    ):
        code, heavy = loaded(args, tmp_path)
        assert code == 0, args
        assert heavy & DOCUMENTS == set(), f"{args[0]} loaded {heavy & DOCUMENTS}"
        assert "pandas" in heavy  # the check itself can fail: a stage was run
        if args[0] == "shortlist":  # a result workbook is written by the Rust writer alone
            assert "openpyxl" not in heavy
        else:  # the annotated copies are openpyxl's
            assert "openpyxl" in heavy


def test_the_lazy_module_is_the_module(tmp_path: Path) -> None:
    """A module made lazy runs when first used, is the object an import gives, and runs once."""
    script = """
import sys
from greencomm.lazy import lazy
books = lazy("greencomm.write.result_books")
assert "pandas" not in sys.modules and "greencomm.judge.results" not in sys.modules
import greencomm.write
assert greencomm.write.result_books is books
from greencomm.write.result_books import write_book
assert "pandas" in sys.modules and books.write_book is write_book
assert lazy("greencomm.write.result_books") is books is sys.modules["greencomm.write.result_books"]
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


POOL = """
import atexit, os, sys
from greencomm import cli

def said() -> None:
    import pyarrow as pa
    sys.stderr.write("POOL " + pa.default_memory_pool().backend_name + "\\n")

atexit.register(said)
sys.argv = ["greencomm", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="jemalloc is chosen on Linux, whose wheels carry it")
@pytest.mark.parametrize("chosen", [None, "system"])
def test_arrow_allocates_through_jemalloc_unless_the_user_chose(tmp_path: Path, chosen: str | None) -> None:
    """A run frees and makes large buffers over and over: Arrow takes them from jemalloc (cli.ARROW_ALLOCATOR),
    in greencomm and in the reading processes it starts, quietly; an allocator the user names stays."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    args = ["score", str(SAMPLE / "submissions"), "-q", "-o", str(tmp_path / "评分结果.xlsx")]
    done = subprocess.run([sys.executable, "-c", POOL, *args], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"POOL {chosen or 'jemalloc'}" in done.stderr.splitlines()
    assert "Unsupported backend" not in done.stderr
    worker = subprocess.run(  # a reading process inherits greencomm's environment
        [sys.executable, "-c", "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"],
        env={**env, **{k: v for k, v in cli.ARROW_ALLOCATOR.items() if k not in env}},
        capture_output=True, text=True,
    )  # fmt: skip
    assert worker.stdout.strip() == (chosen or "jemalloc") and not worker.stderr


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["shortlist", "submissions", "-o", "名单.xlsx"], 2),
        (["-q", "validate", "submissions"], 2),
        (["score", "--help"], 0),
        (["shortlist", "-h"], 0),
        (["rubric"], 0),
        (["publicize", "名单.xlsx"], 0),
        ([], 0),
    ],
)
def test_a_command_that_reads_district_workbooks_starts_its_readers_first(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], started: int
) -> None:
    """validate, score, rank and shortlist start as many reading processes as they read with, before
    the rest of greencomm loads; no other command, and no --help, starts one."""
    from greencomm.read import sandbox, workbook

    made: list[sandbox.Caps] = []

    class Worker:  # stands for a reading process: none is started
        def __init__(self, caps: sandbox.Caps) -> None:
            self.caps, self.alive = caps, True
            made.append(caps)

        def leave(self) -> None:  # the pool's own shutdown, at exit
            self.alive = False

        stop = leave

    monkeypatch.setattr(sandbox, "_Worker", Worker)
    monkeypatch.setattr(sandbox, "POOL", sandbox._Pool())
    monkeypatch.setattr(workbook, "POOL", sandbox.POOL)
    monkeypatch.setattr(workbook, "READERS", 2)  # as on two cores
    monkeypatch.delenv("GREENCOMM_READER", raising=False)
    cli._warm_readers(argv)
    assert made == [sandbox.Caps()] * started
    workbook.warm_reader()  # load_programme's, once the command runs: the ones started serve
    assert len(made) == started or (started == 0 and len(made) == 1)


COLLECTOR = """
import atexit, gc, sys
from greencomm import cli

atexit.register(lambda: sys.stderr.write(f"COLLECTOR {gc.isenabled()} {gc.get_count()[0] > 10_000}\\n"
                                         f"SWITCH {sys.getswitchinterval()}\\n"))
sys.argv = ["greencomm", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.parametrize(("command", "left_on"), [("score", False), ("shortlist", False), ("validate", True)])
def test_a_results_command_leaves_with_the_collector_off(tmp_path: Path, command: str, left_on: bool) -> None:
    """score, rank and shortlist leave without starting the cyclic collector again once the API has
    paused it: its first pass would walk everything the command made. validate keeps it on."""
    args = [command, str(SAMPLE / "submissions"), "-q"]
    if command != "validate":
        args += ["-o", str(tmp_path / f"{command}.xlsx")]
    done = subprocess.run([sys.executable, "-c", COLLECTOR, *args], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    # off: the objects the command made since the API paused it are still uncounted by any pass
    assert f"COLLECTOR {left_on} {not left_on}" in done.stderr.splitlines(), done.stderr
    # the threads that read, write and encode beside one another wait less for Python's lock
    assert f"SWITCH {cli.SWITCH_INTERVAL}" in done.stderr.splitlines() and cli.SWITCH_INTERVAL < 0.005


def test_a_reading_process_loads_no_package_metadata() -> None:
    """greencomm's version is looked up when asked: the reading processes, which import the package
    and ask nothing of it, start without importlib.metadata (50 ms each, before the first sheet)."""
    script = (
        "import sys, runpy\n"
        "sys.argv = ['sandbox', '1024']\n"
        "sys.stdin = open('/dev/null' if sys.platform != 'win32' else 'NUL')\n"
        "runpy.run_module('greencomm.read.sandbox', run_name='__main__')\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8", check=True)
    assert done.stdout.strip() == "False", done.stderr
    version = subprocess.run([sys.executable, "-m", "greencomm", "--version"], capture_output=True, text=True,
                             encoding="utf-8", check=True)  # fmt: skip
    from importlib.metadata import version as installed

    assert version.stdout.strip() == f"greencomm {installed('greencomm')}"
