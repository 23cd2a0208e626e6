"""Points per item, exactly (docs/rules.md#scores): every rule computed as a fraction (multiply before dividing, never a
binary float) and rounded once, half-up, to 2 decimals. Categories and the total are sums of the
rounded items, so a reader can add them by hand.

The points of a whole column are computed at once, in integers (greencomm.judge.cents); these
fraction rules are their reference, and give each point its explanation (input value → rule →
points) when `explain` or the detail sheet asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, partial
from math import floor
from typing import Any

import numpy as np
import pandas as pd

from greencomm.judge.cents import Exact, column_cents
from greencomm.programme import Programme
from greencomm.programme.layouts import Column, column_for_header, submission_columns
from greencomm.programme.rubric import Item, Rubric, fmt

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SELF, REVIEW = "self", "review"


def round_half_up(value: Fraction) -> Decimal:
    """四舍五入 to 2 decimals (not banker's rounding): 0.125 → 0.13, 0.115 → 0.12."""
    sign = -1 if value < 0 else 1
    cents = floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(sign * cents) / 100).quantize(CENT)


def _fraction(value: Any) -> Fraction | None:
    if value is None or isinstance(value, bool):
        return None
    return Fraction(value)


def _clamp01(x: Fraction) -> Fraction:
    return min(Fraction(1), max(Fraction(0), x))


@dataclass(frozen=True)
class Point:
    """One item of one community: what went in, which rule, what came out."""

    exact: Fraction
    points: Decimal
    shown: str  # the input as a person reads it: "85%", "是", "35 ÷ 2000 = 1.75%"
    rule: str  # the rule as applied: "5 × (85 − 50) ÷ 50"


def _missing(item: Item) -> Point:
    return Point(Fraction(0), ZERO, "（无有效值）", "无有效填报值，计0分")


def score_bool(item: Item, value: Any) -> Point:
    if value is None:
        return _missing(item)
    exact = item.max if value else Fraction(0)
    return Point(exact, round_half_up(exact), "是" if value else "否", item.rule_text())


def score_levels(item: Item, value: Any) -> Point:
    if value is None or value not in item.levels:
        return _missing(item)
    exact = item.levels[value]
    return Point(exact, round_half_up(exact), str(value), f"“{value}”得{fmt(exact)}分")


def _ramp(item: Item, x: Fraction, shown: str) -> Point:
    exact = item.max * _clamp01((x - item.lo) / (item.hi - item.lo))
    if x <= item.lo:
        rule = f"≤{fmt(item.lo)}，得0分"
    elif x >= item.hi:
        rule = f"≥{fmt(item.hi)}，得满分{fmt(item.max)}"
    else:
        rule = f"{fmt(item.max)} × ({_show(x)} − {fmt(item.lo)}) ÷ {fmt(item.hi - item.lo)}"
    return Point(exact, round_half_up(exact), shown, rule)


def _show(x: Fraction) -> str:
    """A fraction in decimals: exact when it terminates, else to 4 places with an ellipsis."""
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        return fmt(x)
    return f"{float(x):.4f}…"


def score_ramp(item: Item, value: Any, base: Any = None) -> Point:
    x = _fraction(value)
    if x is None:
        return _missing(item)
    if item.input == "ratio":
        denominator = _fraction(base)
        if not denominator:
            return _missing(item)
        percent = x * 100 / denominator
        return _ramp(item, percent, f"{fmt(x)} ÷ {fmt(denominator)} = {_show(percent)}%")
    unit = "%" if item.input == "percent" else ""
    return _ramp(item, x, f"{fmt(x)}{unit}")


def score_per_unit(item: Item, value: Any) -> Point:
    x = _fraction(value)
    if x is None:
        return _missing(item)
    exact = min(item.max, max(Fraction(0), item.per * x))  # points within [0, max], whatever comes in
    return Point(exact, round_half_up(exact), f"{fmt(x)}种", f"{fmt(x)} × {fmt(item.per)}，最高{fmt(item.max)}")


def score_deduct(item: Item, value: Any) -> Point:
    x = _fraction(value)
    if x is None:
        return _missing(item)
    exact = min(item.max, max(Fraction(0), item.max - item.per * x))  # within [0, max], whatever comes in
    return Point(exact, round_half_up(exact), f"{fmt(x)}件", f"{fmt(item.max)} − {fmt(item.per)} × {fmt(x)}，不低于0")


def score_self(item: Item, value: Any) -> Point:
    """A review item before review: the district's self-evaluation stands in, marked as such."""
    x = _fraction(value)
    if x is None:
        return _missing(item)
    exact = min(item.max, max(Fraction(0), x))
    return Point(exact, round_half_up(exact), f"自评{fmt(x)}", "现场评审前以自评分代替")


SCORERS: dict[str, Callable[[Item, Any], Point]] = {
    "bool": score_bool,
    "levels": score_levels,
    "ramp": score_ramp,
    "per_unit": score_per_unit,
    "deduct": score_deduct,
    "review": score_self,
}


@dataclass(frozen=True)
class ReviewedItem:
    """The reviewers' aggregate for one item of one community (see reviews.py)."""

    mean: Fraction | None  # None: no usable score (an error; the community counts as not reviewed)
    scores: tuple[Decimal, ...]  # the scores used, after recusal and trimming
    note: str  # "7位专家，去掉最高最低，5位平均"


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _decimals(cents: pd.Series) -> pd.Series:
    """Integer cents as Decimals, each distinct amount converted once."""
    codes, amounts = pd.factorize(cents)
    shown = np.empty(len(amounts), dtype=object)
    shown[:] = [cents_to_decimal(a) for a in amounts.tolist()]
    return pd.Series(shown[codes], index=cents.index, dtype=object)


def format_cents(cents: int) -> str:
    """91.35 from 9135: a score to exactly 2 decimals, as people read it."""
    whole, part = divmod(int(cents), 100)
    return f"{whole}.{part:02d}"


def _cents(points: Decimal) -> int:
    return int(points.scaleb(2))


class Aligned:
    """Scores of some rows, in the order asked for, as points (cents ÷ 100) ready to show; `at` is
    each row's position in the typed frame, for its other columns. Each kind of points is worked
    out when first asked for (a list that shows the total alone needs no item's points)."""

    def __init__(self, scores: Scores, at: np.ndarray) -> None:
        self._scores = scores
        self.at = at

    @cached_property
    def items(self) -> dict[str, np.ndarray]:
        return {i: self._scores.cents[i].to_numpy()[self.at] / 100 for i in self._scores.cents.columns}

    @cached_property
    def categories(self) -> dict[str, np.ndarray]:
        cents = self._scores.category_cents
        return {c: cents[c].to_numpy()[self.at] / 100 for c in cents.columns}

    @cached_property
    def total(self) -> np.ndarray:
        return np.asarray(self._scores.total_cents.to_numpy()[self.at] / 100)

    @cached_property
    def review(self) -> np.ndarray:
        return np.asarray(self._scores.review_cents.to_numpy()[self.at] / 100)


@dataclass
class Scores:
    """Points of every community as integer cents (exact, fast to add and compare), aligned with the
    typed input frame's index; Decimal views for display. Every point keeps its explanation: one
    Point per distinct input of an item, shared by the rows that gave that input."""

    index: pd.Index
    rubric: Rubric
    cents: pd.DataFrame  # item id → int64 cents
    category_cents: pd.DataFrame  # category id → int64 cents
    review_cents: pd.Series  # the review items' subtotal
    self_review_cents: pd.Series  # the self-evaluated review items' subtotal
    review_source: pd.Series  # "self" | "review"
    _inputs: dict[str, tuple[np.ndarray, np.ndarray | None]]  # item → each row's input (and base, for a ratio)
    _reviewed: dict[tuple[Any, str], Point]  # (row, item) → the reviewers' Point
    _explained: dict[tuple[str, Any], Point] = field(default_factory=dict)  # (item, input) → its Point

    @property
    def total_cents(self) -> pd.Series:
        return self.category_cents.sum(axis=1)

    def point(self, row: Any, item_id: str) -> Point:
        """The row's point of the item with its explanation (input → rule → points), worked out when
        asked — by the fraction rules, once per distinct input."""
        reviewed = self._reviewed.get((row, item_id))
        if reviewed is not None:
            return reviewed
        values, bases = self._inputs[item_id]
        at = self.index.get_loc(row)
        key = (item_id, (values[at], bases[at] if bases is not None else None))
        if key not in self._explained:
            self._explained[key] = reference_point(self.rubric.item(item_id), *key[1])
        return self._explained[key]

    def aligned(self, labels: pd.Index) -> Aligned:
        """The scores of the rows `labels` names, in that order: the one place rows are re-aligned."""
        return Aligned(self, self.index.get_indexer(labels))

    # Decimal views: for people and tests, not for the hot path.
    @cached_property
    def points(self) -> pd.DataFrame:
        return self.cents.map(cents_to_decimal).astype(object)

    @cached_property
    def categories(self) -> pd.DataFrame:
        return self.category_cents.map(cents_to_decimal).astype(object)

    @cached_property
    def total(self) -> pd.Series:
        return _decimals(self.total_cents)

    @cached_property
    def review_subtotal(self) -> pd.Series:
        return _decimals(self.review_cents)

    @cached_property
    def self_review_sum(self) -> pd.Series:
        return _decimals(self.self_review_cents)

    @property
    def explained(self) -> pd.DataFrame:
        return pd.DataFrame(
            {i: [self.point(r, i) for r in self.index] for i in self._inputs}, index=self.index, dtype=object
        )


def _base_column(item: Item, columns: tuple[Column, ...]) -> str | None:
    if not item.ratio_of:
        return None
    col = column_for_header(columns, item.ratio_of)
    return col.key if col else None


def _reference_cents(item: Item, value: Any, base: Any) -> int:
    return _cents(reference_point(item, value, base).points)


def reference_point(item: Item, value: Any, base: Any = None) -> Point:
    """One input scored by the fraction rules: the reference the integer columns agree with, and the
    explanation of the point."""
    if item.kind == "ramp":
        return score_ramp(item, value, base) if item.ratio_of else score_ramp(item, value)
    return SCORERS[item.kind](item, value)


def score_items(
    frame: pd.DataFrame,
    programme: Programme,
    reviewed: Mapping[Any, Mapping[str, ReviewedItem]] | None = None,
    exact: Callable[[str], Exact | None] | None = None,
) -> Scores:
    """Every item of every row. `reviewed` maps a row index to its reviewers' aggregates; `exact`
    gives a column of `frame` as `Exact` when it has it (greencomm.judge.cents.as_parsed)."""
    rubric: Rubric = programme.rubric
    columns = submission_columns(programme)
    reviewed = reviewed or {}
    inputs: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    cents: dict[str, np.ndarray] = {}
    for item in rubric.items:
        base = _base_column(item, columns)
        values = frame[item.id].to_numpy(dtype=object)
        bases = frame[base].to_numpy(dtype=object) if base else None
        inputs[item.id] = (values, bases)
        made = (exact(item.id), exact(base) if base else None) if exact is not None else (None, None)
        cents[item.id] = column_cents(item, values, bases, partial(_reference_cents, item), made)
    review_ids = [i.id for i in rubric.review_items]
    self_review = sum((cents[i] for i in review_ids), np.zeros(len(frame), dtype=np.int64))
    overrides: dict[tuple[Any, str], Point] = {}
    sources = np.full(len(frame), SELF, dtype=object)
    found = frame.index.get_indexer(pd.Index(list(reviewed), dtype=object))  # each reviewed row's position, -1 if none
    for (row, items), n in zip(reviewed.items(), found, strict=True):
        if n < 0:
            continue
        sources[n] = REVIEW
        for item_id, agg in items.items():
            if agg.mean is not None:  # reviews.aggregate passes only communities reviewed on every item
                shown = "、".join(fmt(s) for s in agg.scores)
                point = Point(agg.mean, round_half_up(agg.mean), f"专家评分 {shown}", agg.note)
                overrides[(row, item_id)] = point
                cents[item_id][n] = _cents(point.points)
    cents_frame = pd.DataFrame(cents, index=frame.index, dtype=np.int64)
    categories = pd.DataFrame(
        {c.id: cents_frame[[i.id for i in rubric.items_of(c.id)]].sum(axis=1) for c in rubric.categories},
        index=frame.index,
        dtype=np.int64,
    )
    return Scores(
        index=frame.index,
        rubric=rubric,
        cents=cents_frame,
        category_cents=categories,
        review_cents=cents_frame[review_ids].sum(axis=1).astype(np.int64),
        self_review_cents=pd.Series(self_review, index=frame.index, dtype=np.int64),
        review_source=pd.Series(sources, index=frame.index, dtype=object),
        _inputs=inputs,
        _reviewed=overrides,
    )
