"""Ordinary mistakes — by districts, reviewers and clerks — never give a wrong title, wrong money or a
crash. Each input is built here, the way a district or a clerk would produce it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import YEAR, WriteBook, valid_row
from greencomm.api import evaluate, validate
from greencomm.cli import app
from greencomm.programme import Programme
from make_corpus import rewrite_part, with_shared_strings

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
FINAL = [str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"), "--year", "2026"]
DEMO = "节能环保示范社区"
# every item at its maximum, as a district types it: total 100, every category full
FULL: dict[str, Any] = {
    **{"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "D2": 0, "D3": 0, "E2": 6, "E3": 300},
    **{"B1": "100%", "B5": "60%", "C1": "90%", "C3": "100%", "C4": "90%", "D1": "35%", "E5": "90%", "E6": "95%"},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}


def full_row(**overrides: Any) -> dict[str, Any]:
    return valid_row(**{**FULL, **overrides})


def letter(programme: Programme, key: str) -> str:
    from openpyxl.utils import get_column_letter

    from greencomm.programme.layouts import submission_columns

    return get_column_letter([c.key for c in submission_columns(programme)].index(key) + 1)


# ---------------------------------------------------------------- 0, 8: a wrong or blank cell scores 0
WRONG = [  # (item, kind, a wrong value, the problem it is)
    ("A1", "bool", "也许", "invalid-yes-no"),
    ("A2", "review", 5, "number-out-of-range"),  # 自评分 above its maximum 3
    ("A6", "ramp count", -1, "negative-number"),
    ("B1", "ramp percent", "150%", "percent-out-of-range"),
    ("B2", "levels", "很多", "invalid-choice"),
    ("B6", "per_unit", "两种", "not-an-integer"),
    ("D2", "deduct", 1.5, "not-an-integer"),
    ("E3", "ramp ratio", "许多", "not-an-integer"),
    ("F1", "review", "优", "not-a-number"),
]


@pytest.mark.parametrize(("item", "kind", "wrong", "code"), WRONG, ids=[w[1] + " " + w[0] for w in WRONG])
@pytest.mark.parametrize("blank", [True, False], ids=["blank", "wrong"])
def test_a_blank_or_wrong_item_cell_scores_nothing_and_is_named(
    write_submission: WriteBook, programme: Programme, item: str, kind: str, wrong: Any, code: str, blank: bool
) -> None:
    """Never full marks for a blank yes/no, never a crash for a blank 自评分: 0 points, and the cell
    named, end to end."""
    path = write_submission([full_row(community="甲社区", **{item: None if blank else wrong})], title=False)
    results = evaluate([path], programme)
    row = results.table.index[0]
    assert results.scores.points.loc[row, item] == 0
    assert results.scores.point(row, item).shown == "（无有效值）"
    cell = f"{letter(programme, item)}2"
    assert [(p.code, p.cell) for p in results.problems if p.is_error] == [("missing-value" if blank else code, cell)]
    assert results.table.total[row] < 100


def test_the_flawed_sample_is_scored_and_every_planted_problem_named(tmp_path: Path) -> None:
    out = tmp_path / "评分结果.xlsx"
    result = runner.invoke(app, ["score", str(SAMPLE / "flawed"), "--year", "2026", "-o", str(out), "--json"])
    assert result.exit_code == 1, result.output
    assert out.exists() and "内部错误" not in result.stderr
    found = {(p["file"], p["cell"], p["code"]) for p in json.loads(result.stdout)["problems"]}
    planted = json.loads((SAMPLE / "flawed" / "planted.json").read_text(encoding="utf-8"))
    assert {(p["file"], p["cell"], p["code"]) for p in planted} <= found


# ---------------------------------------------------------------- 1: the year's own titles
def test_the_years_own_titles_in_the_register_block_nothing(tmp_path: Path) -> None:
    """December: shortlist with the register, add the titles to it, shortlist again (or report):
    nothing changes."""
    register = tmp_path / "历年命名名录.xlsx"
    register.write_bytes((SAMPLE / "register.xlsx").read_bytes())
    args = [*FINAL, "--register", str(register), "--json", "-q"]
    first = runner.invoke(app, ["shortlist", *args, "-o", str(tmp_path / "名单.xlsx")])
    assert first.exit_code == 0, first.stderr
    added = runner.invoke(app, ["register", "add", str(tmp_path / "名单.xlsx"), "--register", str(register),
                                "--year", "2026"])  # fmt: skip
    assert added.exit_code == 0, added.stderr
    again = runner.invoke(app, ["shortlist", *args, "-o", str(tmp_path / "名单2.xlsx")])
    assert again.exit_code == 0, again.stderr

    def statuses(doc: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
        communities = json.loads(doc)["communities"]
        return {(c["district"], c["community"]): (c["status"], c["eligibility"]) for c in communities}

    assert statuses(again.stdout) == statuses(first.stdout)
    assert json.loads(again.stdout)["money"] == json.loads(first.stdout)["money"]


# ---------------------------------------------------------------- 2: duplicates take no place
def test_a_duplicate_takes_no_place_no_rank_and_no_money(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    rows = [full_row(community="甲社区", target=DEMO), full_row(community="乙社区", target=DEMO)]
    rows.append(full_row(community="甲社区", target=DEMO, seq=3))  # typed twice in the district's list
    path = write_submission(rows, title=False)
    results = evaluate([path], programme)
    assert sorted(results.table.community) == ["乙社区", "甲社区"]  # the later copy is not judged
    assert results.money()["demonstrations"] == 0  # before review: nobody is paid
    assert [(p.code, p.cell) for p in results.problems if p.is_error] == [("duplicate-community", "D4")]
    assert sorted(results.table["rank"]) == [1, 1]


def test_a_document_is_not_written_from_errors_that_change_the_lists(
    write_submission: WriteBook, tmp_path: Path
) -> None:
    rows = [full_row(community=f"{n}号社区", target=DEMO) for n in range(3)]
    rows.append(full_row(community="0号社区", target=DEMO))
    path = write_submission(rows, title=False)
    reviews = _reviews(tmp_path / "评审.xlsx", [r["community"] for r in rows[:3]])
    args = [str(path), "--reviews", str(reviews), "--year", "2026"]
    for command in ("publicize", "report"):
        out = tmp_path / command
        result = runner.invoke(app, [command, *args, "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert "duplicate-community" in result.stderr and "会改变名单" in result.stderr
        assert not out.exists(), "nothing is written"
    # an error no rule reads (a phone number) changes no list: the notice is written
    rows = [full_row(community=f"{n}号社区", target=DEMO, phone="123") for n in range(3)]
    path = write_submission(rows, name="b.xlsx", title=False)
    result = runner.invoke(app, ["publicize", str(path), "--reviews", str(reviews), "--year", "2026",
                                 "-o", str(tmp_path / "ok")])  # fmt: skip
    assert result.exit_code == 1 and "invalid-phone" in result.stderr  # still an error to fix
    assert (tmp_path / "ok" / "2026年节能环保社区拟命名名单公示.docx").exists()


def _reviews(path: Path, communities: list[str], district: str = "芙蓉区") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"])
    for who in ("王", "李", "张"):
        for name in communities:
            sheet.append([who, "市直", district, name, 3, 3, 3, 6])
    book.save(path)
    return path


# ---------------------------------------------------------------- 3: resubmissions
def test_three_versions_of_one_workbook_title_each_community_once(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    """芙蓉区v1, v2 and 终版: the newest stands whole (the later 填报日期, then the later save); the
    run says which replaced which; each community is judged, ranked and paid once."""
    inbox = tmp_path / "收件箱"
    names = [f"{n}号社区" for n in range(4)]
    versions = [
        ("芙蓉区v1.xlsx", dt.date(YEAR, 9, 10), "80%"),
        ("芙蓉区v2.xlsx", dt.date(YEAR, 9, 20), "85%"),
        ("芙蓉区终版.xlsx", dt.date(YEAR, 9, 20), "90%"),  # the same day as v2, saved later
    ]
    for n, (name, filled, b5) in enumerate(versions):
        rows = [full_row(community=c, target=DEMO, fill_date=filled, B5=b5) for c in names]
        path = write_submission(rows, name=name, folder=inbox)
        os.utime(path, (1_800_000_000 + n, 1_800_000_000 + n))
    results = evaluate([inbox], programme, reviews=[_reviews(tmp_path / "评审.xlsx", names)])
    assert sorted(results.table.community) == names
    assert results.table.status.tolist() == ["示范社区"] * 4
    money = results.money()
    assert (money["demonstrations"], money["total"]) == (4, 4 * programme.settings.amount_per_demonstration)
    assert set(results.frame._file) == {"芙蓉区终版.xlsx"}
    assert results.scores.points.B5.tolist() == [3] * 4  # 90%: the final version's values
    replaced = {(p.file, p.params["newer"]) for p in results.problems if p.code == "superseded-workbook"}
    assert replaced == {("芙蓉区v1.xlsx", "芙蓉区终版.xlsx"), ("芙蓉区v2.xlsx", "芙蓉区终版.xlsx")}
    assert not [p for p in results.problems if p.is_error]


def test_our_annotated_copy_sent_back_corrected_replaces_the_original(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    inbox = tmp_path / "收件箱"
    original = write_submission([full_row(occupancy="150%")], name="芙蓉区.xlsx", folder=inbox)
    run = validate([inbox], programme, output=tmp_path / "校验结果")
    copy = run.written[original]
    book = openpyxl.load_workbook(copy)  # the district corrects the coloured cell and sends the copy back
    book["申报汇总表"][f"{letter(programme, 'occupancy')}3"] = "95%"
    book.save(inbox / copy.name)
    os.utime(original, (1_700_000_000, 1_700_000_000))  # saved before the copy came back
    results = evaluate([inbox], programme)
    assert set(results.frame._file) == {copy.name} and not results.has_errors
    assert [p.code for p in results.problems] == ["superseded-workbook"]


def test_two_parts_of_one_districts_list_both_stand(write_submission: WriteBook, programme: Programme) -> None:
    first = write_submission([full_row(community="甲社区")], name="芙蓉区（一）.xlsx")
    second = write_submission([full_row(community="乙社区")], name="芙蓉区（二）.xlsx")
    results = evaluate([first, second], programme)
    assert sorted(results.table.community) == ["乙社区", "甲社区"] and results.problems == []


# ---------------------------------------------------------------- 4: invisible characters
@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u200e", "\u202e"])
def test_invisible_characters_in_a_name_are_taken_out_and_said(
    write_submission: WriteBook, programme: Programme, mark: str
) -> None:
    rows = [full_row(community="韭菜园社区"), full_row(community=f"韭菜{mark}园社区")]
    results = evaluate([write_submission(rows, title=False)], programme)
    assert results.table.community.tolist() == ["韭菜园社区"]  # one community, judged once
    # the copy with the mark is the same community typed twice: said at its cell, and not judged
    assert {(p.code, p.cell) for p in results.problems} == {("format-characters", "D3"), ("duplicate-community", "D3")}
    assert all(mark not in str(v) for v in results.table.community)


# ---------------------------------------------------------------- 5: the right cells
def test_empty_rows_above_the_header_shift_no_address(programme: Programme, tmp_path: Path) -> None:
    from greencomm.programme.layouts import submission_columns

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报汇总表"
    for r in range(1, 46):  # 45 empty rows, each written out (a height was set on it)
        sheet.row_dimensions[r].height = 18
    columns = submission_columns(programme)
    for c, col in enumerate(columns, start=1):
        sheet.cell(46, c, col.header)
        sheet.cell(47, c, valid_row(occupancy="150%").get(col.key))
    sheet.merge_cells("B48:B49")
    path = tmp_path / "芙蓉区.xlsx"
    book.save(path)
    found = {(p.code, p.cell) for p in validate([path], programme).problems}
    assert ("percent-out-of-range", f"{letter(programme, 'occupancy')}47") in found


def _prefixed(xml: str) -> str:
    """The sheet as the .NET Open XML SDK writes it: every element with the prefix x:."""
    xml = xml.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                      'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')  # fmt: skip
    return re.sub(r"<(/?)(?!\?)([A-Za-z]+)([\s>/])", r"<\1x:\2\3", xml)


def test_a_sheet_written_with_a_namespace_prefix_shows_its_cells(
    write_submission: WriteBook, programme: Programme
) -> None:
    path = write_submission([valid_row(seq=n, community=f"{n}号社区") for n in range(1, 4)])
    book = openpyxl.load_workbook(path)
    book["申报汇总表"].merge_cells("B3:B4")
    book["申报汇总表"][f"{letter(programme, 'households')}5"] = "=1/0"
    book.save(path)
    path = rewrite_part(path, "xl/worksheets/sheet1.xml", _prefixed)
    assert "<x:c " in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    found = {(p.code, p.cell) for p in validate([path], programme).problems}
    assert ("merged-cells", "B3") in found
    assert ("formula-not-calculated", f"{letter(programme, 'households')}5") in found


def test_a_far_cell_in_single_quotes_is_refused(write_submission: WriteBook, programme: Programme) -> None:
    far = "<row r='5'><c r='XFD5'><v>1</v></c></row></sheetData>"
    path = rewrite_part(
        write_submission([valid_row()]), "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", far)
    )
    [problem] = [p for p in validate([path], programme).problems if p.is_error]
    assert (problem.code, problem.cell) == ("sheet-too-large", "XFD5")


# ---------------------------------------------------------------- 6: the sheet a person sees
def test_the_visible_sheet_is_read_not_last_years_hidden_one(programme: Programme, tmp_path: Path) -> None:
    from greencomm.programme.layouts import submission_columns

    book = openpyxl.Workbook()
    old = book.active
    assert old is not None
    old.title = "申报汇总表"  # last year's, hidden
    new = book.create_sheet("2026年")
    for sheet, name in ((old, "去年社区"), (new, "今年社区")):
        sheet.append([c.header for c in submission_columns(programme)])
        sheet.append([valid_row(community=name).get(c.key) for c in submission_columns(programme)])
    old.sheet_state = "hidden"
    book.active = 1
    path = tmp_path / "芙蓉区.xlsx"
    book.save(path)
    run = validate([path], programme)
    assert run.communities.community.tolist() == ["今年社区"] and run.problems == []


# ---------------------------------------------------------------- 7: a year in a date-formatted cell
def test_a_year_typed_into_a_date_cell_is_that_year(write_submission: WriteBook, programme: Programme,
                                                    tmp_path: Path) -> None:  # fmt: skip
    path = write_submission([valid_row(district_title_year=2018, city_title="节能环保社区", city_title_year=2027)])
    book = openpyxl.load_workbook(path)
    for key in ("district_title_year", "city_title_year"):
        book["申报汇总表"][f"{letter(programme, key)}3"].number_format = "yyyy-mm-dd"  # shown as 1905-07-…
    book.save(path)
    results = evaluate([path], programme)
    assert results.table.district_title_year.tolist() == [2018]
    [future] = [p for p in results.problems if p.code == "year-in-future"]
    assert str(future.value) == "2027"
    out = tmp_path / "评分结果.xlsx"
    runner.invoke(app, ["score", str(path), "--year", "2026", "-o", str(out)])
    listed = openpyxl.load_workbook(out)["问题清单"]
    values = [row[6] for row in listed.iter_rows(min_row=2, values_only=True) if row[4] == "year-in-future"]
    assert values == ["2027"] or values == [2027]


# ---------------------------------------------------------------- 9: a damaged part is that file's problem
DAMAGE = {
    "core-date": ("docProps/core.xml", lambda xml: re.sub(r"(<dcterms:created[^>]*>)[^<]*", r"\g<1>2026年9月1日", xml)),
    "no-styles": ("xl/styles.xml", None),
    "bad-styles": ("xl/styles.xml", lambda xml: xml[: len(xml) // 2]),
    "nul-in-strings": ("xl/sharedStrings.xml", lambda xml: xml.replace("</t>", "\x00</t>", 1)),
}


def _damaged(path: Path, part: str, change: Any) -> Path:
    if change is not None:
        return rewrite_part(path, part, change)
    source = zipfile.ZipFile(path)
    kept = {i.filename: source.read(i.filename) for i in source.infolist() if i.filename != part}
    source.close()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in kept.items():
            out.writestr(name, data)
    return path


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_part_is_that_files_problem_and_the_batch_goes_on(
    write_submission: WriteBook, tmp_path: Path, damage: str
) -> None:
    inbox = tmp_path / "收件箱"
    write_submission([valid_row(occupancy="150%")], name="a好的.xlsx", folder=inbox)
    bad = with_shared_strings(write_submission([valid_row(district="天心区", occupancy="150%")], name="b坏的.xlsx",
                                               folder=inbox))  # fmt: skip
    write_submission([valid_row(district="岳麓区", occupancy="150%")], name="c好的.xlsx", folder=inbox)
    _damaged(bad, *DAMAGE[damage])
    out = tmp_path / "校验结果"
    result = runner.invoke(app, ["validate", str(inbox), "--year", "2026", "--json", "-o", str(out)])
    assert result.exit_code == 1 and "内部错误" not in result.stderr, result.stderr
    doc = json.loads(result.stdout)
    annotated = {Path(f["file"]).name: f["annotated"] for f in doc["files"]}
    assert annotated["a好的.xlsx"] and annotated["c好的.xlsx"]
    assert any(p["file"] == "b坏的.xlsx" for p in doc["problems"])
    assert (out / "问题清单.xlsx").exists()


# ---------------------------------------------------------------- 14: small ones
def test_a_lone_lock_file_is_nothing_read(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "~$芙蓉区.xlsx").write_bytes(b"\x00lock")
    result = runner.invoke(app, ["validate", str(inbox), "--year", "2026", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "没有找到可读取的工作簿" in result.stderr


def test_quiet_hides_progress_not_errors(write_submission: WriteBook, tmp_path: Path) -> None:
    path = write_submission([valid_row(occupancy="150%")])
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "-q", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "percent-out-of-range" in result.stderr
    assert "校验结果" not in result.stderr  # the summary table is what -q hides


def test_an_output_written_into_the_inbox_is_not_read_back(write_submission: WriteBook, tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    write_submission([valid_row()], folder=inbox)
    first = runner.invoke(app, ["score", str(inbox), "--year", "2026", "--json", "-o", str(inbox / "评分结果.xlsx")])
    assert first.exit_code == 0, first.stderr
    validated = runner.invoke(app, ["validate", str(inbox), "--year", "2026", "-o", str(inbox)])  # 问题清单 too
    again = runner.invoke(app, ["score", str(inbox), "--year", "2026", "--json", "-o", str(tmp_path / "again.xlsx")])
    assert validated.exit_code == 0 and again.exit_code == 0, again.stderr
    doc = json.loads(again.stdout)
    assert len(doc["communities"]) == 1
    assert {(p["file"], p["code"]) for p in doc["problems"]} <= {
        ("评分结果.xlsx", "own-output-skipped"),
        ("问题清单.xlsx", "own-output-skipped"),
    }
    assert ("评分结果.xlsx", "own-output-skipped") in {(p["file"], p["code"]) for p in doc["problems"]}


def test_a_first_years_register_is_created_and_said_so(tmp_path: Path) -> None:
    register = tmp_path / "历年命名名录.xlsx"
    shortlist = runner.invoke(app, ["shortlist", *FINAL, "--register", str(register), "-o", str(tmp_path / "名单.xlsx"),
                                    "--json"])  # fmt: skip
    assert shortlist.exit_code == 0, shortlist.stderr
    assert "register-not-found" in shortlist.stderr and "请另存为" not in shortlist.stderr
    added = runner.invoke(app, ["register", "add", str(tmp_path / "名单.xlsx"), "--register", str(register),
                                "--year", "2026"])  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "已新建历年命名名录" in added.stderr and "None" not in added.stderr
