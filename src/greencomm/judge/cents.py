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
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from greencomm.programme.rubric import Item
from greencomm.read.tables import Coded
from greencomm.read.values import distinct

SCALE = 10**9  # a typed number has at most 9 decimals as read
LIMIT = 2**62  # integers above this go by Python's own (arbitrary) integers


class Exact(NamedTuple):
    """A typed column as exact integers X = x × 10⁹; `known` where the cell holds a number, `odd`
    where it holds one the integers cannot carry (more than 9 decimals, or beyond 10⁹): those rows
    are scored by the fraction rules."""

    x: np.ndarray  # int64
    known: np.ndarray  # bool
    odd: np.ndarray  # bool

    def take(self, at: np.ndarray) -> Exact:
        return Exact(self.x[at], self.known[at], self.odd[at])


def scaled(values: np.ndarray) -> Exact:
    """A typed column (objects) as `Exact`, each distinct value converted once."""
    codes, uniques = distinct(values)
    return _converted(uniques).take(codes)


def _converted(uniques: Sequence[Any] | np.ndarray, only: Sequence[int] | None = None) -> Exact:
    """Each value as `Exact`, one by one (`only` these, the rest left unknown)."""
    numbers = np.zeros(len(uniques), dtype=np.int64)
    known = np.zeros(len(uniques), dtype=bool)
    odd = np.zeros(len(uniques), dtype=bool)
    for n in range(len(uniques)) if only is None else only:
        value = uniques[n]
        if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        known[n] = True
        exact = Decimal(value).scaleb(9)
        if exact != exact.to_integral_value() or abs(exact) >= SCALE * SCALE:
            odd[n] = True
        else:
            numbers[n] = int(exact)
    return Exact(numbers, known, odd)


_DIGITS = pa.decimal128(18, 9)  # what the fast readings read: 9 digits either side of the point (read/fast.py)
_BILLION = pa.scalar(Decimal(SCALE), pa.decimal128(10, 0))


def as_parsed(coded: Sequence[Coded], at: np.ndarray | None) -> Exact:
    """`scaled` of a column from the column as parsed (`coded`: each batch's distinct values and
    its rows' codes; `at`: the rows wanted, by position, None for all): the numbers read by the fast
    readings from the text they were made from, over the whole column in Arrow (no value hashed,
    none converted in Python), the rest one by one."""
    parts = []
    for form in coded:
        assert form.uniques is not None and form.codes is not None
        read = (np.zeros(len(form.uniques), dtype=bool) if form.canonical is None
                else form.canonical.is_valid().to_numpy(zero_copy_only=False))  # fmt: skip
        each = _converted(form.uniques, np.flatnonzero(~read).tolist())  # the values the exact rules made
        if form.canonical is not None:
            numbers = pc.cast(pc.multiply(pc.cast(form.canonical.filter(read), _DIGITS), _BILLION), pa.int64())
            each.x[read] = numbers.to_numpy(zero_copy_only=False)
            each.known[read] = True
        parts.append(each.take(form.codes))
    whole = Exact(*(np.concatenate([getattr(p, f) for p in parts]) for f in Exact._fields))
    return whole if at is None else whole.take(at)


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
    item: Item,
    values: np.ndarray,
    bases: np.ndarray | None,
    fallback: Callable[[Any, Any], int],
    exact: tuple[Exact | None, Exact | None] = (None, None),
) -> np.ndarray:
    """Cents of every row of one item; `fallback(value, base)` scores a row the integers cannot
    (the fraction rules). `exact`: the values and the bases as `Exact` where the caller has them
    (else they are `scaled`)."""
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
    x, known, odd = exact[0] if exact[0] is not None else scaled(values)
    if bases is None:
        usable = known & ~odd
        cents = line(k, c, top, np.where(usable, x, 0))
    else:  # a ratio in percent: x = 100·A / B, both exact: 100·XA / XB
        base, base_known, base_odd = exact[1] if exact[1] is not None else scaled(bases)
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
