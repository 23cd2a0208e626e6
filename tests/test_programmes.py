"""Both programmes from settings alone (docs/rules.md#titles): the names, the tiers, the money, the
community and activity types come from greencomm.toml, today's values the defaults. A one-tier
programme (`[quotas] demonstration = 0`) has no demonstration tier anywhere."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import WriteBook, part_of, typed_row, valid_row
from greencomm.check import check_inputs
from greencomm.cli import app
from greencomm.judge.results import Results, judge
from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import submission_columns
from greencomm.read.inputs import Inputs

runner = CliRunner()
GREEN = """
programme = "绿色社区"
city = "广州市"
year = 2026
districts = ["东山区", "越秀区", "荔湾区"]
community_types = ["老城区社区", "新型住宅区", "城中村或农民新村"]
payers = []

[quotas]
demonstration = 0

[[activity_types]]
name = "培训"

[[activity_types]]
name = "宣传海报"
unit = "张"
"""
FULL: dict[str, Any] = {  # every item at its maximum, typed: total 100
    **{i: Decimal(v) for i, v in {"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "E2": 6}.items()},
    **{i: Decimal(v) for i, v in {"B1": 100, "B5": 60, "C1": 90, "C3": 100, "C4": 90, "D1": 35}.items()},
    **{"E5": Decimal(90), "E6": Decimal(95), "D2": 0, "D3": 0, "E3": 300},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}


@pytest.fixture
def green(tmp_path: Path) -> Programme:
    (tmp_path / "greencomm.toml").write_text(GREEN, encoding="utf-8")
    return load_programme(tmp_path / "greencomm.toml")


def test_the_defaults_are_todays_programme(programme: Programme) -> None:
    assert (programme.title, programme.demonstration_title) == ("节能环保社区", "节能环保示范社区")
    assert programme.targets == ("节能环保社区", "节能环保示范社区") and programme.two_tier
    assert programme.scheme == "xx市节能环保社区创建工作实施方案"
    assert programme.rubric_title == "xx市节能环保社区考评标准"
    assert programme.issuer == "xx市创建节能环保社区工作领导小组办公室"
    assert programme.contact["office"] == programme.issuer and programme.contact["address"] == "xx市环境保护宣传教育站"


def test_a_one_tier_programme_is_named_by_its_settings(green: Programme) -> None:
    assert (green.title, green.demonstration_title, green.two_tier) == ("绿色社区", None, False)
    assert green.targets == ("绿色社区",) and green.city_titles == ("无", "绿色社区")
    assert green.rubric_title == "广州市绿色社区考评标准" and green.scheme == "广州市绿色社区创建工作实施方案"
    assert green.issuer == "广州市创建绿色社区工作领导小组办公室"
    target = next(c for c in submission_columns(green) if c.key == "target")
    assert target.choices == ("绿色社区",) and not target.required and not target.value_required
    types = next(c for c in submission_columns(green) if c.key == "community_type")
    assert types.choices == ("老城区社区", "新型住宅区", "城中村或农民新村")


def test_the_demonstration_title_follows_the_name_unless_set(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('programme = "绿色社区"\n', encoding="utf-8")
    assert load_programme(tmp_path / "a.toml").demonstration_title == "绿色示范社区"
    (tmp_path / "b.toml").write_text('programme = "低碳小区"\ndemonstration_title = "低碳示范小区"\n', encoding="utf-8")
    assert load_programme(tmp_path / "b.toml").demonstration_title == "低碳示范小区"


def run(programme: Programme, rows: list[dict[str, Any]], reviewed: list[str] | None = None) -> Results:
    inputs = Inputs(part_of(rows))
    if reviewed is not None:
        reviews = [
            {
                "reviewer": who,
                "reviewer_district": "市直",
                "district": row["district"],
                "community": row["community"],
                **{i: FULL[i] for i in ("A2", "A3", "B3", "F1")},
            }
            for row in rows
            if row["community"] in reviewed
            for who in ("甲", "乙", "丙")
        ]
        inputs.reviews = part_of(reviews, "评审.xlsx", "现场评审评分表")
    return judge(inputs, check_inputs(inputs, programme), programme)


def green_rows(programme: Programme) -> list[dict[str, Any]]:
    base = {**FULL, "district": "东山区", "community_type": "老城区社区", "target": None}
    return [
        typed_row(programme, **{**base, "community": "甲社区"}),
        # 100 − C1 5 − C3 5 − B1 5 − D1 4 − E2 4 = 77: below the level
        typed_row(
            programme,
            **{
                **base,
                "community": "乙社区",
                "C1": Decimal(50),
                "C3": Decimal(50),
                "B1": Decimal(50),
                "D1": Decimal(25),
                "E2": 2,
            },
        ),
        typed_row(programme, **{**base, "community": "丙社区", "occupancy": Decimal(55)}),  # V1
        typed_row(programme, **{**base, "community": "丁社区", "recommendation": "不同意推荐"}),  # Q4
        typed_row(programme, **{**base, "community": "戊社区"}),  # not reviewed
    ]


def test_one_tier_before_review_every_eligible_applicant_is_reviewed_on_site(green: Programme) -> None:
    results = run(green, green_rows(green))
    status = dict(zip(results.table.community, results.table.status, strict=True))
    assert status == {"甲社区": "推荐现场评审", "乙社区": "推荐现场评审", "丙社区": "未通过", "丁社区": "未通过",
                      "戊社区": "推荐现场评审"}  # fmt: skip
    failed = results.table.set_index("community").reasons
    assert failed["丙社区"] == [f"一票否决 V1：{green.rubric.vetoes[0].name}"]
    assert not any("总分" in r for r in failed["丙社区"])  # scores are judged after the on-site review


def test_one_tier_after_review_the_reviewed_that_reach_the_level_get_the_title(green: Programme) -> None:
    results = run(green, green_rows(green), reviewed=["甲社区", "乙社区", "丙社区", "丁社区"])
    table = results.table.set_index("community")
    assert table.status.to_dict() == {"甲社区": "绿色社区", "乙社区": "未通过", "丙社区": "未通过", "丁社区": "未通过",
                                      "戊社区": "未通过"}  # fmt: skip
    assert any("低于 80 分" in r for r in table.reasons["乙社区"])
    assert table.reasons["戊社区"] == ["未参加现场评审"]
    assert results.money() == {"demonstrations": 0, "payers": [], "total": 0}


def test_one_tier_outputs_have_no_demonstration_tier_and_no_money(
    green: Programme, write_submission: WriteBook, tmp_path: Path
) -> None:
    rows = [valid_row(**{k: v for k, v in _typed_as_typed().items()}, district="东山区", community=f"{n}号社区",
                      community_type="老城区社区", target=None) for n in range(3)]  # fmt: skip
    book = write_submission(rows, drop=("target",))
    reviews = tmp_path / "评审.xlsx"
    sheet_book = openpyxl.Workbook()
    sheet = sheet_book.active
    assert sheet is not None
    sheet.append(["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"])
    for who in ("甲", "乙", "丙"):
        for row in rows:
            sheet.append([who, "市直", "东山区", row["community"], 3, 3, 3, 6])
    sheet_book.save(reviews)
    config = ["--config", str(tmp_path / "greencomm.toml"), "--year", "2026"]
    result = runner.invoke(app, ["shortlist", str(book), "--reviews", str(reviews), *config, "--json",
                                 "-o", str(tmp_path / "名单.xlsx")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["counts"] == {"绿色社区": 3} and "money" not in doc
    assert {c["status"] for c in doc["communities"]} == {"绿色社区"}
    sheets = openpyxl.load_workbook(tmp_path / "名单.xlsx").sheetnames
    assert "绿色社区" in sheets and "未通过" in sheets
    assert not {"示范社区", "待审定", "奖励资金", "推荐现场评审"} & set(sheets)
    assert "申报类别" not in [c.value for c in openpyxl.load_workbook(tmp_path / "名单.xlsx")["绿色社区"][1]]
    notice = runner.invoke(app, ["publicize", str(tmp_path / "名单.xlsx"), *config, "--start", "2026-12-01",
                                 "-o", str(tmp_path / "公示")])  # fmt: skip
    assert notice.exit_code == 0, notice.stderr
    [md] = (tmp_path / "公示").glob("*.md")
    text = md.read_text(encoding="utf-8")
    assert md.name == "2026年绿色社区拟命名名单公示.md"
    assert "关于2026年广州市绿色社区拟命名名单的公示" in text and "一、" not in text
    for word in ("节能环保", "示范", "xx市", "零元"):
        assert word not in text, word


def _typed_as_typed() -> dict[str, Any]:
    """FULL as a district types it (percentages with %)."""
    percent = {"B1", "B5", "C1", "C3", "C4", "D1", "E5", "E6"}
    return {k: (f"{v}%" if k in percent else (int(v) if isinstance(v, Decimal) else v)) for k, v in FULL.items()}


def test_a_template_for_a_one_tier_programme(green: Programme, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["template", "--config", str(tmp_path / "greencomm.toml"), "-o", str(tmp_path / "t.xlsx")]
    )
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book["申报汇总表"]["A1"].value == "2026年广州市××区绿色社区申报汇总表"
    words = "\n".join(str(c.value) for row in book["填报说明"].iter_rows() for c in row if c.value)
    # the rubric's own words stay (B2's answer 示范应用, E5 节能环保知晓率): the programme's names go
    assert "绿色社区" in words and "示范社区" not in words and "节能环保社区" not in words
    assert [c.value for c in book["创建活动"][1]] == ["日期", "类型", "名称", "参加人次", "数量"]


def test_activities_count_people_or_things_and_a_blank_is_unknown(
    green: Programme, write_submission: WriteBook, tmp_path: Path
) -> None:
    from greencomm.api import validate

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "创建活动"
    sheet.append(["日期", "类型", "名称", "参加人次", "数量"])
    sheet.append([dt.date(2026, 4, 23), "培训", "第一次培训", None, None])
    sheet.append([dt.date(2026, 5, 1), "宣传海报", "环保海报", None, 20000])
    city = tmp_path / "市创建办创建活动.xlsx"
    book.save(city)
    run_ = validate([city], green)
    assert [(p.code, p.cell, p.severity) for p in run_.problems] == [("activity-count-unknown", "D2", "warning")]
    acts = run_.inputs.activities
    assert acts.district.tolist() == ["市直", "市直"]  # the city office's own workbook: no 申报汇总表
    assert acts.quantity.tolist() == [None, 20000]
