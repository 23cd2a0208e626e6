"""The judge on typed rows built inline, no workbook: vetoes, the levels at their thresholds, the
reviewers' means, and whole years through check_inputs → judge (docs/rules.md#vetoes, #levels,
#reviewers, #ordering)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest

from conftest import part_of, typed_row
from greencomm.check import check_inputs
from greencomm.judge import cents
from greencomm.judge.levels import threshold_cents
from greencomm.judge.results import Results, judge
from greencomm.judge.reviews import aggregate
from greencomm.judge.vetoes import vetoes
from greencomm.programme import Programme
from greencomm.read.inputs import Inputs

DEMO, PASS = "节能环保示范社区", "节能环保社区"
# every item at its maximum, typed: total 100, every category full
FULL: dict[str, Any] = {
    **{i: Decimal(v) for i, v in {"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "E2": 6}.items()},
    **{i: Decimal(v) for i, v in {"B1": 100, "B5": 60, "C1": 90, "C3": 100, "C4": 90, "D1": 35}.items()},
    **{"E5": Decimal(90), "E6": Decimal(95), "D2": 0, "D3": 0, "E3": 300},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}


def full(programme: Programme, **overrides: Any) -> dict[str, Any]:
    return typed_row(programme, **{**FULL, **overrides})


def run(programme: Programme, rows: list[dict[str, Any]], reviews: list[dict[str, Any]] | None = None) -> Results:
    inputs = Inputs(part_of(rows))
    if reviews is not None:
        inputs.reviews = part_of(reviews, "评审.xlsx", "现场评审评分表")
    return judge(inputs, check_inputs(inputs, programme), programme)


def by_name(results: Results) -> dict[str, pd.Series]:
    return {row.community: row for _, row in results.table.iterrows()}


@pytest.mark.parametrize(
    ("overrides", "failed"),
    [
        ({"occupancy": Decimal("59.99")}, ["V1"]),
        ({"occupancy": Decimal(60)}, []),  # exactly 60% is not below 60%
        ({"penalty": True}, ["V2"]),
        ({"complaints": 3, "complaints_closed": 2}, ["V3"]),
        ({"incident": True}, ["V4"]),
        ({"E6": Decimal("59.5")}, ["V5"]),
        ({"occupancy": None, "complaints_closed": None}, []),  # a blank is an error of its own, never a veto
        ({"occupancy": Decimal(50), "penalty": True}, ["V1", "V2"]),
    ],
)
def test_vetoes(programme: Programme, overrides: dict[str, Any], failed: list[str]) -> None:
    frame = part_of([typed_row(programme, **overrides)]).frame
    assert vetoes(frame, programme).tolist() == [failed]


def test_vetoes_in_integers_are_the_vetoes_value_by_value(programme: Programme) -> None:
    """Numbers compared over the whole column in integers (`Exact`, as judging has them from the
    columns as parsed) fail the same rows as the exact comparison value by value: at the threshold,
    a billionth either side of it, beyond 9 decimals (left to the values), blank, 是 (a value of another kind)."""
    near = [Decimal(60), Decimal("59.999999999"), Decimal("60.000000001"), Decimal("59.9999999999"),
            Decimal("0"), Decimal("100"), None, True]  # fmt: skip
    rows = [typed_row(programme, occupancy=v, E6=near[-1 - n], complaints=c, complaints_closed=d)
            for n, v in enumerate(near) for c, d in ((3, 2), (2, 2), (Decimal("2.5"), 2), (None, 1))]  # fmt: skip
    frame = part_of(rows).frame
    made: list[str] = []

    def exact(key: str) -> cents.Exact:
        made.append(key)
        return cents.scaled(frame[key].to_numpy(dtype=object))

    expected = vetoes(frame, programme).tolist()
    assert vetoes(frame, programme, exact).tolist() == expected
    assert {"occupancy", "E6", "complaints", "complaints_closed"} <= set(made), "the numbers went by integers"
    assert {"V1", "V3", "V5"} <= {code for codes in expected for code in codes}
    assert [] in expected


def test_thresholds_are_whole_cents_reached_exactly() -> None:
    assert threshold_cents(Fraction(80)) == 8000
    assert threshold_cents(Fraction(3) * Fraction(6, 10)) == 180  # 60% of a 3-point category: 1.80
    assert threshold_cents(Fraction(1, 3)) == 34  # the least whole cents that reach 1/3 point


def test_levels_at_their_thresholds(programme: Programme) -> None:
    rows = [
        full(programme, community="满分社区", target=DEMO),
        # 100 − F1 6 − F2 4 − E2 4 (2 activities: the ramp's floor) − E3 3 (1% volunteers) − D2 3 (3 problems) = 80
        full(programme, community="八十分社区", F1=Decimal(0), F2="无", E2=2, E3=91, D2=3),
        full(programme, community="否决社区", target=DEMO, occupancy=Decimal(50)),
        full(programme, community="区外社区", district="长沙县"),
    ]
    table = by_name(run(programme, rows))
    assert table["满分社区"].status == "推荐现场评审" and table["满分社区"].total == Decimal("100.00")
    eighty = table["八十分社区"]
    assert eighty.total == Decimal("80.00") and eighty.status == PASS  # exactly 80 is enough
    assert table["否决社区"].status == "未通过" and table["否决社区"].vetoes == ["V1"]
    outside = table["区外社区"]
    assert outside.status == "未通过" and outside.eligibility == ["Q1"] and outside["district_rank"] == 1


def test_q3_is_judged_for_the_title_in_play(programme: Programme) -> None:
    """A 节能环保社区 holder may apply for 示范: chosen, it shows no Q3; not chosen, it falls back
    to the title it holds, is blocked for it, and shows Q3."""
    holder = {"city_title": PASS, "city_title_year": 2025, "target": DEMO}
    rows = [full(programme, community="持有者社区", **holder)]
    chosen = by_name(run(programme, rows))["持有者社区"]
    assert chosen.status == "推荐现场评审" and chosen.eligibility == []
    rows = [full(programme, community="持有者社区", **holder, B1=Decimal(70))]  # 98 points: still a candidate
    rows += [full(programme, community=f"{n}号社区", target=DEMO) for n in range(30)]  # 30 with 100 points
    fallen = by_name(run(programme, rows))["持有者社区"]
    assert fallen.status == "未通过" and fallen.eligibility == ["Q3"]
    assert any("未进入前 30 名" in r for r in fallen.reasons) and any("资格 Q3" in r for r in fallen.reasons)


def test_reviewers_mean_with_recusal_and_trimming(programme: Programme) -> None:
    communities = part_of([typed_row(programme, community="甲社区")]).frame
    scores = {"天心区": "3", "岳麓区": "2.5", "开福区": "2", "雨花区": "1", "望城区": "2", "市直": "0.5"}
    reviews = [
        {
            "reviewer": f"{d}专家",
            "reviewer_district": d,
            "district": "芙蓉区",
            "community": "甲社区",
            **{i: Decimal(s) for i in ("A2", "A3", "B3", "F1")},
        }
        for d, s in {"芙蓉区": "0", **scores}.items()  # the 芙蓉区 expert is recused: her 0 never counts
    ]
    aggregated, problems = aggregate(part_of(reviews, "评审.xlsx", "现场评审评分表").frame, communities, programme)
    a2 = aggregated[communities.index[0]]["A2"]
    # 6 left after recusal: with 5 or more, drop one highest (3) and one lowest (0.5): (2.5 + 2 + 1 + 2) ÷ 4
    assert a2.scores == (Decimal(1), Decimal(2), Decimal(2), Decimal("2.5")) and a2.mean == Fraction(15, 8)
    assert problems == []


def test_points_are_rounded_once_per_item_and_summed(programme: Programme) -> None:
    from greencomm.judge.scoring import score_items

    frame = part_of([full(programme, C1=Decimal(51), E5=Decimal("61.15"))]).frame
    scores = score_items(frame, programme)
    row = frame.index[0]
    assert scores.points.loc[row, "C1"] == Decimal("0.13")  # 5 × 1/40 = 0.125, half-up
    assert scores.points.loc[row, "E5"] == Decimal("0.12")  # 3 × 1.15/30 = 0.115, half-up
    assert scores.categories.loc[row, "C"] == Decimal("15.13")  # 20 − 5 + 0.13, the sum of the rounded items
    assert scores.total[row] == sum(scores.categories.loc[row])


def test_a_tie_across_the_last_place_is_left_to_the_leadership_group(programme: Programme) -> None:
    """21 reviewed candidates equal on every key for 20 places: none is chosen by chance."""
    rows = [full(programme, community=f"{n:02d}号社区", target=DEMO) for n in range(21)]
    reviews = [
        {
            "reviewer": who,
            "reviewer_district": "天心区",
            "district": "芙蓉区",
            "community": row["community"],
            **{i: FULL[i] for i in ("A2", "A3", "B3", "F1")},
        }
        for row in rows
        for who in ("甲", "乙", "丙")
    ]
    results = run(programme, rows, reviews)
    assert results.table.status.tolist() == ["待审定"] * 21
    assert results.money()["demonstrations"] == 0 and results.money()["total"] == 0
    rows[0]["B1"] = Decimal(99)  # one falls behind: 20 left tied for 20 places, all confirmed
    results = run(programme, rows, reviews)
    assert sorted(results.table.status.value_counts().items()) == [("示范社区", 20), ("节能环保社区", 1)]


def test_ties_are_in_pinyin_order_and_only_ties_are_put_into_pinyin(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results.ordered: by rank, equal ranks in pinyin order of 社区名称 — the same order as putting
    every name into pinyin, while only the tied names are."""
    import greencomm.judge.results as results_module
    from greencomm.judge.ranking import pinyin_key

    names = ["重庆社区", "长沙社区", "阿坝社区", "中山社区", "白沙社区", "曾家社区", "银杏社区", "安居社区"]
    rows = [full(programme, community=n, E6=Decimal(95 - (n in {"银杏社区", "安居社区"}) * k))
            for k, n in enumerate(names)]  # fmt: skip
    asked: list[str] = []
    monkeypatch.setattr(results_module, "pinyin_key", lambda name: asked.append(name) or pinyin_key(name))
    results = run(programme, rows)
    table = results.table
    everyone = table.assign(_py=table.community.map(pinyin_key)).sort_values(["rank", "_py"], kind="mergesort")
    assert results.ordered().community.tolist() == everyone.community.tolist()
    tied = table["rank"].duplicated(keep=False)
    assert sorted(asked) == sorted(table.community[tied]) and "银杏社区" not in asked
    assert results.ordered().community.tolist() == everyone.community.tolist()  # worked out once, same again
