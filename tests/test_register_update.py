"""register update (docs/rules.md#register): 整改, 撤销 and 恢复 recorded as dated entries of the
register's 状态变更记录 sheet, the register's own rows never changed, a backup before every change;
Q3 and the summary's trend follow each title's current status; decisions that make no sense are
refused, named at their cell, with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from typer.testing import CliRunner, Result

from conftest import YEAR, WriteBook, valid_row
from greencomm.api import evaluate, score
from greencomm.check.titles import current_titles
from greencomm.cli import app
from greencomm.programme import Programme
from greencomm.read.inputs import read_register
from greencomm.write.register import append_titles
from greencomm.write.summary_figures import trend

DEMO, PASS = "节能环保示范社区", "节能环保社区"
HEADER = ["年度", "所属区", "社区名称", "称号", "状态"]
CHANGES = ["日期", "年度", "所属区", "社区名称", "称号", "变更", "原因", "文号"]
SHEET = "xl/worksheets/sheet1.xml"
DOC = "x创办〔2026〕3号"
TO_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"  # every sheet
runner = CliRunner()

# Three years of titles. 整改甲 (示范 last year) goes under 整改; 撤销乙 (节能环保社区 last year) is
# revoked; 恢复丙 (节能环保社区 two years ago) is revoked and then restored; 手撤丁 was revoked by
# hand in 状态 before greencomm kept a history.
REGISTER = [
    (YEAR - 3, "芙蓉区", "老名社区", PASS, "有效"),
    (YEAR - 3, "天心区", "早年社区", DEMO, "有效"),
    (YEAR - 2, "芙蓉区", "恢复丙社区", PASS, "有效"),
    (YEAR - 2, "岳麓区", "二年社区", PASS, "有效"),
    (YEAR - 1, "芙蓉区", "整改甲社区", DEMO, "有效"),
    (YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "有效"),
    (YEAR - 1, "芙蓉区", "手撤丁社区", PASS, "撤销"),
    (YEAR - 1, "开福区", "对照社区", PASS, "有效"),
]


def build_register(
    path: Path, rows: list[tuple[Any, ...]] = REGISTER, changes: list[tuple[Any, ...]] | None = None
) -> Path:
    """The clerk's register: a drop-down on 状态, a 说明 sheet; a 状态变更记录 sheet when `changes`."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "历年命名名录"
    for row in [HEADER, *rows]:
        sheet.append(list(row))
    states = DataValidation(type="list", formula1='"有效,撤销"')
    states.add(f"E2:E{len(rows) + 1}")
    sheet.add_data_validation(states)
    book.create_sheet("说明").append(["称号的撤销与恢复见状态变更记录"])
    if changes is not None:
        history = book.create_sheet("状态变更记录")
        for row in [CHANGES, *changes]:
            history.append(list(row))
    book.save(path)
    return path


def decisions(path: Path, rows: list[tuple[Any, ...]], title: str = "决定") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in [CHANGES, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


def update(register: Path, decided: Path, *extra: str) -> Result:
    return runner.invoke(
        app,
        ["register", "update", "--register", str(register), "--decisions", str(decided), "--year", str(YEAR), *extra],
    )


def values(path: Path, sheet: str = "历年命名名录") -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.备份-*.xlsx"))


def applicants(write_submission: WriteBook) -> Path:
    """This year's applicants, each for 节能环保社区, full marks: only Q3 can fail them."""
    names = ["整改甲社区", "撤销乙社区", "恢复丙社区", "手撤丁社区", "对照社区"]
    rows = [valid_row(community=n, district="开福区" if n == "对照社区" else "芙蓉区") for n in names]
    return write_submission(rows)


# ---------------------------------------------------------------- the rule, on small frames
def test_current_status_is_the_latest_entry_by_date_then_row() -> None:
    register = pd.DataFrame(
        {"year": [2024, 2024, 2025, 2025], "district": ["芙蓉区"] * 4, "community": ["甲", "乙", "丙", "丁"],
         "title": [PASS, PASS, DEMO, PASS], "state": ["有效", "有效", "有效", "撤销"],
         "_key": ["芙蓉区\x00甲", "芙蓉区\x00乙", "芙蓉区\x00丙", "芙蓉区\x00丁"]}
    )  # fmt: skip
    day = dt.date
    changes = pd.DataFrame(
        {"date": [day(2026, 5, 1), day(2026, 3, 1), day(2026, 3, 1), day(2026, 3, 1), day(2026, 4, 1)],
         "year": [2024, 2024, 2025, 2025, 2024], "district": ["芙蓉区"] * 5,
         "community": ["甲", "甲", "丙", "丙", "乙"],
         "title": [PASS, PASS, DEMO, DEMO, DEMO],  # 乙's entry names a title it does not hold: ignored
         "change": ["恢复", "撤销", "撤销", "整改", "撤销"], "reason": ["复查合格", "否决", "a", "b", "c"],
         "doc": [None, "文1", None, None, None],
         "_key": ["芙蓉区\x00甲", "芙蓉区\x00甲", "芙蓉区\x00丙", "芙蓉区\x00丙", "芙蓉区\x00乙"]}
    )  # fmt: skip
    now = current_titles(register, changes).set_index("community")
    assert now.state.to_dict() == {"甲": "有效", "乙": "有效", "丙": "整改", "丁": "撤销"}
    assert (now.since["甲"], now.reason["甲"], now.since["丁"]) == (day(2026, 5, 1), "复查合格", None)
    assert list(current_titles(register, None).state) == ["有效", "有效", "有效", "撤销"]


# ---------------------------------------------------------------- the acceptance: a year after
def test_a_year_of_changes_reaches_q3_and_the_trend(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    rows_before, sheet_before = values(register), part(register, SHEET)
    steps = [
        [(dt.date(YEAR, 3, 1), YEAR - 1, "芙蓉区", "整改甲社区", DEMO, "整改", "复查发现垃圾分类不达标", DOC),
         (dt.date(YEAR, 3, 1), YEAR - 2, "芙蓉区", "恢复丙社区", PASS, "撤销", "复查一票否决（V2）", DOC)],
        [("2026-04-10", YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "撤销", "整改不合格", None)],
        [("2026年6月1日", YEAR - 2, "芙蓉区", "恢复丙社区", PASS, "恢复", "整改后复查合格", "x创办〔2026〕9号")],
    ]  # fmt: skip
    for n, step in enumerate(steps, start=1):
        before = register.read_bytes()
        done = update(register, decisions(tmp_path / f"决定{n}.xlsx", step))
        assert done.exit_code == 0, done.output
        assert len(backups(tmp_path)) == n  # a backup per change, holding the register as it was
        assert any(b.read_bytes() == before for b in backups(tmp_path))
    assert values(register) == rows_before  # the register's own rows: the same values, the same bytes
    assert part(register, SHEET) == sheet_before
    history = values(register, "状态变更记录")
    assert history[0] == tuple(CHANGES)
    assert [(r[3], r[5], r[0]) for r in history[1:]] == [
        ("整改甲社区", "整改", "2026-03-01"), ("恢复丙社区", "撤销", "2026-03-01"),
        ("撤销乙社区", "撤销", "2026-04-10"), ("恢复丙社区", "恢复", "2026-06-01"),
    ]  # fmt: skip
    assert values(register, "说明") == [("称号的撤销与恢复见状态变更记录",)]

    results = evaluate([applicants(write_submission)], programme, register=register)
    assert not [p for p in results.problems if p.is_error]
    got = {row.community: (row.status, row.eligibility) for row in results.table.itertuples()}
    assert got == {
        "整改甲社区": ("未通过", ["Q3"]),  # under 整改 the title is still held: it blocks
        "撤销乙社区": (PASS, []),  # revoked: blocks nothing
        "恢复丙社区": ("未通过", ["Q3"]),  # revoked, then restored: blocks again
        "手撤丁社区": (PASS, []),  # revoked by hand in 状态, no entry
        "对照社区": ("未通过", ["Q3"]),
    }
    rows, text = trend(results, final=False)
    counts = {r["year"]: r["total"] for r in rows}
    assert counts == {YEAR - 3: 2, YEAR - 2: 2, YEAR - 1: 2, YEAR: 2}  # 2025: 4 named, 撤销乙 and 手撤丁 revoked
    assert "历年命名情况（不含已撤销称号）" in text
    assert text.endswith(f"另有2个称号已撤销（{YEAR - 1}年2个），不计入以上数字。")


def test_the_json_names_what_was_recorded(tmp_path: Path) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    step = [("2026-03-01", YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "撤销", "整改不合格", None)]
    done = update(register, decisions(tmp_path / "决定.xlsx", step), "--json")
    assert done.exit_code == 0, done.output
    got = json.loads(done.stdout)
    assert (got["added"], got["entries"][0]["date"], got["entries"][0]["change"]) == (1, "2026-03-01", "撤销")
    assert got["backup"] == str(backups(tmp_path)[0])


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("entry", "code", "cell"),
    [
        (("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "恢复", "x", None), "change-restore-not-suspended", "F2"),
        (("2026-03-01", YEAR - 1, "芙蓉区", "手撤丁社区", PASS, "整改", "x", None), "change-after-revoke", "F2"),
        (("2026-03-01", YEAR - 1, "芙蓉区", "无名社区", PASS, "撤销", "x", None), "change-unknown-title", "D2"),
        (("2026-03-01", YEAR - 1, "芙蓉区", "整改甲社区", PASS, "撤销", "x", None), "change-unknown-title", "D2"),
        ((None, YEAR - 1, "开福区", "对照社区", PASS, "整改", "x", None), "missing-value", "A2"),
        (("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "停牌", "x", None), "invalid-choice", "F2"),
        (("2024-03-01", YEAR - 1, "开福区", "对照社区", PASS, "整改", "x", None), "change-before-award", "A2"),
        (("2026-01-05", YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "恢复", "x", None), "change-out-of-order", "A2"),
        (("2026-02-01", YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "整改", "x", None), "change-already-recorded", "F2"),
    ],
)
def test_a_decision_that_makes_no_sense_writes_nothing(
    tmp_path: Path, entry: tuple[Any, ...], code: str, cell: str
) -> None:
    recorded = [("2026-02-01", YEAR - 1, "芙蓉区", "撤销乙社区", PASS, "整改", "复查", None)]
    register = build_register(tmp_path / "名录.xlsx", changes=recorded)
    before = register.read_bytes()
    done = update(register, decisions(tmp_path / "决定.xlsx", [entry]))
    assert done.exit_code == 1
    assert f"决定.xlsx 决定!{cell}" in done.output and f"({code})" in done.output
    assert "名录未改动、未备份" in done.output
    assert register.read_bytes() == before and backups(tmp_path) == []


def test_decisions_in_order_within_one_file(tmp_path: Path) -> None:
    """A revocation and its restoration in one file: taken by date, whatever their row order."""
    register = build_register(tmp_path / "名录.xlsx")
    rows = [("2026-06-01", YEAR - 1, "开福区", "对照社区", PASS, "恢复", "复查合格", None),
            ("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "撤销", "否决", None)]  # fmt: skip
    assert update(register, decisions(tmp_path / "决定.xlsx", rows)).exit_code == 0
    assert [r[5] for r in values(register, "状态变更记录")[1:]] == ["撤销", "恢复"]


def test_a_missing_register_is_refused(tmp_path: Path) -> None:
    rows = [("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "撤销", "否决", None)]
    done = update(tmp_path / "没有.xlsx", decisions(tmp_path / "决定.xlsx", rows))
    assert done.exit_code == 1 and "找不到历年命名名录" in done.output
    assert not (tmp_path / "没有.xlsx").exists()


# ---------------------------------------------------------------- the register's own 状态变更记录
def test_a_bad_entry_in_the_register_is_named_at_its_cell(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    own = [("2026-03-01", YEAR - 1, "芙蓉区", "无名社区", PASS, "撤销", "x", None),
           ("2026-03-02", YEAR - 1, "开福区", "对照社区", PASS, "恢复", "x", None)]  # fmt: skip
    register = build_register(tmp_path / "名录.xlsx", changes=own)
    results = evaluate([applicants(write_submission)], programme, register=register)
    found = sorted((p.file, p.sheet, p.cell, p.code) for p in results.problems if p.code.startswith("change-"))
    assert found == [
        ("名录.xlsx", "状态变更记录", "D2", "change-unknown-title"),
        ("名录.xlsx", "状态变更记录", "F3", "change-restore-not-suspended"),
    ]
    done = update(register, decisions(tmp_path / "决定.xlsx", [own[0]]))
    assert done.exit_code == 1 and "名录本身有错误" in done.output and backups(tmp_path) == []


def test_the_register_reads_its_history_and_register_add_still_appends(programme: Programme, tmp_path: Path) -> None:
    own = [("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "撤销", "否决", "文1")]
    register = build_register(tmp_path / "名录.xlsx", changes=own)
    read = read_register(register, programme)
    assert read.changes is not None and list(read.changes.community) == ["对照社区"]
    history = part(register, "xl/worksheets/sheet3.xml")
    titles = pd.DataFrame(
        [(YEAR, "雨花区", "新社区", PASS, "有效")], columns=["year", "district", "community", "title", "state"]
    )
    append_titles(register, titles, read)
    assert values(register)[-1] == (YEAR, "雨花区", "新社区", PASS, "有效")
    assert part(register, "xl/worksheets/sheet3.xml") == history  # the history is not the register's table


def test_a_result_workbook_carries_the_history(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    own = [("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "撤销", "否决", None)]
    register = build_register(tmp_path / "名录.xlsx", changes=own)
    submissions = applicants(write_submission)
    direct = evaluate([submissions], programme, register=register)
    scored = score([submissions], programme, register=register, output=tmp_path / "评分结果.xlsx")
    again = evaluate(scored.files[:1], programme)
    status = {r.community: r.status for r in direct.table.itertuples()}
    assert status["对照社区"] == PASS
    assert {r.community: r.status for r in again.table.itertuples()} == status


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_the_new_sheet(tmp_path: Path) -> None:
    register = build_register(tmp_path / "名录.xlsx")
    rows = [("2026-03-01", YEAR - 1, "开福区", "对照社区", PASS, "撤销", "否决", "x创办〔2026〕3号")]
    assert update(register, decisions(tmp_path / "决定.xlsx", rows)).exit_code == 0
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", TO_CSV,
         "--outdir", str(out), str(register)],
        capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    sheets = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.csv")}
    assert "名录-状态变更记录.csv" in sheets, sheets.keys()
    assert "2026-03-01,2025,开福区,对照社区,节能环保社区,撤销,否决,x创办〔2026〕3号" in sheets["名录-状态变更记录.csv"]
    assert sheets["名录-历年命名名录.csv"].splitlines()[1] == "2023,芙蓉区,老名社区,节能环保社区,有效"
