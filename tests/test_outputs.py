"""Outputs are never dangerous and nothing is lost: no cell we write from data is a formula (xlsx or
CSV); a crash or a full disk in the middle of writing leaves the previous output byte for byte; a
file open in Excel gets a message a clerk can act on; temp files never stay behind; a replaced file
keeps its permissions, a new one gets the umask's, a read-only one is never replaced."""

import csv
import errno
import io
import json
import os
import re
import stat
import time
import zipfile
from pathlib import Path
from typing import BinaryIO

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import WriteBook, valid_row
from greencomm.cli import app
from greencomm.errors import OutputError
from greencomm.write.atomic import STALE_SECONDS, TEMP_PREFIX, atomic_write, clean_stale, stage_bytes, write_bytes
from greencomm.write.result_books import defused

runner = CliRunner()
FORMULA_LIKE = {
    "community": '=HYPERLINK("http://example.com","点我")社区',
    "street": "+SUM(1,2)街道",
    "contact": "@cmd|' /C calc'!A0",
}


# ---------------------------------------------------------------- atomic writes
class Boom(Exception):
    pass


def _half_then(error: BaseException):  # type: ignore[no-untyped-def]
    def write(handle: BinaryIO) -> None:
        handle.write(b"half of the new content")
        raise error

    return write


@pytest.mark.parametrize("error", [Boom("crash"), KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left")])
def test_a_crash_in_the_middle_of_writing_leaves_the_previous_output(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"the previous output")
    with pytest.raises((Boom, KeyboardInterrupt, OutputError)) as raised:
        atomic_write(target, _half_then(error))
    assert target.read_bytes() == b"the previous output"
    assert list(tmp_path.iterdir()) == [target], "no temp file stays behind"
    if isinstance(error, OSError):
        assert "写入失败" in str(raised.value) and "No space left" in str(raised.value)


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_at_the_last_steps_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     step: str) -> None:  # fmt: skip
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"the previous output")

    def fail(*args: object) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OutputError):
        write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"the previous output" and list(tmp_path.iterdir()) == [target]


def test_a_file_open_in_excel_gets_a_message_to_close_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows, replacing a workbook Excel has open raises PermissionError."""
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"open in Excel")

    def locked(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputError, match="在 Excel/WPS 中关闭该文件后重新运行"):
        write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"open in Excel" and list(tmp_path.iterdir()) == [target]


def test_temp_files_of_a_killed_run_are_cleaned_and_a_running_ones_kept(tmp_path: Path) -> None:
    stale = tmp_path / f"{TEMP_PREFIX}abc.xlsx"
    stale.write_bytes(b"left by a run killed with kill -9")
    old = time.time() - STALE_SECONDS - 60
    os.utime(stale, (old, old))
    running = tmp_path / f"{TEMP_PREFIX}def.xlsx"
    running.write_bytes(b"another run is writing this now")
    write_bytes(tmp_path / "结果.xlsx", b"new")
    assert not stale.exists() and running.exists()
    assert clean_stale(tmp_path) == []


def test_a_crash_while_score_writes_leaves_the_previous_workbook(
    write_submission: WriteBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_submission([valid_row()])
    out = tmp_path / "out" / "评分结果.xlsx"
    args = ["score", str(path), "--year", "2026", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    before = out.read_bytes()

    def crash(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_bytes() == before and sorted(p.name for p in out.parent.iterdir()) == ["评分结果.xlsx"]


def test_a_staged_file_is_on_disk_beside_its_target_until_put_in_place(tmp_path: Path) -> None:
    """`stage` writes and flushes the whole file beside its target; `commit` renames it into place,
    `discard` removes it — the previous output is untouched until the one and not by the other."""
    target = tmp_path / "名单.xlsx"
    target.write_bytes(b"the previous output")
    staged = stage_bytes(target, b"new")
    assert target.read_bytes() == b"the previous output" and staged.temp.read_bytes() == b"new"
    assert staged.temp.parent == tmp_path and staged.temp.name.startswith(TEMP_PREFIX)
    assert staged.commit() == target and target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]
    stage_bytes(target, b"newer").discard()
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


class _CutShort(io.StringIO):
    """A stream whose reader goes away after the document has begun."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces = 0

    def write(self, text: str) -> int:
        self.pieces += 1
        if self.pieces > 2:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        return super().write(text)


def test_a_json_cut_short_leaves_no_workbook_made_meanwhile(write_submission: WriteBook, tmp_path: Path) -> None:
    """The workbook is made and written to disk while `--json` goes out, and put in place only once
    the document is out: a reader gone midway leaves the previous workbook and no temp file."""
    from greencomm.api import load_programme, shortlist

    path = write_submission([valid_row(community=f"第{n}社区") for n in range(30)])
    out = tmp_path / "out" / "名单.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous output")
    programme = load_programme(None, 2026)
    with pytest.raises(BrokenPipeError):
        shortlist([path], programme, output=out, json_to=_CutShort())
    assert out.read_bytes() == b"the previous output" and list(out.parent.iterdir()) == [out]
    written = io.StringIO()
    shortlist([path], programme, output=out, json_to=written)
    assert json.loads(written.getvalue())["communities"] and zipfile.is_zipfile(out)
    assert list(out.parent.iterdir()) == [out]


# ---------------------------------------------------------------- permissions and folders
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o640], ids=oct)
def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, mode: int) -> None:
    """Colleagues on a shared folder read (or write) the new output as they did the old one."""
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"the previous output")
    target.chmod(mode)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == mode


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)], ids=["022", "027", "002"])
def test_a_new_file_gets_the_permissions_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        write_bytes(tmp_path / "out" / "结果.xlsx", b"new")
        assert os.umask(umask) == umask, "the umask is as it was"
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out" / "结果.xlsx") == mode


def test_a_read_only_file_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"protected by the clerk")
    target.chmod(0o444)
    with pytest.raises(OutputError, match="是只读文件，未覆盖") as raised:
        write_bytes(target, b"new")
    assert str(target) in str(raised.value)
    assert target.read_bytes() == b"protected by the clerk" and _mode(target) == 0o444
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("below", ["x.xlsx", "sub/x.xlsx"])
def test_a_folder_that_is_a_file_is_named(tmp_path: Path, below: str) -> None:
    afile = tmp_path / "afile"
    afile.write_bytes(b"a file, not a folder")
    with pytest.raises(OutputError) as raised:
        write_bytes(afile / below, b"new")
    assert f"{afile}: 这是一个文件而不是文件夹" in str(raised.value) and "exists" not in str(raised.value)
    assert afile.read_bytes() == b"a file, not a folder" and list(tmp_path.iterdir()) == [afile]


def test_an_output_folder_that_is_a_file_is_named_on_the_command_line(
    write_submission: WriteBook, tmp_path: Path
) -> None:
    path = write_submission([valid_row()])
    afile = tmp_path / "afile"
    afile.write_bytes(b"")
    result = runner.invoke(app, ["score", str(path), "--year", "2026", "-o", str(afile / "x.xlsx")])
    assert result.exit_code == 1 and f"{afile}: 这是一个文件而不是文件夹" in result.stderr
    assert "File exists" not in result.stderr and "Traceback" not in result.output


# ---------------------------------------------------------------- nothing runs as a formula
def _text_cells(path: Path) -> Path:
    """The formula-like values written as text, as a district's Excel keeps them."""
    book = openpyxl.load_workbook(path)
    for row in book["申报汇总表"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "@")):
                cell.data_type = "s"
    book.save(path)
    return path


def _formulas(path: Path) -> list[str]:
    """Sheets with a cell formula (<f>…</f>; a conditional format's <formula> is no cell's)."""
    with zipfile.ZipFile(path) as archive:
        return [n for n in archive.namelist()
                if n.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(n))]  # fmt: skip


def test_no_cell_written_from_data_is_a_formula(write_submission: WriteBook, tmp_path: Path) -> None:
    rows = [valid_row(**FORMULA_LIKE), valid_row(community="-1社区", households="abc")]
    path = _text_cells(write_submission(rows))
    assert _formulas(path) == []
    out = tmp_path / "out"
    runner.invoke(app, ["validate", str(path), "--year", "2026", "-o", str(out)])
    for command in ("score", "rank", "shortlist"):
        result = runner.invoke(app, [command, str(path), "--year", "2026", "-o", str(out / f"{command}.xlsx")])
        assert result.exit_code in (0, 1), result.output
    written = sorted(out.glob("*.xlsx"))
    assert len(written) == 5  # the annotated copy, the problem list, score, rank, shortlist
    for book in written:
        assert _formulas(book) == [], book.name
    summary = openpyxl.load_workbook(out / "score.xlsx")["评分汇总"]
    values = {c.value for row in summary.iter_rows() for c in row}
    assert FORMULA_LIKE["community"] in values and FORMULA_LIKE["street"] in values


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+86 731 8456", "'+86 731 8456"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("+2.5", "+2.5"),
        ("45%", "45%"),
        ("韭菜园社区", "韭菜园社区"),
        (3, 3),
    ],
)
def test_csv_text_is_defused(value: object, shown: object) -> None:
    assert defused(value) == shown


def test_the_detail_csv_holds_no_formula(write_submission: WriteBook, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Beyond one sheet the detail goes to CSV (tested here by making every year 'too large')."""
    monkeypatch.setattr("greencomm.write.result_books.detail_fits", lambda results: False)
    path = _text_cells(write_submission([valid_row(**FORMULA_LIKE)]))
    out = tmp_path / "评分结果.xlsx"
    result = runner.invoke(app, ["score", str(path), "--year", "2026", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["communities"][0]["community"] == FORMULA_LIKE["community"]
    text = (tmp_path / "评分结果_得分明细.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["社区名称"] for r in rows} == {"'" + FORMULA_LIKE["community"]}
    risky = [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r" and not v.lstrip("+-")[:1].isdigit()]
    assert risky == []


def test_display_width_counts_wide_characters_as_unicode_does() -> None:
    """display_width finds wide characters with one regular expression (fast at 100,000 rows): every
    assigned code point counts as unicodedata.east_asian_width says (W and F count double)."""
    import sys
    import unicodedata

    from greencomm.write.text_width import display_width

    wrong = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) not in ("Cn", "Cs")
        and display_width(chr(cp)) != (2 if unicodedata.east_asian_width(chr(cp)) in "WF" else 1)
        and chr(cp) not in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # line breaks: a line of their own
    ]
    assert not wrong, wrong[:20]
    assert display_width("芙蓉区 A1\n韭菜园社区") == 10 and display_width(None) == 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.none()
        | st.text(
            alphabet="ab 1.%社区芙\u3000\u303e\u303f\u4e00\u9fff\ua000\uff01\uff21\uff60\uff61\u201c\x7f\x80"
            "\u1100\U00020001\U0001f600\n\r\u2028\x85é\u0301",
            max_size=90,
        )
        | st.floats(allow_nan=False)
        | st.integers(),
        max_size=40,
    ),
    st.floats(min_value=1, max_value=80),
)
def test_the_lines_of_a_whole_column_are_each_values_lines(values: list[object], width: float) -> None:
    """wrapped_lines_of counts a column's lines at once (Arrow): the same as wrapped_lines value by
    value, line breaks, wide characters and numbers included; every code point is checked too."""
    from greencomm.write.text_width import wrapped_lines, wrapped_lines_of

    expected = [1 if v is None else wrapped_lines(str(v), width) for v in values]
    assert wrapped_lines_of(values, width).tolist() == expected


def test_the_lines_of_every_code_point_are_counted_as_one_by_one() -> None:
    from greencomm.write.text_width import wrapped_lines, wrapped_lines_of

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = ["".join(points[i : i + 7]) for i in range(0, len(points), 7)]
    assert wrapped_lines_of(texts, 3).tolist() == [wrapped_lines(t, 3) for t in texts]
