"""Objections raised during the 公示 (docs/rules.md#objections): an upheld one withdraws the
proposed title with its finding as the reason; with `[quotas] refill = true` the next in order moves
up into a freed 示范 place, a tie across the new cut is 待审定; the money follows. An objection
naming a community not on the lists is an error at its cell."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import YEAR, part_of, typed_row
from greencomm.check import check_inputs
from greencomm.errors import UsageError
from greencomm.judge.results import Results, judge
from greencomm.programme import Programme, load_programme
from greencomm.read.inputs import Inputs
from judge.test_judge_inline import DEMO, FULL

REVIEWED = ("A2", "A3", "B3", "F1")


def candidates(programme: Programme, lamps: list[Decimal]) -> list[dict[str, Any]]:
    """One 示范 applicant per B1 (lamps, a ramp of 0.1 point per 1 % from 50 % to 100 %: each B1
    its own total; not a review item)."""
    return [
        typed_row(programme, **{**FULL, "community": f"{n:02d}号社区", "target": DEMO, "B1": b1})
        for n, b1 in enumerate(lamps)
    ]


def run(
    programme: Programme, rows: list[dict[str, Any]], objections: list[dict[str, Any]] | None, reviewed: bool = True
) -> Results:
    inputs = Inputs(part_of(rows))
    if reviewed:
        reviews = [
            {"reviewer": who, "reviewer_district": "天心区", "district": "芙蓉区", "community": row["community"],
             **{i: FULL[i] for i in REVIEWED}}
            for row in rows
            for who in ("甲", "乙", "丙")
        ]  # fmt: skip
        inputs.reviews = part_of(reviews, "评审.xlsx", "现场评审评分表")
    if objections is not None:
        inputs.objections = part_of(objections, "异议.xlsx", "公示异议")
    return judge(inputs, check_inputs(inputs, programme), programme)


def objection(community: str, verdict: str = "成立", note: str = "申报数据不实") -> dict[str, Any]:
    return {"district": "芙蓉区", "community": community, "verdict": verdict, "note": note}


def statuses(results: Results) -> dict[str, str]:
    return dict(zip(results.table.community, results.table.status, strict=True))


@pytest.fixture
def refilling(tmp_path: Path) -> Programme:
    config = tmp_path / "greencomm.toml"
    config.write_text("[quotas]\nrefill = true\n", encoding="utf-8")
    return load_programme(config, YEAR)


# 22 applicants, each a total of its own: the first 20 are 示范社区, the 21st and 22nd are not
DISTINCT = [Decimal(100) - Decimal(n) for n in range(22)]


def test_without_objections_the_first_20_are_chosen(programme: Programme) -> None:
    results = run(programme, candidates(programme, DISTINCT), None)
    shown = statuses(results)
    assert [shown[f"{n:02d}号社区"] for n in range(22)] == ["示范社区"] * 20 + ["节能环保社区"] * 2
    assert results.hearing is None


def test_an_upheld_objection_withdraws_the_title_and_its_place_stays_empty(programme: Programme) -> None:
    results = run(programme, candidates(programme, DISTINCT), [objection("03号社区", note="节能改造户数不实")])
    shown = statuses(results)
    assert shown["03号社区"] == "未通过" and shown["20号社区"] == "节能环保社区"
    assert results.money()["demonstrations"] == 19 and results.money()["total"] == 19 * 20_000
    row = results.table[results.table.community == "03号社区"].iloc[0]
    assert row.reasons == ["公示期间异议经核查成立：节能改造户数不实"]
    assert results.hearing is not None and (results.hearing.upheld, results.hearing.dismissed) == (1, 0)


def test_with_refill_the_21st_moves_up(refilling: Programme) -> None:
    results = run(refilling, candidates(refilling, DISTINCT), [objection("03号社区")])
    shown = statuses(results)
    assert shown["03号社区"] == "未通过"
    assert shown["20号社区"] == "示范社区" and shown["21号社区"] == "节能环保社区"
    assert results.money()["demonstrations"] == 20 and results.money()["total"] == 20 * 20_000


def test_with_refill_a_tie_across_the_new_cut_is_left_to_the_leadership_group(refilling: Programme) -> None:
    """The 21st and 22nd tie on every key: one freed place, two equal claims — both 待审定."""
    tied = [*DISTINCT[:20], Decimal(70), Decimal(70)]
    before = statuses(run(refilling, candidates(refilling, tied), None))
    assert before["20号社区"] == before["21号社区"] == "节能环保社区"  # the tie was outside the cut
    results = run(refilling, candidates(refilling, tied), [objection("00号社区")])
    shown = statuses(results)
    assert shown["20号社区"] == shown["21号社区"] == "待审定"
    assert results.money()["demonstrations"] == 19


def test_a_dismissed_objection_changes_nothing_but_is_counted(programme: Programme) -> None:
    rows = candidates(programme, DISTINCT)
    plain = run(programme, rows, None)
    heard = run(programme, rows, [objection("03号社区", "不成立", "反映问题与事实不符")])
    assert statuses(heard) == statuses(plain)
    assert heard.hearing is not None and (heard.hearing.upheld, heard.hearing.dismissed) == (0, 1)
    assert not heard.problems


def test_an_objection_to_a_community_not_on_the_lists_is_an_error_at_its_cell(programme: Programme) -> None:
    rows = [*candidates(programme, DISTINCT[:3]), typed_row(programme, **{**FULL, "community": "落选社区",
                                                                           "occupancy": Decimal(50)})]  # fmt: skip
    results = run(programme, rows, [objection("落选社区"), objection("没有这个社区", "不成立"), objection("01号社区")])
    wrong = [p for p in results.problems if p.code == "objection-not-on-list"]
    assert [(p.file, p.sheet, p.cell, p.is_error) for p in wrong] == [
        ("异议.xlsx", "公示异议", "B3", True),
        ("异议.xlsx", "公示异议", "B4", True),
    ]
    assert "芙蓉区 落选社区" in wrong[0].text("zh")
    assert statuses(results)["01号社区"] == "未通过"  # the rightful objection still counts


def test_objections_come_after_review(programme: Programme) -> None:
    with pytest.raises(UsageError, match="--reviews"):
        run(programme, candidates(programme, DISTINCT[:2]), [objection("00号社区")], reviewed=False)
