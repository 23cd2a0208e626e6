"""The reading process: a reader that aborts, hangs or runs out of memory takes only itself down."""

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pytest

from conftest import WriteBook
from greencomm.errors import ReadFailed
from greencomm.programme import Programme
from greencomm.read import sandbox
from greencomm.read.sandbox import POOL, Caps, Request, _Worker, asking_ahead, read, read_sheet, reading_ahead

T = TypeVar("T")


def _fake(script: str, caps: Caps | None = None) -> _Worker:
    """A worker that runs `script` instead of the reader."""
    return _Worker(caps or Caps(), [sys.executable, "-c", script])


def test_a_reader_that_hangs_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    worker = _fake("import time; time.sleep(60)", Caps(max_read_seconds=1))
    started = time.perf_counter()
    with pytest.raises(ReadFailed) as failed:
        worker.read(tmp_path / "x.xlsx", "Sheet1", "t")
    assert failed.value.kind == "time" and time.perf_counter() - started < 10
    assert not worker.alive


def test_a_reader_that_runs_out_of_memory_says_so(tmp_path: Path) -> None:
    script = "import os, sys; sys.stdin.readline(); print('memory allocation of 549755813888 bytes failed', file=sys.stderr); sys.stderr.flush(); os.abort()"  # noqa: E501
    with pytest.raises(ReadFailed) as failed:
        _fake(script).read(tmp_path / "x.xlsx", "Sheet1", "t")
    assert failed.value.kind == "memory" and "549755813888" in failed.value.detail


def test_a_reader_that_crashes_otherwise_is_not_called_out_of_memory(tmp_path: Path) -> None:
    script = "import os, sys; sys.stdin.readline(); print('segmentation fault', file=sys.stderr); os.abort()"
    with pytest.raises(ReadFailed) as failed:
        _fake(script).read(tmp_path / "x.xlsx", "Sheet1", "t")
    assert failed.value.kind == "crash" and "segmentation fault" in failed.value.detail


def test_the_reader_refuses_a_missing_sheet_and_goes_on(write_submission: WriteBook, tmp_path: Path) -> None:
    path = write_submission([])
    with pytest.raises(ReadFailed) as failed:
        read_sheet(path, "没有这张表", "t1", Caps())
    assert failed.value.kind == "reader"
    table = read_sheet(path, "申报汇总表", "t1", Caps())  # the same worker, still there
    assert table.column(0)[0].as_py() == "2026年芙蓉区节能环保社区申报汇总表"


def test_decrypted_bytes_are_read_like_the_file(write_submission: WriteBook) -> None:
    path = write_submission([])
    from_file = read_sheet(path, "申报汇总表", "a", Caps())
    from_bytes = read_sheet(path.read_bytes(), "申报汇总表", "b", Caps())
    assert from_file.equals(from_bytes)


def test_a_worker_that_failed_is_not_reused(write_submission: WriteBook, tmp_path: Path) -> None:
    POOL.shutdown()
    broken = _fake("import sys; sys.stdin.readline(); sys.stdout.write('not json\\n'); sys.stdout.flush()")
    with pytest.raises(ReadFailed):
        broken.read(tmp_path / "x.xlsx", "Sheet1", "t")
    assert not broken.alive
    answer = read(Request(write_submission([]), "申报汇总表", "d", Caps()))
    assert answer.table.num_rows and [c.type for c in answer.columns()] == [pa.string()] * answer.table.num_columns
    assert len(POOL._idle) == 1 and POOL._idle[0] is not broken


def test_a_sheet_sent_short_is_a_crash_not_a_table(tmp_path: Path) -> None:
    script = ("import sys; sys.stdin.readline(); sys.stdout.write('{\"ok\": true, \"bytes\": 100}\\nabc'); "
              "sys.stdout.flush()")  # fmt: skip
    with pytest.raises(ReadFailed) as failed:
        _fake(script).read(tmp_path / "x.xlsx", "Sheet1", "t")
    assert failed.value.kind == "crash"


def test_no_reading_process_is_a_problem_not_a_crash(write_submission: WriteBook, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from typer.testing import CliRunner

    from greencomm.cli import app

    path = write_submission([])
    POOL.shutdown()
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    result = CliRunner().invoke(app, ["validate", str(path), "--year", "2026", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "cannot start the reading process" in result.stderr
    assert "Traceback" not in result.output


def test_the_requests_a_dying_worker_held_are_read_by_another(write_submission: WriteBook, tmp_path: Path) -> None:
    import openpyxl

    POOL.shutdown()
    far = openpyxl.Workbook()
    sheet = far.active
    assert sheet is not None
    sheet["A1"], sheet["XFD1048576"] = "x", 1  # asked for without its scan: the reader lays out the whole grid
    far.save(tmp_path / "far.xlsx")
    good = [write_submission([], name=f"{n}.xlsx") for n in range(4)]
    requests = [Request(tmp_path / "far.xlsx", "Sheet", "far", Caps())]
    requests += [Request(path, "申报汇总表", f"good{n}", Caps()) for n, path in enumerate(good)]
    with reading_ahead(requests, workers=1):  # one worker: it holds the first good sheet when it dies
        with pytest.raises(ReadFailed) as failed:
            read(requests[0])
        assert failed.value.kind == "memory"
        tables = _within(60, lambda: [read(r).table for r in requests[1:]])  # a lost request would wait for ever
    assert [t.column(0)[0].as_py() for t in tables] == ["2026年芙蓉区节能环保社区申报汇总表"] * 4


def _within(seconds: float, work: Callable[[], T]) -> T:
    """What `work` gives, or a failed test when it is not done in `seconds`."""
    done: list[T] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert done, f"not done in {seconds} s"
    return done[0]


def test_a_read_asked_ahead_is_taken_once_and_a_second_read_asks_again(write_submission: WriteBook) -> None:
    request = Request(write_submission([]), "申报汇总表", "once", Caps())
    with reading_ahead([request], workers=2):
        first = read(request)
        second = read(request)  # not waiting for an answer already taken
    assert first.table.equals(second.table)


def test_workbooks_opened_ahead_are_read_as_without(
    programme: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The district workbooks opened and asked for before the stages load (`open_ahead`, or
    `list_ahead` as evaluate does, each asked for as the folder is listed) give what reading them
    then gives: the same rows, the same problems — a file that is no workbook among them too; an
    `ahead` for other files is let go and the files read."""
    from greencomm.programme.layouts import SUBMISSION_SHEET
    from greencomm.read.inputs import read_submissions
    from greencomm.read.workbook import expand_inputs, list_ahead, list_inputs, open_ahead

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for book in sorted(sample.glob("*.xlsx"))[:3]:
        (folder / book.name).write_bytes(book.read_bytes())
    (folder / "损坏.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    listed = expand_inputs([folder])
    plain, _ = read_submissions([folder], programme)
    with open_ahead(listed, SUBMISSION_SHEET, programme.settings.limits) as ahead:
        early, _ = read_submissions([folder], programme, ahead=ahead)
    with open_ahead(listed[:1], SUBMISSION_SHEET, programme.settings.limits) as other:
        mismatched, _ = read_submissions([folder], programme, ahead=other)
    asked: list[Request] = []
    monkeypatch.setattr(sandbox.Asking, "ask", lambda self, r, ask=sandbox.Asking.ask: asked.append(r) or ask(self, r))
    twice = [folder, listed[1]]  # a workbook in the folder named again: listed, opened and asked for once
    with list_ahead(twice, SUBMISSION_SHEET, programme.settings.limits) as found:
        assert found.listing == list_inputs(twice) and found.paths == listed
        streamed, _ = read_submissions(twice, programme, ahead=found)
    assert [r.source for r in asked] == [p for p in listed if p.name != "损坏.xlsx"]  # each as it was found
    for part in (early, mismatched, streamed):
        assert part.frame.equals(plain.frame)
        assert [p.to_dict("en") for p in part.problems] == [p.to_dict("en") for p in plain.problems]
        assert part.files == plain.files
    assert any(p.file == "损坏.xlsx" for p in plain.problems)


def test_readers_stopped_without_waiting_end_and_are_waited_for_later(write_submission: WriteBook) -> None:
    request = Request(write_submission([]), "申报汇总表", "leave", Caps())
    read(request)  # a worker now idle in the pool
    POOL.shutdown(wait=False)
    leaving = list(POOL._leaving)
    assert leaving and all(w.process.stdin is None or w.process.stdin.closed for w in leaving)
    POOL.shutdown()  # the next shutdown (at the latest greencomm's exit) waits for them
    assert not POOL._leaving and all(not w.alive for w in leaving)


def test_warming_starts_no_reader_while_one_of_the_same_caps_is_reading() -> None:
    """evaluate's reads are under way when read_inputs warms the reader: no third process."""
    POOL.shutdown()
    caps = Caps(max_read_seconds=77)
    lent = POOL.acquire(caps)
    try:
        POOL.warm(caps)
        assert not [w for w in POOL._idle if w.caps == caps]
    finally:
        POOL.release(lent)
    POOL.warm(caps)
    assert [w for w in POOL._idle if w.caps == caps] == [lent]
    POOL.shutdown()


def test_a_folder_is_listed_once_a_run(monkeypatch: pytest.MonkeyPatch, programme: Programme, tmp_path: Path) -> None:
    """evaluate lists each folder once — the workbooks to read, greencomm's own outputs left out
    and the result workbooks among them from one look at each file (each look stats every file of
    a folder of hundreds) — and reads what listing it again would read."""
    from greencomm import api
    from greencomm.read import workbook

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"
    folder = tmp_path / "收件箱"
    folder.mkdir()
    for book in sorted(sample.glob("*.xlsx"))[:3]:
        (folder / book.name).write_bytes(book.read_bytes())
    api.score([folder], programme, output=folder / "评分结果.xlsx")  # an output written into the inbox
    looks: list[Path] = []
    listed = workbook._workbooks_in
    monkeypatch.setattr(workbook, "_workbooks_in", lambda path: looks.append(path) or listed(path))
    results = api.evaluate([folder], programme)
    assert looks == [folder]
    assert results.inputs.submissions.files == sorted(folder.glob("[!评]*.xlsx"), key=lambda p: p.name)
    assert [p.file for p in results.problems if p.code == "own-output-skipped"] == ["评分结果.xlsx"]
    listing = workbook.list_inputs([folder])
    assert listing.own == [(folder / "评分结果.xlsx", True)] and not listing.results
    assert workbook.list_inputs([folder / "评分结果.xlsx"]).results == {folder / "评分结果.xlsx"}


def test_judging_modules_imported_first_leave_checking_whole(tmp_path: Path) -> None:
    """A script that imports the API, then a judging module, then evaluates (the check package's
    `eligibility` is also the name of its submodule: whichever import binds it last, checking must
    not call a module)."""
    import subprocess
    import sys

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"
    script = (
        "import sys; from pathlib import Path\n"
        "from greencomm import api\n"
        "from greencomm.judge import shortlist, results\n"
        "r = api.evaluate([Path(sys.argv[1])], api.load_programme(None, 2026))\n"
        "print(len(r.table))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(sample)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().splitlines()[-1]) > 0


def test_requests_asked_as_they_are_found_are_each_answered_once(
    write_submission: WriteBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's workbooks are asked for as they are listed (`asking_ahead`): every request,
    asked while the workers read the earlier ones, gets its own sheet. A worker holds more small
    workbooks at a time than the two it holds of large ones (AHEAD_BYTES), never more than AHEAD_MAX."""
    paths = [write_submission([], name=f"{n}.xlsx") for n in range(12)]
    held: list[int] = []
    send = _Worker.send

    def counted(worker: _Worker, request: Request) -> None:
        send(worker, request)
        held.append(worker.in_flight)

    monkeypatch.setattr(_Worker, "send", counted)
    monkeypatch.setattr(sandbox, "AHEAD_MAX", 5)
    requests = [Request(path, "申报汇总表", f"asked{n}", Caps()) for n, path in enumerate(paths)]
    with asking_ahead(workers=2) as asking:
        for request in requests:
            asking.ask(request)
            time.sleep(0.01)  # as a listing finds them
        asking.close()
        tables = _within(60, lambda: [read(r).table for r in reversed(requests)])
    assert all(t.equals(tables[0]) for t in tables) and len(tables) == 12

    held.clear()
    requests = [Request(path, "申报汇总表", f"small{n}", Caps()) for n, path in enumerate(paths)]
    with reading_ahead(requests, workers=2):
        _within(60, lambda: [read(r) for r in requests])
    assert max(held) == 5  # small workbooks: more than two at a time, up to the most

    held.clear()
    monkeypatch.setattr(sandbox, "AHEAD_BYTES", 1)  # every workbook large
    requests = [Request(path, "申报汇总表", f"large{n}", Caps()) for n, path in enumerate(paths)]
    with reading_ahead(requests, workers=2):
        _within(60, lambda: [read(r) for r in requests])
    assert max(held) == 2


@pytest.mark.parametrize("blank", [0, 1, 2, 3, 5, 8, 31, 64, 100, 999, 1000])
def test_the_first_valued_row_is_found_past_any_number_of_blank_rows(blank: int) -> None:
    """Rows above the first value are found by doubling and halving: the count of blank rows,
    whatever it is; a sheet all blank is all left out."""
    for height in (blank, blank + 1, blank + 7):
        values = [None] * blank + ["x"] * (height - blank)
        batch = pa.record_batch([pa.array([None] * height, pa.string()), pa.array(values, pa.string())], ["a", "b"])
        assert sandbox._first_valued_row(batch) == blank
