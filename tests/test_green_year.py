"""The 绿色社区 sample year (sample_data/green/): a one-tier programme run from its settings alone.

The committed files are what the generator writes; the workbooks, read here with openpyxl and not
with greencomm's reader, hold what designed.json says; and greencomm's commands give exactly the
outcome designed.json computed from docs/rules.md: every status, reason and total, the notice.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from greencomm.cli import app
from greencomm.programme import load_programme
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    activity_columns,
    review_columns,
    submission_columns,
)
from greencomm.read import values
from greencomm.read.tables import parse_cell

ROOT = Path(__file__).resolve().parents[1]
GREEN = ROOT / "sample_data" / "green"
YEAR = 2026
CONFIG = ["--config", str(GREEN / "greencomm.toml"), "--year", str(YEAR)]
DESIGNED = json.loads((GREEN / "designed.json").read_text("utf-8"))
COMMUNITIES = DESIGNED["communities"]
PROGRAMME = load_programme(GREEN / "greencomm.toml", YEAR)
TITLE = PROGRAMME.title
CITY_WORKBOOK = "市创建办创建活动.xlsx"
runner = CliRunner()


def key(district: str, community: str) -> tuple[str, str]:
    return values.clean_text(district), values.clean_text(community)


DESIGN = {key(c["district"], c["community"]): c for c in COMMUNITIES}


# ---------------------------------------------------------------- the generated files are current
def workbooks(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.xlsx"))


def sheet_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(path).worksheets}


def test_regenerating_gives_the_committed_files(tmp_path: Path) -> None:
    script = ROOT / "sample_data" / "generate_green.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    assert workbooks(tmp_path) == workbooks(GREEN)
    for rel in workbooks(GREEN):
        assert sheet_values(tmp_path / rel) == sheet_values(GREEN / rel), rel
    for name in ("greencomm.toml", "designed.json", "年度总结素材.md"):
        assert (tmp_path / name).read_text("utf-8") == (GREEN / name).read_text("utf-8"), name
    assert not (GREEN / "register.xlsx").exists()  # the programme's first year: no earlier titles


def test_the_settings_are_a_one_tier_programme() -> None:
    settings = PROGRAMME.settings
    assert (TITLE, settings.city, settings.year) == ("绿色社区", "广州市", YEAR)
    assert not PROGRAMME.two_tier and PROGRAMME.targets == ("绿色社区",)
    assert settings.payers == []
    assert settings.districts == ["东山区", "越秀区", "荔湾区", "海珠区", "天河区", "黄埔区", "白云区", "芳村区"]
    units = {a.name: a.unit for a in settings.activity_types}
    assert units == {"培训": "人次", "讲座": "人次", "交流": "人次", "宣传海报": "张", "其他": "人次"}
    result = runner.invoke(app, ["rubric", *CONFIG])
    assert result.exit_code == 0, result.stderr


# ---------------------------------------------------------------- reading the workbooks with openpyxl


def find_header(ws: Worksheet, columns: tuple[Column, ...]) -> tuple[int, dict[int, Column]]:
    """The header row (1-based) and the column each header cell names (0-based index)."""
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        found = {j: col for j, cell in enumerate(row) if cell is not None for col in columns
                 if header_base(str(cell)) in col.accepted}  # fmt: skip
        if len(found) >= 4:
            return r, found
    raise AssertionError(f"no header row in {ws.title}")


def parse(col: Column, raw: object) -> object:
    if values.is_blank(raw):
        assert not col.value_required, col.header
        return None
    value, problem = parse_cell(col, raw)
    assert problem is None, (col.header, raw, problem)
    return value


def table(ws: Worksheet, columns: tuple[Column, ...]) -> Iterator[tuple[dict[str, object], dict[str, str]]]:
    """Each row as ({column key: value}, {column key: A1 cell})."""
    header, found = find_header(ws, columns)
    for row in ws.iter_rows(min_row=header + 1):
        if all(values.is_blank(c.value) for c in row):
            continue
        yield ({col.key: parse(col, row[j].value) for j, col in found.items()},
               {col.key: row[j].coordinate for j, col in found.items()})  # fmt: skip


def submissions() -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    out = []
    for rel in workbooks(GREEN / "submissions"):
        book = load_workbook(GREEN / "submissions" / rel)
        if SUBMISSION_SHEET in book.sheetnames:
            out += [(rel.name, row, cells) for row, cells in table(book[SUBMISSION_SHEET], SUBMISSION_COLUMNS)]
    return out


SUBMISSION_COLUMNS = submission_columns(PROGRAMME)
ROWS = submissions()


def rule_codes(row: dict[str, Any]) -> list[str]:
    """docs/rules.md#vetoes and #eligibility, applied to a row as read (a first year: no Q3)."""
    checks = {
        "V1": row["occupancy"] < 60,
        "V2": row["penalty"],
        "V3": row["complaints_closed"] < row["complaints"],
        "V4": row["incident"],
        "V5": row["E6"] < 60,
        "Q1": row["district"] not in PROGRAMME.settings.districts,
        "Q2": row["district_title_year"] is None or row["district_title_year"] > YEAR,
        "Q4": row["recommendation"] != "同意推荐",
    }
    return [code for code, hit in checks.items() if hit]


def test_the_workbooks_hold_the_designed_communities() -> None:
    assert 40 <= len(ROWS) <= 50
    assert sorted(key(r["district"], r["community"]) for _, r, _ in ROWS) == sorted(DESIGN)
    for file, row, _ in ROWS:
        design = DESIGN[key(row["district"], row["community"])]
        assert (file, values.clean_text(row["street"]), row["community_type"]) == (
            design["file"], design["street"], design["community_type"])  # fmt: skip
        assert rule_codes(row) == [c for c in design["reasons"] if c[0] in "VQ"], design["community"]
        assert row["city_title"] == "无" and row["city_title_year"] is None  # the first year
        assert row.get("target") in (None, TITLE)
        if row.get("self_total") is not None:
            assert f"{row['self_total']:.2f}" == design["self_total"], design["community"]
    # one title, nothing to choose: some districts leave 申报类别 out, others fill it in
    with_target = {file for file, row, _ in ROWS if "target" in row}
    assert 0 < len(with_target) < len({file for file, _, _ in ROWS})
    assert Counter(r["district"] for _, r, _ in ROWS) == Counter(c["district"] for c in COMMUNITIES)


def test_the_designed_outcome_has_every_kind_of_failure() -> None:
    counts = Counter(c["status"] for c in COMMUNITIES)
    assert counts == {TITLE: 31, "未通过": len(COMMUNITIES) - 31} == DESIGNED["counts"]
    reasons = Counter(code for c in COMMUNITIES for code in c["reasons"])
    assert reasons["V1"] >= 2 and reasons["V2"] >= 1 and reasons["V3"] >= 1
    assert reasons["Q2"] >= 1 and reasons["Q4"] >= 1 and reasons["below-pass"] >= 3
    reviewed_below = [c for c in COMMUNITIES if c["reviewed"] and c["status"] == "未通过"]
    assert len(reviewed_below) >= 3 and all(c["reasons"] == ["below-pass"] for c in reviewed_below)
    assert {c["total"]: c["status"] for c in COMMUNITIES if c["total"] in ("80.00", "79.99")} == {
        "80.00": TITLE, "79.99": "未通过"}  # fmt: skip
    # the communities the narrative names are titled
    narrative = (GREEN / "年度总结素材.md").read_text("utf-8")
    for name in ("侨苑社区", "小东园社区", "华颖花园社区", "都府社区", "港海社区", "聚龙社区"):
        assert name in narrative and [c["status"] for c in COMMUNITIES if c["community"] == name] == [TITLE]


def test_every_eligible_applicant_is_inspected_by_its_team() -> None:
    """Each designed-reviewed community has a row from every reviewer of one team and nobody
    else; a reviewer's rows for the own district are blank (回避) but one, filled in all the
    same; one other score is blank, the planted warning."""
    rows = []
    for rel in workbooks(GREEN / "reviews"):
        ws = load_workbook(GREEN / "reviews" / rel)[REVIEW_SHEET]
        rows += [(rel.name, row, cells) for row, cells in table(ws, review_columns(PROGRAMME))]
    by_community: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _, row, _ in rows:
        by_community.setdefault(key(row["district"], row["community"]), []).append(row)
    assert set(by_community) == {k for k, c in DESIGN.items() if c["reviewed"]}
    assert {k for k, c in DESIGN.items() if c["reviewed"]} == {
        k for k, c in DESIGN.items() if c["before_review"]["status"] == "推荐现场评审"}  # fmt: skip
    items = [i.id for i in PROGRAMME.rubric.review_items]
    recused_filled, blanks = [], []
    for (district, community), lines in by_community.items():
        assert len(lines) == 5 and len({line["reviewer"] for line in lines}) == 5, community
        for line in lines:
            scores = [line[i] for i in items]
            if line["reviewer_district"] == district:
                if any(s is not None for s in scores):
                    recused_filled.append(community)
            else:
                blanks += [(community, i) for i, s in zip(items, scores, strict=True) if s is None]
    assert len(recused_filled) == 1 and DESIGN[key("东山区", recused_filled[0])]["status"] == "未通过"
    assert len(blanks) == 1 and "blank-score" in next(c["cases"] for c in COMMUNITIES if c["community"] == blanks[0][0])
    teams = Counter(line["reviewer_district"] for _, line, _ in rows)
    assert teams["市直"] > 0 and len(teams) >= 5  # city-level experts and several districts


def test_the_activities_are_the_years_as_the_source_counts_them() -> None:
    found: list[tuple[str, dict[str, Any]]] = []
    for rel in workbooks(GREEN / "submissions"):
        book = load_workbook(GREEN / "submissions" / rel)
        assert ACTIVITY_SHEET in book.sheetnames, rel
        if rel.name == CITY_WORKBOOK:
            assert book.sheetnames == [ACTIVITY_SHEET]  # the city office's own: no 申报汇总表
        found += [(rel.name, row) for row, _ in table(book[ACTIVITY_SHEET], activity_columns(PROGRAMME))]
    totals = {}
    for kind in PROGRAMME.settings.activity_types:
        rows = [row for _, row in found if row["type"] == kind.name]
        counted = [row["participants" if kind.counts_people else "quantity"] for row in rows]
        totals[kind.name] = {"batches": len(rows), "count": sum(n for n in counted if n is not None),
                             "unknown": counted.count(None), "unit": kind.unit}  # fmt: skip
    assert totals == DESIGNED["activities"]
    assert totals["培训"]["batches"] == 9 and 500 <= totals["培训"]["count"] < 600
    assert totals["讲座"]["batches"] == 23 and 900 <= totals["讲座"]["count"] < 1000
    posters = [row for file, row in found if row["type"] == "宣传海报"]
    assert [(p["quantity"], p["participants"]) for p in posters] == [(20000, None), (20000, None)]
    meetings = {row["date"].isoformat(): row["participants"] for file, row in found
                if file == CITY_WORKBOOK and row["type"] == "交流"}  # fmt: skip
    assert meetings[f"{YEAR}-04-23"] is None and 90 <= meetings[f"{YEAR}-09-24"] < 100
    assert {file for file, row in found if row["type"] == "培训"} != {CITY_WORKBOOK}  # trainings are the districts'


# ---------------------------------------------------------------- greencomm on the year
def invoke(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, [*args, *CONFIG])
    return result.exit_code, json.loads(result.stdout) if "--json" in args else {}


def reason_codes(record: dict[str, Any]) -> list[str]:
    """The codes of a community's reasons: its vetoes and eligibility, and each other reason by its
    words (a total below the pass level, not inspected); a reason of any other kind is kept whole."""
    codes = [*record["vetoes"], *record["eligibility"]]
    for reason in record["reasons"]:
        if re.fullmatch(r"总分 [\d.]+ 低于 80 分", reason):
            codes.append("below-pass")
        elif reason == "未参加现场评审":
            codes.append("not-reviewed")
        elif not reason.startswith(("一票否决 V", "资格 Q")):
            codes.append(reason)
    return codes


def test_validate_names_exactly_the_planted_problems(tmp_path: Path) -> None:
    status, doc = invoke("validate", str(GREEN / "submissions"), "--reviews", str(GREEN / "reviews"), "--json",
                         "-o", str(tmp_path))  # fmt: skip
    assert status == 0 and doc["errors"] == 0
    assert doc["communities"] == len(COMMUNITIES)
    found = sorted((p["file"], p["sheet"], p["cell"], p["code"]) for p in doc["problems"])
    assert found == sorted((w["file"], w["sheet"], w["cell"], w["code"]) for w in DESIGNED["warnings"])


@pytest.mark.parametrize("reviewed", [False, True], ids=["before-review", "after-review"])
def test_shortlist_gives_the_designed_outcome(tmp_path: Path, reviewed: bool) -> None:
    reviews = ["--reviews", str(GREEN / "reviews")] if reviewed else []
    status, doc = invoke("shortlist", str(GREEN / "submissions"), *reviews, "--json", "-o", str(tmp_path / "名单.xlsx"))
    assert status == 0
    got = {key(c["district"], c["community"]): c for c in doc["communities"]}
    assert set(got) == set(DESIGN)
    for k, design in DESIGN.items():
        record = got[k]
        expected = design if reviewed else design["before_review"]
        total = design["total"] if reviewed else design["self_total"]
        assert (record["status"], sorted(reason_codes(record)), f"{record['total']:.2f}") == (
            expected["status"], sorted(expected["reasons"]), total), design["community"]  # fmt: skip
    counts = DESIGNED["counts"] if reviewed else DESIGNED["counts_before_review"]
    assert doc["counts"] == counts
    assert "money" not in doc  # nobody pays


def test_publicize_lists_every_title_in_district_order(tmp_path: Path) -> None:
    status, _ = invoke("shortlist", str(GREEN / "submissions"), "--reviews", str(GREEN / "reviews"),
                       "-o", str(tmp_path / "名单.xlsx"), "-q")  # fmt: skip
    assert status == 0
    status, _ = invoke("publicize", str(tmp_path / "名单.xlsx"), "--start", f"{YEAR}-12-01",
                       "-o", str(tmp_path / "公示"))  # fmt: skip
    assert status == 0
    (md,) = (tmp_path / "公示").glob("*.md")
    (word,) = (tmp_path / "公示").glob("*.docx")
    text = md.read_text("utf-8")
    listed = re.findall(r"^\| \d+ \| (\S+) \| \S+ \| (.+?) \|$", text, re.M)
    titled = [(c["district"], c["community"]) for c in COMMUNITIES if c["status"] == TITLE]
    assert sorted(listed) == sorted(titled) and len(listed) == 31
    order = PROGRAMME.settings.districts
    assert [order.index(d) for d, _ in listed] == sorted(order.index(d) for d, _ in listed)
    document = docx.Document(str(word))
    words = "\n".join([p.text for p in document.paragraphs]
                      + [cell.text for t in document.tables for row in t.rows for cell in row.cells])  # fmt: skip
    assert all(community in words for _, community in titled)
    for body in (text, words):
        assert "广州市" in body and "广州市环境保护局" in body
        for foreign in ("节能环保", "示范", "xx市", "零元"):
            assert foreign not in body, foreign


# The report's figures are being built and tested with it (tests/test_documents.py); these few
# assertions are this year's: the count of titles, the posters the city office counts in sheets, every
# section written from the narrative file, and no word of the other programme.
def test_report_of_the_year_with_its_narrative(tmp_path: Path) -> None:
    status, _ = invoke("shortlist", str(GREEN / "submissions"), "--reviews", str(GREEN / "reviews"),
                       "-o", str(tmp_path / "名单.xlsx"), "-q")  # fmt: skip
    assert status == 0
    status, _ = invoke("report", str(tmp_path / "名单.xlsx"), "--date", f"{YEAR}-12-20",
                       "--narrative", str(GREEN / "年度总结素材.md"), "-o", str(tmp_path / "年度总结"))  # fmt: skip
    assert status == 0
    (md,) = (tmp_path / "年度总结").glob("*.md")
    text = md.read_text("utf-8")
    assert f"{DESIGNED['counts'][TITLE]}个" in text and "宣传海报2批4万张" in text
    assert "【待填写" not in text
    for foreign in ("节能环保", "示范", "xx市", "零元"):
        assert foreign not in text, foreign
