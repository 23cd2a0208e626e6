"""`greencomm diff OLD NEW` on the committed sample year: a rubric whose B1 ramp changed names exactly
the communities whose B1 points moved; a corrected resubmission names the community changed and
those whose rank moved with it; unreadable inputs exit 1 and write nothing. The expected sets are
read from the two workbooks with openpyxl, never from the comparison's own code."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from greencomm.api import diff as api_diff
from greencomm.cli import app
from test_startup import DOCUMENTS, loaded

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
RUBRIC = ROOT / "src" / "greencomm" / "programme" / "rubric.toml"
runner = CliRunner()
WIDE = {"COLUMNS": "250"}  # one table row per community, whatever the test machine's terminal


def _score(submissions: Path, output: Path, *extra: str) -> Path:
    args = ["score", str(submissions), "--reviews", str(SAMPLE / "reviews"), "--register",
            str(SAMPLE / "register.xlsx"), "--year", "2026", "-q", "-o", str(output), *extra]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return output


def _b1_ramp_changed(folder: Path) -> Path:
    """A copy of the built-in rubric with B1's ramp starting at 60% instead of 50%, and settings naming it."""
    text = RUBRIC.read_text(encoding="utf-8")
    changed, n = re.subn(r'(id = "B1"\n(?:.*\n)*?)lo = 50\n', r"\1lo = 60\n", text)
    assert n == 1
    (folder / "changed.toml").write_text(changed, encoding="utf-8")
    (folder / "x.toml").write_text('rubric = "changed.toml"\n', encoding="utf-8")
    return folder / "x.toml"


def _summary(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """评分汇总 as openpyxl reads it: (所属区, 社区名称) → header → value."""
    sheet = openpyxl.load_workbook(path, read_only=True)["评分汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    return {(r[2], r[4]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _column(row: dict[str, Any], item: str) -> str:
    return next(h for h in row if isinstance(h, str) and h.startswith(f"{item} "))


def _moved(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, str]]:
    """Communities whose rank, district rank or status differs between the workbooks."""
    return {k for k in old if any(old[k][h] != new[k][h] for h in ("全市排名", "区内排名", "结果"))}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample year scored three ways: as it is, under a changed B1 ramp, and with one
    community's workbook corrected (B1 raised to 100%)."""
    folder = tmp_path_factory.mktemp("diff")
    old = _score(SAMPLE / "submissions", folder / "old.xlsx")
    rubric = _score(SAMPLE / "submissions", folder / "new.xlsx", "--config", str(_b1_ramp_changed(folder)))
    # the corrected resubmission: the community ranked lowest among those with B1 to gain
    rows = _summary(old)
    b1 = _column(next(iter(rows.values())), "B1")
    target = max((k for k, r in rows.items() if _cents(r[b1]) <= 3), key=lambda k: rows[k]["全市排名"])
    # the scored workbook carries the submissions as read (申报汇总表, canonical headers): corrected there
    book = openpyxl.load_workbook(old)
    sheet = book["申报汇总表"]
    at = {c.value: c.column for c in sheet[1]}
    b1_col = next(col for h, col in at.items() if isinstance(h, str) and h.startswith("B1 "))
    (row,) = [r for r in range(2, sheet.max_row + 1)
              if (sheet.cell(r, at["所属区"]).value, sheet.cell(r, at["社区名称"]).value) == target]  # fmt: skip
    sheet.cell(row, b1_col).value = "100%"
    book.save(folder / "resubmitted.xlsx")
    corrected = _score(folder / "resubmitted.xlsx", folder / "corrected.xlsx")
    return {"old": old, "rubric": rubric, "corrected": corrected, "target": target}


def _diff(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["diff", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


# ---------------------------------------------------------------- acceptance
def test_a_changed_b1_ramp_names_exactly_the_communities_whose_b1_moved(year: dict[str, Any]) -> None:
    old, new = _summary(year["old"]), _summary(year["rubric"])
    b1 = _column(next(iter(old.values())), "B1")
    expected = {k for k in old if _cents(old[k][b1]) != _cents(new[k][b1])}
    assert len(expected) > 10  # the ramp change does move many communities

    doc = _diff(str(year["old"]), str(year["rubric"]))
    with_items = {(c["district"], c["community"]): c for c in doc["changed"] if c["items"]}
    assert set(with_items) == expected
    for key, change in with_items.items():
        assert set(change["items"]) == {"B1"}
        assert _cents(change["items"]["B1"]["old"]) == _cents(old[key][b1])
        assert _cents(change["items"]["B1"]["new"]) == _cents(new[key][b1])
        assert change["total"]["delta"] == change["items"]["B1"]["delta"]
        assert (change["total"]["old"], change["total"]["new"]) == (old[key]["总分"], new[key]["总分"])
        assert (change["rank"]["old"], change["rank"]["new"]) == (old[key]["全市排名"], new[key]["全市排名"])
        assert (change["status"]["old"], change["status"]["new"]) == (old[key]["结果"], new[key]["结果"])
        assert set(change["categories"]) == {"B"}
    others = {(c["district"], c["community"]) for c in doc["changed"] if not c["items"]}
    assert others == _moved(old, new) - expected
    assert all(c["with_others"] for c in doc["changed"] if not c["items"])
    assert doc["unchanged"] == len(old) - len(doc["changed"]) and doc["added"] == doc["removed"] == []

    text = runner.invoke(app, ["diff", str(year["old"]), str(year["rubric"])], env=WIDE)
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    for district, community in expected:
        (line,) = [x for x in lines if f"{district} {community} " in x]
        assert re.search(r"B1 [+−]\d+\.\d\d", line), line
    for district, community in others:
        (line,) = [x for x in lines if f"{district} {community} " in x]
        assert "排名随他人变化" in line and "B1" not in line


def test_a_corrected_resubmission_names_it_and_those_whose_rank_moved(year: dict[str, Any]) -> None:
    old, new = _summary(year["old"]), _summary(year["corrected"])
    target = year["target"]
    doc = _diff(str(year["old"]), str(year["corrected"]))
    listed = {(c["district"], c["community"]): c for c in doc["changed"]}
    assert set(listed) == _moved(old, new) | {target}
    assert len(listed) > 1  # someone's rank did move with it
    assert set(listed[target]["items"]) == {"B1"} and listed[target]["items"]["B1"]["delta"] > 0
    assert doc["changed"][0]["community"] == target[1]  # the largest move first
    for key, change in listed.items():
        if key != target:
            assert change["items"] == {} and change["total"]["delta"] == 0 and change["with_others"]

    english = runner.invoke(app, ["diff", str(year["old"]), str(year["corrected"]), "--lang", "en"], env=WIDE)
    assert english.exit_code == 0
    assert "rank moved with others" in english.stdout and "排名随他人变化" not in english.stdout


def test_json_is_exactly_the_python_api(year: dict[str, Any]) -> None:
    doc = _diff(str(year["old"]), str(year["rubric"]))
    assert doc == json.loads(json.dumps(api_diff(year["old"], year["rubric"]).to_json(), ensure_ascii=False))
    numbers = [v for c in doc["changed"] for p in (c["total"], *c["items"].values()) for v in p.values()]
    assert all(round(v, 2) == v for v in numbers)


def test_a_workbook_compared_with_itself_has_no_change(year: dict[str, Any]) -> None:
    doc = _diff(str(year["old"]), str(year["old"]))
    assert doc["changed"] == [] and doc["unchanged"] == len(_summary(year["old"]))
    text = runner.invoke(app, ["diff", str(year["old"]), str(year["old"])])
    assert text.exit_code == 0 and "两份评分结果没有差别" in text.stdout


def test_the_comparison_workbook(year: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "对比.xlsx"
    result = runner.invoke(app, ["diff", str(year["old"]), str(year["corrected"]), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["变化", "项目变化", "新增", "删除", "说明"]
    changed = list(book["变化"].iter_rows(values_only=True))
    doc = _diff(str(year["old"]), str(year["corrected"]))
    assert [r[1] for r in changed[1:]] == [c["community"] for c in doc["changed"]]
    assert changed[1][11].startswith("B1 +") and changed[2][11] == "排名随他人变化"
    items = list(book["项目变化"].iter_rows(values_only=True))
    assert items[0] == ("所属区", "社区名称", "编号", "考评项目", "旧", "新", "变化") and len(items) == 2


def test_added_and_removed_communities(year: dict[str, Any], tmp_path: Path) -> None:
    """A workbook with one community taken out and one renamed: 删除 and 新增."""
    book = openpyxl.load_workbook(year["old"])
    sheet = book["评分汇总"]
    gone = (sheet["C3"].value, sheet["E3"].value)
    renamed = (sheet["C4"].value, sheet["E4"].value)
    sheet["E4"] = "新建社区"
    sheet.delete_rows(3)
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    doc = _diff(str(year["old"]), str(edited))
    assert {(e["district"], e["community"]) for e in doc["removed"]} == {gone, renamed}
    assert [(e["district"], e["community"]) for e in doc["added"]] == [(renamed[0], "新建社区")]
    text = runner.invoke(app, ["diff", str(year["old"]), str(edited)], env=WIDE)
    assert "新增（仅在新表）" in text.stdout and "删除（仅在旧表）" in text.stdout


# ---------------------------------------------------------------- inputs that are not scored workbooks
def test_what_is_not_a_scored_workbook_exits_1_naming_it(year: dict[str, Any], tmp_path: Path) -> None:
    rank = tmp_path / "排名.xlsx"
    assert runner.invoke(app, ["rank", str(year["old"]), "--year", "2026", "-q", "-o", str(rank)]).exit_code == 0
    submission = next((SAMPLE / "submissions").glob("*.xlsx"))
    csv = tmp_path / "假的.xlsx"
    csv.write_text("所属区,社区名称\n芙蓉区,韭菜园社区\n", encoding="utf-8")
    out = tmp_path / "对比.xlsx"
    cases = {
        tmp_path / "没有.xlsx": "没有.xlsx: 文件不存在",
        tmp_path: "是文件夹",
        rank: "这是 rank 或 shortlist 写出的工作簿，没有工作表“评分汇总”。请比较 greencomm score … -o 评分结果.xlsx",
        submission: "这是区级申报表，还没有评分",
        csv: "假的.xlsx: 不是 Excel 工作簿",
    }
    for path, message in cases.items():
        result = runner.invoke(app, ["diff", str(year["old"]), str(path), "--json", "-o", str(out)])
        assert result.exit_code == 1, path
        assert message in result.stderr, result.stderr
        assert result.stdout == "" and not out.exists()


def test_a_cell_that_is_not_a_score_is_named_with_file_sheet_and_cell(year: dict[str, Any], tmp_path: Path) -> None:
    book = openpyxl.load_workbook(year["old"])
    sheet = book["评分汇总"]
    headers = [c.value for c in sheet[1]]
    b1 = openpyxl.utils.get_column_letter(headers.index(_column(dict.fromkeys(headers), "B1")) + 1)
    sheet[f"{b1}5"] = "五分"
    sheet["A6"] = None
    sheet["B7"] = "第三"
    bad = tmp_path / "改过.xlsx"
    book.save(bad)
    result = runner.invoke(app, ["diff", str(year["old"]), str(bad), "-o", str(tmp_path / "对比.xlsx")])
    assert result.exit_code == 1
    assert f"改过.xlsx 评分汇总!{b1}5: “{_column(dict.fromkeys(headers), 'B1')}”应为数字，填的是“五分”" in result.stderr
    assert "改过.xlsx 评分汇总!A6: “全市排名”为空" in result.stderr
    assert "改过.xlsx 评分汇总!B7: “区内排名”应为整数，填的是“第三”" in result.stderr
    assert "3 个单元格不是 score 写出的值，未作比较" in result.stderr
    assert not (tmp_path / "对比.xlsx").exists()


def test_a_sheet_without_the_score_columns_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "评分汇总"
    book.active.append(["所属区", "社区名称", "得分"])
    book.active.append(["芙蓉区", "韭菜园社区", 90])
    path = tmp_path / "手工.xlsx"
    book.save(path)
    result = runner.invoke(app, ["diff", str(path), str(path)])
    assert result.exit_code == 1
    assert (
        "手工.xlsx 评分汇总: 不是评分结果工作簿：工作表“评分汇总”缺少列 “全市排名”、“区内排名”、“总分”、“结果”"
        in result.stderr
    )


def test_usage_mistakes_exit_2(year: dict[str, Any]) -> None:
    assert runner.invoke(app, ["diff", str(year["old"])]).exit_code == 2
    assert runner.invoke(app, ["diff", str(year["old"]), str(year["old"]), "--lang", "fr"]).exit_code == 2


def test_the_output_is_never_an_input(year: dict[str, Any]) -> None:
    before = year["old"].read_bytes()
    result = runner.invoke(app, ["diff", str(year["old"]), str(year["rubric"]), "-o", str(year["old"])])
    assert result.exit_code == 1 and year["old"].read_bytes() == before


def test_diff_loads_no_document_library(year: dict[str, Any], tmp_path: Path) -> None:
    code, heavy = loaded(["diff", str(year["old"]), str(year["rubric"]), "-q", "--json"], tmp_path)
    assert code in (0, None) and heavy & DOCUMENTS == set() and "pandas" in heavy


def test_an_item_only_on_one_side_is_shown_as_such() -> None:
    """A rubric that adds an item: its points count as a move, and the item is named as NEW's alone."""
    import pandas as pd
    from rich.console import Console

    from greencomm.judge.compare import compare
    from greencomm.read.results_book import ScoreSheet
    from greencomm.write.comparison import view

    base = {"district": "芙蓉区", "street": "", "community": "韭菜园社区", "rank": 1, "district_rank": 1,
            "status": "节能环保社区", "B1": Decimal("5"), "B": Decimal("5"), "total": Decimal("5")}  # fmt: skip
    old = ScoreSheet(pd.DataFrame([base]), {"B1": "灯具"}, {"B": "节能降耗"})
    added = {**base, "B7": Decimal("1.5"), "B": Decimal("6.5"), "total": Decimal("6.5")}
    new = ScoreSheet(pd.DataFrame([added]), {"B1": "灯具", "B7": "光伏"}, {"B": "节能降耗"})
    console = Console(record=True, width=200)
    console.print(view(compare(old, new), Path("旧.xlsx"), Path("新.xlsx")))
    text = console.export_text()
    assert "韭菜园社区" in text and "5.00 → 6.50" in text and "B7 +1.50" in text
    assert "仅在新表的项目: B7 光伏" in text
