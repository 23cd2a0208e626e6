"""check.submissions and check.duplicates on typed rows built inline (docs/rules.md#district-workbook)."""

from __future__ import annotations

import datetime as dt

from conftest import part_of, typed_row
from greencomm.check.duplicates import duplicate_communities, duplicate_register_entries
from greencomm.check.submissions import check_activities, check_communities
from greencomm.programme import Programme


def codes(problems: list) -> set[tuple[str, str]]:
    return {(p.code, p.cell) for p in problems}


def test_cells_of_one_row_that_contradict_each_other(programme: Programme) -> None:
    rows = [
        typed_row(programme, complaints=2, complaints_closed=3),  # closed more than received: V3 cannot be judged
        typed_row(programme, E3=10_000, population=9_100),  # more volunteers than residents
        typed_row(programme, E4=3_201, households=3_200),
        typed_row(programme, city_title="节能环保社区", city_title_year=None),
        typed_row(programme, city_title="无", city_title_year=2024),
        typed_row(programme, city_title="节能环保社区", city_title_year=2027),
        typed_row(programme, fill_date=dt.date(2026, 10, 8)),  # after the 30 September deadline
        typed_row(programme),
    ]
    part = part_of(rows)
    found = check_communities(part.frame, part, programme, set())
    letter = {k: part.places[("芙蓉区.xlsx", "申报汇总表")].letters[k] for k in ("E3", "E4", "fill_date")}
    assert codes(found) == {
        ("closed-exceeds-total", "O3"),
        ("ratio-exceeds-base", f"{letter['E3']}4"),
        ("ratio-exceeds-base", f"{letter['E4']}5"),
        ("city-title-year-missing", "L6"),
        ("city-title-year-without-title", "L7"),
        ("year-in-future", "L8"),
        ("late-submission", f"{letter['fill_date']}9"),
    }
    late = next(p for p in found if p.code == "late-submission")
    assert late.params == {"deadline": "2026-09-30"} and late.is_error is False


def test_a_cell_already_wrong_gets_no_second_problem(programme: Programme) -> None:
    part = part_of([typed_row(programme, complaints=2, complaints_closed=3)])
    assert check_communities(part.frame, part, programme, {("芙蓉区.xlsx", "申报汇总表", "O3")}) == []


def test_activities_outside_the_year_are_warnings(programme: Programme) -> None:
    acts = [
        {"date": dt.date(2026, 3, 1), "type": "培训", "name": "骨干培训", "participants": 40},
        {"date": dt.date(2025, 12, 1), "type": "宣传", "name": "宣传周", "participants": 120},
    ]
    part = part_of(acts, sheet="创建活动")
    found = check_activities(part.frame, part, programme)
    assert [(p.code, p.sheet, p.cell, p.is_error) for p in found] == [
        ("activity-outside-year", "创建活动", "A4", False)
    ]


def test_the_first_copy_stands_and_later_ones_are_errors_naming_it(programme: Programme) -> None:
    rows = [
        typed_row(programme, community="韭菜园社区"),
        typed_row(programme, community="东风社区"),
        typed_row(programme, community=" 韭菜园社区\u3000"),  # the same name, spaces around it
        typed_row(programme, community="韭菜园社区", district="天心区"),  # another district: another community
        typed_row(programme, community=None),  # a blank name is an error of its own, never a duplicate
        typed_row(programme, community=None),
    ]
    part = part_of(rows)
    found, later = duplicate_communities(part.frame, part)
    assert [(p.code, p.cell, p.params["other"]) for p in found] == [
        ("duplicate-community", "D5", "芙蓉区.xlsx 申报汇总表!D3")
    ]
    assert later.tolist() == [2]  # the later copy is set aside: only the first is judged


def test_the_register_names_a_community_once_a_year() -> None:
    entries = [
        {"year": 2025, "district": "芙蓉区", "community": "甲社区", "title": "节能环保社区", "state": "有效"},
        {"year": 2024, "district": "芙蓉区", "community": "甲社区", "title": "节能环保社区", "state": "有效"},
        {"year": 2025, "district": "芙蓉区", "community": "甲社区 ", "title": "节能环保示范社区", "state": "有效"},
    ]
    part = part_of(entries, file="名录.xlsx", sheet="历年命名名录")
    assert [(p.code, p.cell) for p in duplicate_register_entries(part)] == [("register-duplicate", "C5")]
