"""Re-checks (greencomm.judge.recheck, docs/rules.md#register): ten titled communities, each
outcome at least once, exactly the level keeps the title; the outcomes' entries go into the
register through `register update`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from conftest import YEAR, WriteBook, valid_row
from greencomm.api import evaluate
from greencomm.check.titles import current_titles
from greencomm.cli import app
from greencomm.judge.recheck import recheck
from greencomm.programme import Programme, load_programme
from greencomm.read.inputs import read_register

DEMO, PASS = "节能环保示范社区", "节能环保社区"
FULL = {  # every item at its maximum: total 100
    **{"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "D2": 0, "D3": 0, "E2": 6, "E3": 300},
    **{"B1": "100%", "B5": "60%", "C1": "90%", "C3": "100%", "C4": "90%", "D1": "35%", "E5": "90%", "E6": "95%"},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}
AT_80 = {"F2": "无", "D2": 4, "D3": 2, "B3": 0, "A2": 0, "A3": 1}  # 100 − 4 − 4 − 4 − 3 − 3 − 2 = 80
AT_90 = {"F2": "无", "D2": 4, "A3": 1}  # 90, and 特色创新 F at 6 of 10: exactly 60%
DAY = dt.date(YEAR, 3, 2)
CHANGES = ["日期", "年度", "所属区", "社区名称", "称号", "变更", "原因", "文号"]

# community: (title, year named, under 整改 since, the re-check workbook's overrides; None: not in it)
TITLED: dict[str, tuple[str, int, bool, dict[str, Any] | None]] = {
    "恰好八十社区": (PASS, YEAR - 1, False, AT_80),
    "恰好九十社区": (DEMO, YEAR - 1, False, AT_90),
    "满分示范社区": (DEMO, YEAR - 2, False, {}),
    "差一分社区": (PASS, YEAR - 1, False, {**AT_80, "A3": 0}),  # 79
    "类别不足社区": (DEMO, YEAR - 1, False, {"F2": "无", "F1": 5}),  # 95, F at 50%
    "否决社区": (PASS, YEAR - 2, False, {"penalty": "有"}),  # V2 at a first re-check
    "整改仍差社区": (PASS, YEAR - 2, True, {**AT_80, "A3": 0}),
    "整改否决社区": (PASS, YEAR - 1, True, {"penalty": "有"}),
    "整改合格社区": (PASS, YEAR - 1, True, AT_80),
    "未交表社区": (PASS, YEAR - 1, False, None),
}


def register_with_history(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "历年命名名录"
    sheet.append(["年度", "所属区", "社区名称", "称号", "状态"])
    for name, (title, year, _, _) in TITLED.items():
        sheet.append([year, "芙蓉区", name, title, "有效"])
    sheet.append([YEAR - 1, "芙蓉区", "已撤销社区", PASS, "撤销"])  # revoked: not re-checked
    history = book.create_sheet("状态变更记录")
    history.append(CHANGES)
    for name, (title, year, rectifying, _) in TITLED.items():
        if rectifying:
            history.append([dt.date(YEAR - 1, 9, 1), year, "芙蓉区", name, title, "整改", "上次复查未达标", None])
    book.save(path)
    return path


def test_every_outcome_and_the_threshold_keeps_the_title(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    rows = [valid_row(community=n, **{**FULL, **o}) for n, (_, _, _, o) in TITLED.items() if o is not None]
    rows.append(valid_row(community="无称号社区", **FULL))  # holds no title: not a re-check
    results = evaluate([write_submission(rows)], programme)
    register = read_register(register_with_history(tmp_path / "名录.xlsx"), programme)
    done = recheck(results, current_titles(register.frame, register.changes), DAY, doc="x创办〔2026〕5号")
    got = {r.community: (r.outcome, r.total) for r in done.table.itertuples()}
    assert got == {
        "恰好八十社区": ("保留", 80.0),
        "恰好九十社区": ("保留", 90.0),
        "满分示范社区": ("保留", 100.0),
        "差一分社区": ("限期整改", 79.0),
        "类别不足社区": ("限期整改", 95.0),
        "否决社区": ("限期整改", 100.0),
        "整改仍差社区": ("撤销", 79.0),
        "整改否决社区": ("撤销", 100.0),
        "整改合格社区": ("保留", 80.0),
        "未交表社区": ("未复查", None),
    }
    table = done.table.set_index("community")
    assert table.deadline["差一分社区"] == DAY + dt.timedelta(days=90)
    assert table.reasons["否决社区"] == ["一票否决：V2"]
    assert table.reasons["差一分社区"] == ["总分 79.00，未达到节能环保社区等级（总分≥80）"]
    entries = {(e.community, e.change) for e in done.changes.itertuples()}
    assert entries == {("差一分社区", "整改"), ("类别不足社区", "整改"), ("否决社区", "整改"),
                       ("整改仍差社区", "撤销"), ("整改否决社区", "撤销"), ("整改合格社区", "恢复")}  # fmt: skip
    assert set(done.changes.date) == {DAY} and set(done.changes.doc) == {"x创办〔2026〕5号"}


def test_a_veto_revokes_at_once_when_the_settings_say(write_submission: WriteBook, tmp_path: Path) -> None:
    (tmp_path / "严格.toml").write_text("[recheck]\nrevoke_on_veto = true\n", encoding="utf-8")
    strict = load_programme(tmp_path / "严格.toml", YEAR)
    results = evaluate([write_submission([valid_row(community="否决社区", **{**FULL, "penalty": "有"})])], strict)
    register = read_register(register_with_history(tmp_path / "名录.xlsx"), strict)
    done = recheck(results, current_titles(register.frame, register.changes), DAY)
    assert done.table.set_index("community").outcome["否决社区"] == "撤销"


def test_the_outcomes_go_into_the_register(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    rows = [valid_row(community=n, **{**FULL, **o}) for n, (_, _, _, o) in TITLED.items() if o is not None]
    path = register_with_history(tmp_path / "名录.xlsx")
    register = read_register(path, programme)
    done = recheck(evaluate([write_submission(rows)], programme), current_titles(register.frame, register.changes), DAY)
    book = openpyxl.Workbook()  # the recheck workbook's 状态变更记录 sheet, as its writer will make it
    sheet = book.active
    assert sheet is not None
    sheet.title = "状态变更记录"
    sheet.append(CHANGES)
    for entry in done.changes.itertuples(index=False):
        sheet.append([entry.date, entry.year, entry.district, entry.community, entry.title, entry.change,
                      entry.reason, entry.doc])  # fmt: skip
    book.save(tmp_path / "复查结果.xlsx")
    args = ["register", "update", "--register", str(path), "--decisions", str(tmp_path / "复查结果.xlsx")]
    result = CliRunner().invoke(app, [*args, "--year", str(YEAR)])
    assert result.exit_code == 0, result.output
    after = read_register(path, programme)
    state = current_titles(after.frame, after.changes).set_index("community").state
    assert (state["差一分社区"], state["整改仍差社区"], state["整改合格社区"], state["恰好八十社区"]) == (
        "整改", "撤销", "有效", "有效")  # fmt: skip
