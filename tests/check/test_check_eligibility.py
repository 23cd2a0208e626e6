"""check.eligibility on typed rows built inline: Q1–Q4 as facts, the Q3 window, the register, and
the warnings validate gives (docs/rules.md#eligibility)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import part_of, typed_row
from greencomm.check.eligibility import eligibility, eligibility_problems, failures, title_blocks
from greencomm.programme import Programme

DEMO, PASS = "节能环保示范社区", "节能环保社区"


def test_q1_q2_q4_are_masks_and_a_blank_fails(programme: Programme) -> None:
    rows = [
        typed_row(programme),
        typed_row(programme, district="长沙县"),
        typed_row(programme, district_title_year=None),
        typed_row(programme, district_title_year=2027),
        typed_row(programme, recommendation="不同意推荐"),
        typed_row(programme, district=None, recommendation=None),
    ]
    masks = failures(part_of(rows).frame, programme)
    assert {code: mask.tolist() for code, mask in masks.items()} == {
        "Q1": [False, True, False, False, False, True],
        "Q2": [False, False, True, True, False, False],
        "Q4": [False, False, False, False, True, True],
    }
    facts = eligibility(part_of(rows).frame, programme, None)
    assert facts.codes.tolist() == [[], ["Q1"], ["Q2"], ["Q2"], ["Q4"], ["Q1", "Q4"]]


def test_district_names_compare_as_written(programme: Programme) -> None:
    """Surrounding spaces (the full-width one too) and full-width forms never make a name differ."""
    frame = part_of([typed_row(programme, district="\u3000芙蓉区 ")]).frame
    assert not failures(frame, programme)["Q1"].iloc[0]


@pytest.mark.parametrize(
    ("title", "year", "demo_blocked", "pass_blocked"),
    [
        (DEMO, 2025, True, True),  # 示范社区 blocks both titles
        (PASS, 2025, False, True),  # 节能环保社区 blocks 节能环保社区 only
        (PASS, 2024, False, True),  # 2026 − 2024 = 2 < 3: still counts
        (PASS, 2023, False, False),  # 3 years on: free again
        ("无", None, False, False),
    ],
)
def test_q3_window_and_what_blocks_what(
    programme: Programme, title: str, year: int | None, demo_blocked: bool, pass_blocked: bool
) -> None:
    frame = part_of([typed_row(programme, city_title=title, city_title_year=year)]).frame
    blocks = title_blocks(frame, programme, None)
    assert (blocks.demonstration.iloc[0], blocks.pass_title.iloc[0]) == (demo_blocked, pass_blocked)
    applied_demo = pd.Series([True], index=frame.index)
    assert blocks.for_title(applied_demo).iloc[0] == demo_blocked
    assert blocks.for_title(~applied_demo).iloc[0] == pass_blocked


def register_of(*entries: tuple[int, str, str, str, str]) -> pd.DataFrame:
    rows = [dict(zip(("year", "district", "community", "title", "state"), e, strict=True)) for e in entries]
    return part_of(rows, file="名录.xlsx", sheet="历年命名名录").frame


def test_the_register_decides_and_a_revoked_title_blocks_nothing(programme: Programme) -> None:
    rows = [
        typed_row(programme, community="甲社区", city_title="无"),  # the register says 2025 示范
        typed_row(programme, community="乙社区", city_title=PASS, city_title_year=2025),  # revoked in the register
    ]
    frame = part_of(rows).frame
    register = register_of((2025, "芙蓉区", " 甲社区", DEMO, "有效"), (2025, "芙蓉区", "乙社区", PASS, "撤销"))
    blocks = title_blocks(frame, programme, register)
    assert blocks.demonstration.tolist() == [True, False] and blocks.pass_title.tolist() == [True, False]
    assert blocks.held.tolist() == ["2025年节能环保示范社区", ""]
    assert [(frame.community[i], book, reg) for i, book, reg in blocks.disagree] == [
        ("甲社区", "无", "2025年节能环保示范社区"),
        ("乙社区", "2025年节能环保社区", "无"),
    ]


def test_warnings_name_their_cells_and_skip_cells_already_wrong(programme: Programme) -> None:
    rows = [
        typed_row(programme, community="甲社区", district="长沙县"),
        typed_row(programme, community="乙社区", district=None),  # blank: an error of its own, no Q1 on top
        typed_row(programme, community="丙社区", district_title_year=None, recommendation="不同意推荐"),
        typed_row(programme, community="丁社区", target=PASS, city_title=PASS, city_title_year=2025),
        typed_row(programme, community="戊社区", target=DEMO, city_title=PASS, city_title_year=2025),
    ]
    part = part_of(rows)
    facts = eligibility(part.frame, programme, None)
    flagged = {("芙蓉区.xlsx", "申报汇总表", "Q5")}  # the 区级推荐意见 cell of 丙社区 already holds an error
    found = {(p.code, p.cell, str(p.value)) for p in eligibility_problems(part.frame, part, programme, facts, flagged)}
    assert found == {
        ("eligibility-q1", "B3", "长沙县"),
        ("eligibility-q2", "J5", "空"),
        ("eligibility-q3", "K6", PASS),  # held 节能环保社区, applied for it again
        # 戊社区 holds 节能环保社区 and applies for 示范: not blocked for the title applied for
    }
