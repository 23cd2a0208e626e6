"""The intake desk (docs/rules.md#intake): `validate` lists every programme district, received or
not, in the settings' order; a district that sent nothing is a warning naming it, never silence."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from conftest import YEAR, WriteBook, valid_row
from greencomm.api import validate
from greencomm.cli import app
from greencomm.programme import Programme
from greencomm.read.names import workbook_district

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]


def _year_without(tmp_path: Path, district: str) -> Path:
    inbox = tmp_path / "收件箱"
    shutil.copytree(ROOT / "sample_data" / "submissions", inbox)
    (removed,) = [p for p in inbox.iterdir() if district in p.name]
    removed.unlink()
    return inbox


def test_a_district_that_sent_nothing_is_named_in_text_and_json(tmp_path: Path) -> None:
    inbox = _year_without(tmp_path, "天心区")
    shown = runner.invoke(app, ["validate", str(inbox), "--year", str(YEAR), "-o", "out"])
    assert shown.exit_code == 0  # a warning, not an error
    assert "尚未收到天心区的申报表（截止日期 2026-09-30）" in shown.stderr
    assert "(district-not-received)" in shown.stderr
    assert "已收到 5/6 个区" in shown.stderr
    done = runner.invoke(app, ["validate", str(inbox), "--year", str(YEAR), "-o", "out", "--json"])
    intake = json.loads(done.stdout)["intake"]
    assert intake["not_received"] == ["天心区"]
    assert [d["district"] for d in intake["districts"]] == DISTRICTS  # every district, in the settings' order
    assert [d["received"] for d in intake["districts"]] == [d != "天心区" for d in DISTRICTS]
    (warning,) = intake["problems"]
    assert (warning["code"], warning["value"], warning["severity"]) == ("district-not-received", "天心区", "warning")


def test_each_received_district_shows_files_fill_date_communities_and_lateness(
    tmp_path: Path, programme: Programme
) -> None:
    inbox = _year_without(tmp_path, "天心区")
    run = validate([inbox], programme)
    assert run.intake is not None
    by_district = {d.district: d for d in run.intake.districts}
    furong = by_district["芙蓉区"]
    assert [f.file for f in furong.files] == ["2026年芙蓉区节能环保社区申报汇总表.xlsx"]
    frame = run.communities
    rows = frame[frame._file == furong.files[0].file]
    assert furong.communities == len(rows)
    assert furong.fill_date == max(rows.fill_date)  # a workbook's 填报日期 is the latest in it
    deadline = dt.date(YEAR, 9, 30)
    for d in run.intake.districts:
        if d.received:
            assert d.late == (d.fill_date is not None and d.fill_date > deadline)
    assert by_district["开福区"].late and not by_district["芙蓉区"].late  # the sample year's late and punctual ones
    assert sum(d.communities for d in run.intake.districts) == len(frame)


def test_the_programme_districts_of_a_one_tier_year(tmp_path: Path) -> None:
    green = ROOT / "sample_data" / "green"
    done = runner.invoke(app, ["validate", str(green / "submissions"), "--config", str(green / "greencomm.toml"),
                               "-o", "out", "--json"])  # fmt: skip
    intake = json.loads(done.stdout)["intake"]
    assert intake["not_received"] == [] and intake["received"] == 8
    assert [f["file"] for f in intake["other_files"]] == ["市创建办创建活动.xlsx"]  # the city office's own


def test_a_file_that_cannot_be_read_still_counts_as_received_by_its_name(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    write_submission([valid_row()], name="芙蓉区.xlsx", folder=tmp_path / "in")
    (tmp_path / "in" / "天心区申报表.xlsx").write_text("所属区,社区名称\n天心区,某社区\n", encoding="utf-8")
    run = validate([tmp_path / "in"], programme)
    assert run.intake is not None
    tianxin = next(d for d in run.intake.districts if d.district == "天心区")
    assert tianxin.received and tianxin.communities == 0
    assert "天心区" not in run.intake.not_received and "岳麓区" in run.intake.not_received


def test_a_replaced_workbook_is_listed_but_not_counted(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write_submission([valid_row(), valid_row(community="文庙坪社区")], name="芙蓉区v1.xlsx", folder=folder)
    write_submission([valid_row(fill_date=dt.date(YEAR, 10, 8))], name="芙蓉区v2.xlsx", folder=folder)
    run = validate([folder], programme)
    assert run.intake is not None
    furong = run.intake.districts[0]
    assert [(f.file, f.replaced) for f in furong.files] == [("芙蓉区v1.xlsx", True), ("芙蓉区v2.xlsx", False)]
    assert furong.communities == 1 and furong.late and furong.fill_date == dt.date(YEAR, 10, 8)


def test_the_problems_of_a_run_are_the_workbooks_own(write_submission: WriteBook, programme: Programme) -> None:
    """A district not received is the intake's warning, beside the problems: a workbook is not at fault."""
    run = validate([write_submission([valid_row()])], programme)
    assert run.problems == []
    assert run.intake is not None and len(run.intake.problems) == 5


def test_a_workbooks_district_is_one_rule() -> None:
    """Most rows name it (as names are compared); a tie goes to the programme's order, not the rows'."""
    assert workbook_district(["天心区", "芙蓉区", "芙蓉区 "], DISTRICTS) == "芙蓉区"
    assert workbook_district(["天心区", "芙蓉区"], DISTRICTS) == "芙蓉区"
    assert workbook_district(["芙蓉区", "天心区"], DISTRICTS) == "芙蓉区"
    assert workbook_district(["长沙县", "长沙县", "雨花区"], DISTRICTS) == "雨花区"  # 长沙县 is no programme district
    assert workbook_district([None], DISTRICTS, "2026年岳麓区申报表.xlsx") == "岳麓区"
    assert workbook_district([], DISTRICTS, "申报表.xlsx") == ""
