"""validate's annotated copies made by two processes of their own (write/annotate.py): the same
copies as made one by one, in the same order; a process that dies leaves its copy to be made by
the main process; a year too large for two copies beside the inputs is made one by one."""

from __future__ import annotations

import zipfile
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from greencomm.api import validate
from greencomm.programme import Programme, load_programme
from greencomm.write import annotate

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
YEARS = {  # both programmes' sample years: the 节能环保社区 one and the one-tier 绿色社区 one
    "节能环保社区": (SAMPLE / "submissions", None),
    "绿色社区": (SAMPLE / "green" / "submissions", SAMPLE / "green" / "greencomm.toml"),
}


@pytest.fixture(params=sorted(YEARS))
def year(request: pytest.FixtureRequest) -> tuple[Path, Programme]:
    folder, config = YEARS[request.param]
    return folder, load_programme(config, 2026)


def parts(path: Path) -> dict[str, bytes]:
    """A workbook's parts, but the time it was written."""
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def written(year: tuple[Path, Programme], folder: Path) -> dict[str, dict[str, bytes]]:
    run = validate([year[0]], year[1], output=folder)
    assert run.written and all(target.parent == folder for target in run.written.values())
    return {path.name: parts(path) for path in sorted(folder.glob("*.xlsx"))}


def test_copies_made_apart_are_the_copies_made_here(
    year: tuple[Path, Programme], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = written(year, tmp_path / "here")  # the sample year is small: made one by one
    started: list[int] = []
    pool = annotate.ProcessPoolExecutor

    def counted(processes: int, **options: Any) -> Any:
        started.append(processes)
        return pool(processes, **options)

    monkeypatch.setattr(annotate, "PROCESS_ROWS", 0)
    monkeypatch.setattr(annotate, "ProcessPoolExecutor", counted)
    apart = written(year, tmp_path / "apart")
    assert started == [2]  # the check can fail: the processes were used
    assert apart == here and len(here) > 2


class _Dying:
    """A pool whose processes all die (killed for their memory, say)."""

    def __init__(self, processes: int, **options: Any) -> None:
        pass

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("a process died"))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_a_copy_whose_process_died_is_made_here(
    year: tuple[Path, Programme], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = written(year, tmp_path / "here")
    monkeypatch.setattr(annotate, "PROCESS_ROWS", 0)
    monkeypatch.setattr(annotate, "ProcessPoolExecutor", _Dying)
    assert written(year, tmp_path / "again") == here


def test_a_large_workbook_is_copied_here(
    year: tuple[Path, Programme], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of a large workbook at once beside the inputs would pass a gigabyte."""
    here = written(year, tmp_path / "here")
    started: list[int] = []

    def refused(processes: int, **options: Any) -> Any:
        started.append(processes)
        raise AssertionError("no process for a large workbook")

    monkeypatch.setattr(annotate, "PROCESS_ROWS", 0)
    monkeypatch.setattr(annotate, "PROCESS_MAX_ROWS", 0)  # every workbook with a row is "large"
    monkeypatch.setattr(annotate, "ProcessPoolExecutor", refused)
    assert written(year, tmp_path / "large") == here and started == []
