"""Points as whole cents, computed over a whole column at once in integers (docs/rules.md#scores).

Every rule kind is a line clipped to [0, max]: points × 100 = k·x + c for the item's exact
constants k and c (fractions from the rubric) and the row's input x, then rounded once, half-up.
With x exact as an integer X = x × 10⁹ (a typed number has at most 9 decimals as read), the line
is an integer numerator over one common denominator D, and half-up rounding of v / D (v ≥ 0) is
⌊(2v + D) / 2D⌋ — the same cents the fraction rules of greencomm.judge.scoring give, which stay the
reference, the explanation of every point, and the way for a value the integers cannot hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from greencomm.programme.rubric import Item
from greencomm.read.values import distinct

SCALE = 10**9  # a typed number has at most 9 decimals as read
LIMIT = 2**62  # integers above this go by Python's own (arbitrary) integers


def scaled(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A typed column as exact integers X = x × 10⁹; `known` where the cell holds a number, `odd`
    where it holds one the integers cannot carry (more than 9 decimals, or beyond 10⁹): those rows
    are scored by the fraction rules. Each distinct value is converted once."""
    codes, uniques = distinct(values)
    numbers = np.zeros(len(uniques), dtype=np.int64)
    known = np.zeros(len(uniques), dtype=bool)
    odd = np.zeros(len(uniques), dtype=bool)
    for n, value in enumerate(uniques):
        if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        known[n] = True
        exact = Decimal(value).scaleb(9)
        if exact != exact.to_integral_value() or abs(exact) >= SCALE * SCALE:
            odd[n] = True
        else:
            numbers[n] = int(exact)
    return numbers[codes], known[codes], odd[codes]


def half_up(value: Fraction) -> int:
    """四舍五入 to whole cents of points given ×100: 12.5 → 13."""
    sign = -1 if value < 0 else 1
    return sign * math.floor(abs(value) + Fraction(1, 2))


def line(k: Fraction, c: Fraction, top: Fraction, x: np.ndarray, unit: np.ndarray | int = SCALE) -> np.ndarray:
    """Cents of clip(k·x + c, 0, top), x = X / unit, rounded half-up once. Exact: with k = kn/kd and
    c = cn/cd over their common denominator d, the value is v / (d·unit) for the integer
    v = (kn·d/kd)·X + (cn·d/cd)·unit. In int64 when nothing can overflow, else in Python's integers."""
    d = math.lcm(k.denominator, c.denominator)
    a, b = k.numerator * (d // k.denominator), c.numerator * (d // c.denominator)
    units = np.broadcast_to(np.asarray(unit, dtype=np.int64), x.shape)
    most_x = int(np.abs(x).max(initial=0))
    most_unit = int(np.abs(units).max(initial=1))
    most = max(abs(a) * most_x + abs(b) * most_unit, d * most_unit)
    if most * (top.numerator + top.denominator + 4) >= LIMIT:
        xs, us = x.astype(object), units.astype(object)
    else:
        xs, us = x.astype(np.int64), units.astype(np.int64)
    v = a * xs + b * us
    den = d * us
    rounded = (2 * v + den) // (2 * den)
    high = v * top.denominator >= top.numerator * den
    cents = np.where(v <= 0, 0, np.where(high, half_up(top), rounded))
    return np.asarray(cents, dtype=np.int64)


def kind_line(item: Item) -> tuple[Fraction, Fraction] | None:
    """k and c of points × 100 = k·x + c for the item's rule, x as typed (a percentage in percent);
    None for the kinds that are no line (bool, levels)."""
    top = 100 * item.max
    if item.kind == "ramp":
        k = top / (item.hi - item.lo)
        return k, -k * item.lo
    if item.kind == "per_unit":
        return 100 * item.per, Fraction(0)
    if item.kind == "deduct":
        return -100 * item.per, top
    if item.kind == "review":  # the self-evaluation, before review
        return Fraction(100), Fraction(0)
    return None


def column_cents(
    item: Item, values: np.ndarray, bases: np.ndarray | None, fallback: Callable[[Any, Any], int]
) -> np.ndarray:
    """Cents of every row of one item; `fallback(value, base)` scores a row the integers cannot
    (the fraction rules)."""
    top = 100 * item.max
    n = len(values)
    if item.kind == "bool":
        full = half_up(top)
        return np.where(np.array([v is True for v in values.tolist()], dtype=bool), full, 0).astype(np.int64)
    if item.kind == "levels":
        answers = {answer: half_up(100 * points) for answer, points in item.levels.items()}
        codes, uniques = distinct(values)
        each = np.array([answers.get(u, 0) if isinstance(u, str) else 0 for u in uniques], dtype=np.int64)
        return each[codes] if n else np.zeros(0, dtype=np.int64)
    constants = kind_line(item)
    assert constants is not None, item.kind
    k, c = constants
    x, known, odd = scaled(values)
    if bases is None:
        usable = known & ~odd
        cents = line(k, c, top, np.where(usable, x, 0))
    else:  # a ratio in percent: x = 100·A / B, both exact: 100·XA / XB
        base, base_known, base_odd = scaled(bases)
        odd = known & base_known & (odd | base_odd) & (base != 0)
        usable = known & base_known & ~odd & (base != 0)
        numerator, per = np.where(usable, x, 0), np.where(usable, base, 1)
        if not ((numerator % SCALE).any() or (per % SCALE).any()):  # counts, as usual: whole numbers
            numerator, per = numerator // SCALE, per // SCALE
        cents = line(k, c, top, 100 * numerator, per)
    cents = np.where(usable, cents, 0)
    for row in np.flatnonzero(odd).tolist():  # the rare value with more than 9 decimals
        cents[row] = fallback(values[row], bases[row] if bases is not None else None)
    return np.asarray(cents, dtype=np.int64)
