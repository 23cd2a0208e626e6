"""greencomm recheck (docs/rules.md#re-check), end to end: a register of three years; `template
--recheck` pre-fills the re-check workbook from it; ten titled communities filled in there (only
the columns the rubric reads) give every outcome, exactly the level keeping the title; the re-check
workbook, the notice, and `register update --decisions <the re-check workbook>`, after which Q3 and
the summary's trend follow the revocations."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from typer.testing import CliRunner, Result

from conftest import YEAR, WriteBook, convert, valid_row
from greencomm.api import evaluate
from greencomm.check.titles import current_titles
from greencomm.cli import app
from greencomm.programme import Programme
from greencomm.programme.layouts import recheck_columns, submission_columns
from greencomm.read.inputs import read_register
from greencomm.write.summary_figures import trend
from test_register_update import CHANGES, backups, build_register, values
from test_startup import DOCUMENTS, STAGES, loaded

DEMO, PASS = "节能环保示范社区", "节能环保社区"
FULL = {  # every item at its maximum: total 100
    **{"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "D2": 0, "D3": 0, "E2": 6, "E3": 300},
    **{"B1": "100%", "B5": "60%", "C1": "90%", "C3": "100%", "C4": "90%", "D1": "35%", "E5": "90%", "E6": "95%"},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}
AT_80 = {"F2": "无", "D2": 4, "D3": 2, "B3": 0, "A2": 0, "A3": 1}  # 100 − 4 − 4 − 4 − 3 − 3 − 2 = 80
AT_90 = {"F2": "无", "D2": 4, "A3": 1}  # 90, and 特色创新 F at 6 of 10: exactly 60%
DAY = dt.date(YEAR, 3, 2)
DOC = "x创办〔2026〕5号"
runner = CliRunner()

# community: (district, year named, title, under 整改 since last year, the re-check's overrides; None: not sent)
TITLED: dict[str, tuple[str, int, str, bool, dict[str, Any] | None]] = {
    "恰好八十社区": ("岳麓区", YEAR - 1, PASS, False, AT_80),
    "恰好九十社区": ("芙蓉区", YEAR - 2, DEMO, False, AT_90),
    "满分示范社区": ("天心区", YEAR - 3, DEMO, False, {}),
    "差一分社区": ("芙蓉区", YEAR - 1, PASS, False, {**AT_80, "A3": 0}),  # 79
    "类别不足社区": ("开福区", YEAR - 2, DEMO, False, {"F2": "无", "F1": 5}),  # 95, but F at 50%
    "否决社区": ("芙蓉区", YEAR - 3, PASS, False, {"penalty": "有"}),  # V2 at a first re-check
    "整改仍差社区": ("天心区", YEAR - 3, PASS, True, {**AT_80, "A3": 0}),
    "整改否决社区": ("岳麓区", YEAR - 2, PASS, True, {"complaints_closed": 2}),  # V3
    "整改合格社区": ("芙蓉区", YEAR - 1, PASS, True, AT_80),
    "未交表社区": ("开福区", YEAR - 1, PASS, False, None),
}
EXPECTED = {
    "恰好八十社区": ("保留", 80.0), "恰好九十社区": ("保留", 90.0), "满分示范社区": ("保留", 100.0),
    "差一分社区": ("限期整改", 79.0), "类别不足社区": ("限期整改", 95.0), "否决社区": ("限期整改", 100.0),
    "整改仍差社区": ("撤销", 79.0), "整改否决社区": ("撤销", 100.0), "整改合格社区": ("保留", 80.0),
    "未交表社区": ("未复查", None),
}  # fmt: skip
ORDER = ["芙蓉区", "天心区", "岳麓区", "开福区"]  # the programme's district order


def the_register(path: Path) -> Path:
    """Three years of titles; one revoked (not re-checked); three under 整改 since last autumn."""
    rows = [(y, d, n, t, "有效") for n, (d, y, t, _, _) in TITLED.items()]
    rows.append((YEAR - 2, "芙蓉区", "已撤销社区", PASS, "撤销"))
    changes = [(dt.date(YEAR - 1, 9, 1), y, d, n, t, "整改", "上次复查未达标", None)
               for n, (d, y, t, rectifying, _) in TITLED.items() if rectifying]  # fmt: skip
    return build_register(path, rows, changes)


def recheck(*args: str) -> Result:
    return runner.invoke(app, ["recheck", *args, "--year", str(YEAR)])


def fill_template(template: Path, programme: Programme) -> Path:
    """The pre-filled re-check workbook with only the columns the re-check reads filled in."""
    book = openpyxl.load_workbook(template)
    sheet = book["申报汇总表"]
    columns = submission_columns(programme)
    read = [c.key for c in recheck_columns(programme) if c.required and c.key not in ("district", "community")]
    letter = {c.key: n for n, c in enumerate(columns, start=1)}
    for r in range(4, sheet.max_row + 1):
        name = sheet.cell(r, letter["community"]).value
        if name is None:
            continue
        overrides = TITLED[name][4]
        if overrides is None:  # not sent back: its row emptied
            for c in range(1, len(columns) + 1):
                sheet.cell(r, c).value = None
            continue
        row = valid_row(community=name, **{**FULL, **overrides})
        for key in read:
            sheet.cell(r, letter[key]).value = row[key]
    path = template.with_name("复查表-已填.xlsx")
    book.save(path)
    return path


@pytest.fixture
def filled(tmp_path: Path, programme: Programme) -> tuple[Path, Path]:
    """(the register, the re-check workbook filled in), the workbook made by `template --recheck`."""
    register = the_register(tmp_path / "名录.xlsx")
    args = ["template", "--recheck", "--register", str(register), "-o", str(tmp_path / "复查表.xlsx")]
    done = runner.invoke(app, [*args, "--year", str(YEAR)])
    assert done.exit_code == 0, done.output
    return register, fill_template(tmp_path / "复查表.xlsx", programme)


# ---------------------------------------------------------------- template --recheck
def test_the_template_is_prefilled_from_the_register(tmp_path: Path) -> None:
    register = the_register(tmp_path / "名录.xlsx")
    before = register.read_bytes()
    args = ["template", "--recheck", "--register", str(register), "-o", str(tmp_path / "复查表.xlsx")]
    done = runner.invoke(app, [*args, "--year", str(YEAR)])
    assert done.exit_code == 0, done.output
    rows = [r[:9] for r in openpyxl.load_workbook(tmp_path / "复查表.xlsx")["申报汇总表"].iter_rows(min_row=4,
            values_only=True) if r[3] is not None]  # fmt: skip
    got = [(r[0], r[1], r[3], r[8]) for r in rows]
    by_order = sorted(((ORDER.index(d), y, d, n, t) for n, (d, y, t, _, _) in TITLED.items()), key=lambda x: x[:2])
    assert [g[1:] for g in got] == [w[2:] for w in by_order]  # every title held, none revoked; district, then year
    assert [g[0] for g in got] == list(range(1, 11))
    assert register.read_bytes() == before


def test_template_recheck_needs_the_register() -> None:
    done = runner.invoke(app, ["template", "--recheck", "--year", str(YEAR)])
    assert done.exit_code == 2 and "--register" in done.output


# ---------------------------------------------------------------- the acceptance
def test_every_outcome_then_the_register_q3_and_the_trend(
    filled: tuple[Path, Path], write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    register, workbook = filled
    out = tmp_path / "复查"
    done = recheck(str(workbook), "--register", str(register), "--date", DAY.isoformat(), "--doc", DOC,
                   "-o", str(out), "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert {c["community"]: (c["outcome"], c["total"]) for c in doc["communities"]} == EXPECTED
    assert doc["counts"] == {"保留": 4, "限期整改": 3, "撤销": 2, "未复查": 1}
    assert [c["district"] for c in doc["communities"]] == sorted((c["district"] for c in doc["communities"]),
                                                                 key=ORDER.index)  # fmt: skip
    deadline = (DAY + dt.timedelta(days=90)).isoformat()
    assert {c["community"]: c["deadline"] for c in doc["communities"] if c["deadline"]} == {
        "差一分社区": deadline, "类别不足社区": deadline, "否决社区": deadline}  # fmt: skip
    assert not [p for p in doc["problems"] if p["severity"] == "error"]

    book = out / f"{YEAR}年节能环保社区复查结果.xlsx"
    assert doc["files"][0] == str(book)
    assert sorted(doc["files"][1:]) == [str(out / f"{YEAR}年节能环保社区复查结果通报.{s}") for s in ("docx", "md")]
    sheets = openpyxl.load_workbook(book)
    outcomes = list(sheets["复查结果"].iter_rows(values_only=True))
    header = outcomes[0]
    for column in (
        "命名年度",
        "所属区",
        "社区名称",
        "称号",
        "总分",
        "一票否决",
        "等级标准",
        "结论",
        "整改期限",
        "原因",
    ):
        assert column in header
    table = {r[header.index("社区名称")]: r for r in outcomes[1:]}
    assert {n: r[header.index("结论")] for n, r in table.items()} == {n: o for n, (o, _) in EXPECTED.items()}
    assert table["否决社区"][header.index("原因")] == "一票否决：V2"
    assert table["否决社区"][header.index("一票否决")] == "V2"
    assert table["恰好九十社区"][header.index("等级标准")] == "总分≥90，各类别≥60%"
    detail = list(sheets["得分明细"].iter_rows(values_only=True))
    assert len(detail) - 1 == 9 * len(programme.rubric.items)  # every point of the nine re-checked
    assert {r[1] for r in detail[1:]} == {n for n, (_, _, _, _, o) in TITLED.items() if o is not None}
    history = [r for r in sheets["状态变更记录"].iter_rows(values_only=True)]
    assert history[0] == tuple(CHANGES)
    assert {(r[3], r[5]) for r in history[1:]} == {
        ("差一分社区", "整改"), ("类别不足社区", "整改"), ("否决社区", "整改"),
        ("整改仍差社区", "撤销"), ("整改否决社区", "撤销"), ("整改合格社区", "恢复")}  # fmt: skip
    assert {(r[0].date(), r[7]) for r in history[1:]} == {(DAY, DOC)}

    notice = [p.text for p in docx.Document(str(out / f"{YEAR}年节能环保社区复查结果通报.docx")).paragraphs]
    assert DOC in notice and f"关于{YEAR}年度{programme.settings.city}节能环保社区复查结果的通报" in notice
    assert any("保留称号4个，限期整改3个，撤销称号2个，未复查1个" in p for p in notice)
    headings = [p for p in notice if p[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == ["一、保留称号的社区（4个）", "二、限期整改的社区（3个）", "三、撤销称号的社区（2个）",
                        "四、未复查的社区（1个）"]  # fmt: skip
    assert notice[notice.index(headings[1]) + 1] == "整改期限：2026年5月31日前。"
    markdown = (out / f"{YEAR}年节能环保社区复查结果通报.md").read_text(encoding="utf-8")
    assert (
        "| 2 | 芙蓉区 | 差一分社区 | 2025年节能环保社区 | 79.00 | 总分 79.00，未达到节能环保社区等级（总分≥80） |"
        in markdown
    )
    veto = "一票否决：V2（近三年受环保、环卫、绿化、林业等部门处罚）"
    assert f"| 1 | 芙蓉区 | 否决社区 | 2023年节能环保社区 | 100.00 | {veto} |" in markdown

    # the re-check workbook is the decision: register update takes it as it is
    updated = runner.invoke(app, ["register", "update", "--register", str(register), "--decisions", str(book),
                                  "--year", str(YEAR)])  # fmt: skip
    assert updated.exit_code == 0, updated.output
    assert len(backups(tmp_path)) == 1
    after = read_register(register, programme)
    state = current_titles(after.frame, after.changes).set_index("community").state
    assert {n: state[n] for n in TITLED} == {
        "恰好八十社区": "有效", "恰好九十社区": "有效", "满分示范社区": "有效", "差一分社区": "整改",
        "类别不足社区": "整改", "否决社区": "整改", "整改仍差社区": "撤销", "整改否决社区": "撤销",
        "整改合格社区": "有效", "未交表社区": "有效"}  # fmt: skip

    # Q3: a revoked title blocks nothing; one under 整改 still does
    names = ("整改仍差社区", "差一分社区", "未交表社区")
    applicants = write_submission([valid_row(community=n, district=TITLED[n][0]) for n in names], name="申报.xlsx")
    results = evaluate([applicants], programme, register=register)
    got = {r.community: (r.status, r.eligibility) for r in results.table.itertuples()}
    assert got == {"整改仍差社区": (PASS, []), "差一分社区": ("未通过", ["Q3"]), "未交表社区": ("未通过", ["Q3"])}
    rows, text = trend(results, final=False)
    assert {r["year"]: r["total"] for r in rows} == {YEAR - 3: 2, YEAR - 2: 2, YEAR - 1: 4, YEAR: 1}
    assert "另有3个称号已撤销" in text  # 整改仍差 (YEAR−3) and 整改否决 (YEAR−2) now, 已撤销社区 (YEAR−2) before


# ---------------------------------------------------------------- the workbook's layout, and refusals
def test_only_the_columns_the_rubric_reads_are_needed(
    tmp_path: Path, programme: Programme, write_submission: WriteBook
) -> None:
    register = the_register(tmp_path / "名录.xlsx")
    needed = {c.key for c in recheck_columns(programme) if c.required}
    assert {
        "district",
        "community",
        "population",
        "households",
        "occupancy",
        "penalty",
        "complaints",
        "complaints_closed",
        "incident",
    } <= needed  # ratios' bases (E3, E4) and vetoes' fields
    assert not {"street", "community_type", "district_title_year", "recommendation", "contact", "phone",
                "target"} & needed  # fmt: skip
    drop = tuple(c.key for c in submission_columns(programme) if c.key not in needed)
    rows = [valid_row(community="恰好八十社区", district="岳麓区", **{**FULL, **AT_80})]
    workbook = write_submission(rows, name="岳麓区复查.xlsx", drop=drop)
    done = recheck(str(workbook), "--register", str(register), "--date", DAY.isoformat(), "-o", str(tmp_path / "o"),
                   "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["counts"] == {"保留": 1, "限期整改": 0, "撤销": 0, "未复查": 9}
    assert doc["problems"] == []  # no eligibility asked, no blank 联系电话 missed
    assert all(e["doc"] is None for e in doc["changes"])


def test_a_community_without_a_title_is_a_warning(tmp_path: Path, write_submission: WriteBook) -> None:
    register = the_register(tmp_path / "名录.xlsx")
    rows = [valid_row(community="恰好八十社区", district="岳麓区", **{**FULL, **AT_80}),
            valid_row(community="已撤销社区", **FULL)]  # fmt: skip
    done = recheck(str(write_submission(rows)), "--register", str(register), "-o", str(tmp_path / "o"), "--json")
    assert done.exit_code == 0, done.output
    found = [(p["code"], p["cell"], p["value"]) for p in json.loads(done.stdout)["problems"]]
    assert found == [("recheck-untitled", "D4", "已撤销社区")]


def test_an_error_that_changes_an_outcome_writes_nothing(tmp_path: Path, write_submission: WriteBook) -> None:
    register = the_register(tmp_path / "名录.xlsx")
    rows = [valid_row(community="恰好八十社区", district="岳麓区", **{**FULL, **AT_80, "B1": "很多"}),
            valid_row(community="差一分社区", **{**FULL, "phone": "12"})]  # fmt: skip
    done = recheck(str(write_submission(rows)), "--register", str(register), "-o", str(tmp_path / "o"))
    assert done.exit_code == 1
    assert "芙蓉区.xlsx 申报汇总表!" in done.output and "会改变复查结论" in done.output
    assert not (tmp_path / "o").exists()


def test_a_wrong_cell_the_recheck_does_not_read_is_shown_but_stops_nothing(
    tmp_path: Path, write_submission: WriteBook
) -> None:
    register = the_register(tmp_path / "名录.xlsx")
    rows = [valid_row(community="差一分社区", **{**FULL, "phone": "12"})]
    done = recheck(str(write_submission(rows)), "--register", str(register), "-o", str(tmp_path / "o"), "--json")
    assert done.exit_code == 1  # an error is an error: exit 1, but the outcomes stand and are written
    assert [p["code"] for p in json.loads(done.stdout)["problems"]] == ["invalid-phone"]
    assert (tmp_path / "o" / f"{YEAR}年节能环保社区复查结果.xlsx").exists()


def test_a_register_with_errors_is_refused(tmp_path: Path, write_submission: WriteBook) -> None:
    rows = [(YEAR - 1, "芙蓉区", "甲社区", PASS, "有效")]
    register = build_register(tmp_path / "名录.xlsx", rows, [("2026-03-01", YEAR - 1, "芙蓉区", "无名社区", PASS,
                                                                 "撤销", "x", None)])  # fmt: skip
    done = recheck(str(write_submission([valid_row(community="甲社区")])), "--register", str(register),
                   "-o", str(tmp_path / "o"))  # fmt: skip
    assert done.exit_code == 1 and "名录本身有错误" in done.output and "change-unknown-title" in done.output
    assert not (tmp_path / "o").exists()
    missing = recheck(str(write_submission([valid_row()])), "--register", str(tmp_path / "没有.xlsx"))
    assert missing.exit_code == 1 and "找不到历年命名名录" in missing.output


def test_recheck_help_loads_no_stage(tmp_path: Path) -> None:
    code, heavy = loaded(["recheck", "--help"], tmp_path)
    assert code in (0, None) and not heavy & (STAGES | DOCUMENTS)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_the_notice_converts_to_pdf(filled: tuple[Path, Path], tmp_path: Path) -> None:
    register, workbook = filled
    out = tmp_path / "复查"
    assert recheck(str(workbook), "--register", str(register), "--date", DAY.isoformat(), "-o", str(out)).exit_code == 0
    notice = out / f"{YEAR}年节能环保社区复查结果通报.docx"
    convert([notice], "pdf", tmp_path, timeout=180, check=False)
    assert (tmp_path / f"{notice.stem}.pdf").stat().st_size > 0
    assert values(register)[1:] == [(y, d, n, t, "有效") for n, (d, y, t, _, _) in TITLED.items()] + [
        (YEAR - 2, "芙蓉区", "已撤销社区", PASS, "撤销")]  # fmt: skip  # the re-check changes no register
