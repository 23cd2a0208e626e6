"""scoring: every rule kind at its thresholds, exact half-up rounding, and sums a reader can check
(docs/rules.md#scores and #rubric). Expected points are worked out by hand from the rule."""

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import WriteBook, valid_row
from greencomm.judge.scoring import (
    SCORERS,
    round_half_up,
    score_bool,
    score_deduct,
    score_items,
    score_levels,
    score_per_unit,
    score_ramp,
    score_self,
)
from greencomm.programme import Programme, load_programme
from greencomm.programme.rubric import Item, load_rubric
from greencomm.read.inputs import read_submissions
from greencomm.read.values import parse_percent

RUBRIC = load_rubric()


def item(item_id: str) -> Item:
    return RUBRIC.item(item_id)


def pts(text: str) -> Decimal:
    return Decimal(text)


# ---------------------------------------------------------------- each rule kind
@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "3.00"), (False, "0.00"), (None, "0.00")],  # A1 bool, max 3; blank scores nothing
)
def test_bool(value: Any, expected: str) -> None:
    assert score_bool(item("A1"), value).points == pts(expected)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("无", "0.00"), ("示范应用", "2.00"), ("规模应用", "3.00"), ("大量应用", "0.00")],  # B2 levels
)
def test_levels(answer: str, expected: str) -> None:
    assert score_levels(item("B2"), answer).points == pts(expected)


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [
        # B1 percent, max 5, lo 50, hi 100
        ("B1", 0, "0.00"),  # far below lo: clamped to 0
        ("B1", 50, "0.00"),  # at lo
        ("B1", 51, "0.10"),  # 5 × 1 / 50 = 0.1
        ("B1", 99, "4.90"),  # 5 × 49 / 50 = 4.9
        ("B1", 100, "5.00"),  # at hi
        # C1 percent, max 5, lo 50, hi 90: beyond hi is clamped to max
        ("C1", 89, "4.88"),  # 5 × 39 / 40 = 4.875 → 4.88
        ("C1", 90, "5.00"),
        ("C1", 100, "5.00"),
        # A6 count, max 2, lo 0, hi 2
        ("A6", 0, "0.00"),
        ("A6", 1, "1.00"),  # 2 × 1 / 2
        ("A6", 2, "2.00"),
        ("A6", 40, "2.00"),  # clamped to max
        # E2 count, max 4, lo 2, hi 6
        ("E2", 0, "0.00"),  # below lo: clamped to 0
        ("E2", 2, "0.00"),
        ("E2", 3, "1.00"),  # 4 × 1 / 4
        ("E2", 6, "4.00"),
        ("E2", 100, "4.00"),
    ],
)
def test_ramp_percent_and_count(item_id: str, value: int, expected: str) -> None:
    assert score_ramp(item(item_id), Decimal(value)).points == pts(expected)


@pytest.mark.parametrize(
    ("item_id", "value", "base", "expected"),
    [
        # E3 = ratio(志愿者, 常住人口) in %, max 3, lo 1, hi 3
        ("E3", 0, 1000, "0.00"),  # 0% → clamped to 0
        ("E3", 10, 1000, "0.00"),  # 1% = lo
        ("E3", 20, 1000, "1.50"),  # 2% → 3 × 1 / 2
        ("E3", 30, 1000, "3.00"),  # 3% = hi
        ("E3", 500, 1000, "3.00"),  # 50% → clamped to max
        ("E3", 200, 9100, "1.80"),  # 20000/9100 % = 200/91 %; 3 × (200/91 − 1) / 2 = 327/182 = 1.7967… → 1.80
        # E4 = ratio(绿色家庭户数, 户数), max 4, lo 5, hi 20
        ("E4", 50, 1000, "0.00"),  # 5%
        ("E4", 125, 1000, "2.00"),  # 12.5% → 4 × 7.5 / 15
        ("E4", 200, 1000, "4.00"),  # 20%
    ],
)
def test_ramp_ratio(item_id: str, value: int, base: int, expected: str) -> None:
    assert score_ramp(item(item_id), value, base).points == pts(expected)


def test_ramp_blank_scores_nothing() -> None:
    assert score_ramp(item("B1"), None).points == pts("0.00")
    assert score_ramp(item("E3"), 20, None).points == pts("0.00")  # no base, no ratio


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0.00"), (1, "1.00"), (2, "2.00"), (3, "3.00"), (4, "3.00"), (100, "3.00")],  # B6: 1 per kind, cap 3
)
def test_per_unit(count: int, expected: str) -> None:
    assert score_per_unit(item("B6"), count).points == pts(expected)


@pytest.mark.parametrize(
    ("item_id", "count", "expected"),
    [
        ("D2", 0, "4.00"),  # 4 − 1 × 0
        ("D2", 3, "1.00"),  # 4 − 1 × 3
        ("D2", 4, "0.00"),
        ("D2", 5, "0.00"),  # 4 − 5 < 0 → floor 0
        ("D3", 1, "2.00"),  # 4 − 2 × 1
        ("D3", 2, "0.00"),
        ("D3", 3, "0.00"),  # 4 − 6 → 0
        ("D3", 100, "0.00"),
    ],
)
def test_deduct(item_id: str, count: int, expected: str) -> None:
    assert score_deduct(item(item_id), count).points == pts(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal(0), "0.00"), (Decimal("5.5"), "5.50"), (Decimal(6), "6.00"), (Decimal(7), "6.00"), (None, "0.00")],
)
def test_review_item_before_review_takes_self_evaluation(value: Any, expected: str) -> None:
    point = score_self(item("F1"), value)  # F1 review, max 6
    assert point.points == pts(expected)


# ---------------------------------------------------------------- half-up rounding, exactly
def test_round_half_up_at_exact_halves() -> None:
    assert round_half_up(Fraction(1, 8)) == Decimal("0.13")  # 0.125
    assert round_half_up(Fraction(23, 200)) == Decimal("0.12")  # 0.115
    assert round_half_up(Fraction(1, 200)) == Decimal("0.01")  # 0.005
    assert round_half_up(Fraction(1, 3)) == Decimal("0.33")
    assert str(round_half_up(Fraction(2))) == "2.00"


@pytest.mark.parametrize(
    ("item_id", "percent", "expected"),
    [
        ("B1", "73.45", "2.35"),  # 5 × 23.45 / 50 = 2.345 → 2.35
        ("B5", "23", "0.23"),  # 3 × 3 / 40 = 0.225 → 0.23
        ("C1", "51", "0.13"),  # 5 × 1 / 40 = 0.125 → 0.13
        ("E5", "61.15", "0.12"),  # 3 × 1.15 / 30 = 0.115 → 0.12 (floats give 0.11)
    ],
)
def test_ramp_rounds_exact_halves_up(item_id: str, percent: str, expected: str) -> None:
    assert score_ramp(item(item_id), Decimal(percent)).points == pts(expected)


def test_float_cell_is_read_as_its_shortest_decimal() -> None:
    percent, problem = parse_percent(0.7345)
    assert (percent, problem) == (Decimal("73.45"), None)
    assert score_ramp(item("B1"), percent).points == pts("2.35")  # 5 × 23.45 / 50 = 2.345 → 2.35


# ---------------------------------------------------------------- score_items on a frame
def test_score_items_sums_rounded_items(write_submission: WriteBook, programme: Programme) -> None:
    rows = [valid_row(), valid_row(community="文庙坪社区", B1=0.7345, E5="61.15%", C1="51%")]
    frame = read_submissions([write_submission(rows)], programme)[0].frame
    scores = score_items(frame, programme)
    for idx in frame.index:
        for cat in programme.rubric.categories:
            items = [i.id for i in programme.rubric.items_of(cat.id)]
            assert scores.categories.at[idx, cat.id] == sum(scores.points.loc[idx, items], Decimal(0))
        assert scores.total[idx] == sum(scores.categories.loc[idx], Decimal(0))
    second = frame.index[1]
    assert scores.points.at[second, "B1"] == pts("2.35")
    assert scores.points.at[second, "C1"] == pts("0.13")
    assert scores.points.at[second, "E5"] == pts("0.12")
    # valid_row by hand:
    # A 3 + 3 + 2.5 + 2 + 2 + 2 = 14.5
    # B 4 (5×40/50) + 2 + 2.5 + 2 + 1.88 (3×25/40=1.875) + 2 = 14.38
    # C 4.38 (5×35/40=4.375) + 2 + 4 (5×40/50) + 2.67 (4×20/30) + 3 = 16.05
    # D 3.2 (4×8/10) + 3 (4−1) + 4 + 3 = 13.2
    # E 3 + 3 (4×3/4) + 1.80 (E3 200/9100) + 4 (28.125% ≥ 20) + 2.5 (3×25/30) + 2.4 (3×12/15) = 16.70
    # F 5 + 2 = 7; total 14.5 + 14.38 + 16.05 + 13.2 + 16.70 + 7 = 81.83
    first = frame.index[0]
    expected = {"A": "14.50", "B": "14.38", "C": "16.05", "D": "13.20", "E": "16.70", "F": "7.00"}
    assert {c: str(v) for c, v in scores.categories.loc[first].items()} == expected
    assert scores.total[first] == pts("81.83")
    # second row: B1 2.35 instead of 4 (B 12.73); C1 0.13 instead of 4.38 (C 11.80); E5 0.12 instead of 2.5 (E 14.32)
    # total 14.5 + 12.73 + 11.80 + 13.2 + 14.32 + 7 = 73.55
    assert scores.total[second] == pts("73.55")


def test_review_items_come_from_self_evaluation_without_reviews(
    write_submission: WriteBook, programme: Programme
) -> None:
    row = valid_row(A2=2, A3=1.5, B3=0, F1=4.25)
    frame = read_submissions([write_submission([row])], programme)[0].frame
    scores = score_items(frame, programme)
    idx = frame.index[0]
    assert scores.review_source[idx] == "self"
    assert [str(scores.points.at[idx, i]) for i in ("A2", "A3", "B3", "F1")] == ["2.00", "1.50", "0.00", "4.25"]
    assert scores.review_subtotal[idx] == pts("7.75")  # 2 + 1.5 + 0 + 4.25
    assert scores.self_review_sum[idx] == pts("7.75")


# ---------------------------------------------------------------- invariants
def _two_places(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01")) and -value.as_tuple().exponent <= 2


percents = st.decimals(min_value=0, max_value=100, places=4)
counts = st.integers(min_value=0, max_value=10_000)
inputs_by_kind = {
    "bool": st.booleans(),
    "per_unit": counts,
    "deduct": counts,
}


@st.composite
def item_and_input(draw: st.DrawFn) -> tuple[Item, Any, Any]:
    it = draw(st.sampled_from(RUBRIC.items))
    if it.kind == "levels":
        return it, draw(st.sampled_from(sorted(it.levels))), None
    if it.kind == "review":
        return it, draw(st.decimals(min_value=0, max_value=it.max.numerator, places=2)), None
    if it.kind == "ramp" and it.input == "ratio":
        base = draw(st.integers(min_value=1, max_value=50_000))
        return it, draw(st.integers(min_value=0, max_value=base)), base
    if it.kind == "ramp":
        return it, draw(percents if it.input == "percent" else counts), None
    return it, draw(inputs_by_kind[it.kind]), None


@given(item_and_input())
def test_points_are_within_bounds_with_two_decimals(case: tuple[Item, Any, Any]) -> None:
    it, value, base = case
    point = score_ramp(it, value, base) if it.kind == "ramp" else SCORERS[it.kind](it, value)
    assert 0 <= point.points <= it.max
    assert _two_places(point.points)
    assert round_half_up(point.exact) == point.points


@given(st.integers(min_value=-1_000_000, max_value=1_000_000), st.integers(min_value=1, max_value=1000))
def test_round_half_up_agrees_with_decimal_quantize(numerator: int, denominator: int) -> None:
    # 50 digits decide the rounding exactly: a non-half value is at least 1/200000 away from a half.
    with localcontext() as ctx:
        ctx.prec = 50
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    got = round_half_up(Fraction(numerator, denominator))
    assert got == expected
    assert _two_places(got)


# ---------------------------------------------------------------- totals are sums, for any input
def _item_value(item: Item) -> st.SearchStrategy[object]:
    if item.kind == "bool":
        return st.booleans()
    if item.kind == "levels":
        return st.sampled_from(list(item.levels))
    if item.kind == "review":
        return st.decimals(min_value=0, max_value=Decimal(item.max.numerator) / item.max.denominator, places=1)
    if item.input == "percent":
        return st.decimals(min_value=0, max_value=100, places=2)
    return st.integers(min_value=0, max_value=60)


RUBRIC_ITEMS = load_rubric().items


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[_item_value(i) for i in RUBRIC_ITEMS]), min_size=1, max_size=6))
def test_totals_are_sums_of_rounded_items(rows: list[tuple[object, ...]]) -> None:
    programme = load_programme(year=2026)
    frame = pd.DataFrame([dict(zip([i.id for i in RUBRIC_ITEMS], r, strict=True)) for r in rows], dtype=object)
    frame["population"], frame["households"] = 2000, 1000
    scores = score_items(frame, programme)
    for idx in frame.index:
        for cat in programme.rubric.categories:
            items = [scores.points.at[idx, i.id] for i in programme.rubric.items_of(cat.id)]
            assert scores.categories.at[idx, cat.id] == sum(items, Decimal(0))
            assert 0 <= scores.categories.at[idx, cat.id] <= cat.max
        assert scores.total[idx] == sum((scores.categories.at[idx, c.id] for c in programme.rubric.categories),
                                        Decimal(0))  # fmt: skip
