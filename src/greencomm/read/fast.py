"""The common forms of a number, a percentage and a phone number, read over a whole column with Arrow
(docs/rules.md#values): `85`, `85.34`, `85.34%`, `0.8534`, `８５％`, `0731-84567890`. A real year
has a different value in nearly every row, so reading cell by cell in Python would cost seconds;
here the column is recognised and converted in a few vectorised passes, and only what is left —
blanks, thousands separators, text, the odd form — goes to the exact cell-by-cell rules of
greencomm.read.values, which these agree with (tests/test_fast_read.py proves it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from greencomm.programme.layouts import Column
from greencomm.programme.rubric import fmt

Judged = tuple[Any, str | None, dict[str, str]]  # the typed value, or a problem code and its details
FAST_TYPES = frozenset({"integer", "number", "percent", "phone"})
_PLAIN = r"^[+-]?[0-9]{1,9}(\.[0-9]{1,9})?$"  # digits a decimal128(18, 9) holds exactly
_ZERO = r"^[+-]?0*(\.0*)?$"
_UNSHOWN = r"^\+|(\.[0-9]*[1-9])0+$|\.0+$"  # a plus sign, trailing zeros after the point, a point left bare
_INTEGRAL = r"^[+-]?[0-9]+(\.0*)?$"
_MOBILE_OR_LANDLINE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}[0-9]{7,8})$"
DECIMAL = pa.decimal128(18, 9)


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _canonical(body: pa.Array) -> pa.Array:
    """The text of a plain number as values.normalise_decimal leaves it: no sign on zero, no
    trailing zeros after the point, no point left bare (85.50 → 85.5, 3.0 → 3, -0 → 0)."""
    text = pc.replace_substring_regex(body, _UNSHOWN, r"\1")  # one pass: a regex pass costs its cells, not its work
    return pc.if_else(pc.match_substring_regex(text, _ZERO), pa.scalar("0"), text)


_SPACES = np.zeros(256, dtype=bool)
_SPACES[[0x09, 0x0A, 0x0C, 0x0D, 0x20]] = True  # what RE2 calls \s


def _unspaced(texts: pa.Array) -> pa.Array:
    """The texts without their white space (RE2's \\s: tab, newline, form feed, return, space); the
    regex is left out when no byte of the column is one (a year's numbers hold none)."""
    data = texts.buffers()[2]
    if pa.types.is_string(texts.type) and (data is None or not _SPACES[np.frombuffer(data, dtype=np.uint8)].any()):
        return texts
    return pc.replace_substring_regex(texts, r"\s+", "")


def _bound(value: Fraction | None) -> Decimal | None:
    """A column's bound as an exact decimal; None when it has none."""
    return None if value is None else Decimal(value.numerator) / Decimal(value.denominator)


def _decimals(texts: list[str | None]) -> list[Decimal | None]:
    return [None if t is None else Decimal(t) for t in texts]


@dataclass(frozen=True)
class Verdicts:
    """What the fast readings tell of each text of a column: `known` where they tell (elsewhere the
    exact rules must), and there its typed value (None for a problem), its problem's code (None
    for none) and the problem's details (None for none) — arrays, one entry a text."""

    known: np.ndarray  # bool
    values: np.ndarray  # objects
    codes: np.ndarray  # objects: a problem code, or None
    params: np.ndarray  # objects: a problem's details, or None
    # of a number or percentage made here, the text it was made from (`_canonical`, a percentage in
    # percent); null elsewhere. None when no entry has one
    canonical: pa.Array | None = None

    @classmethod
    def none(cls, count: int) -> Verdicts:
        return cls(np.zeros(count, dtype=bool), *(np.full(count, None, dtype=object) for _ in range(3)))


def _kept(canonical: pa.Array, good: np.ndarray) -> pa.Array:
    """The canonical texts of the entries made, null elsewhere."""
    return pc.if_else(pa.array(good), canonical, pa.scalar(None, pa.string()))


def judge_column(col: Column, texts: pa.Array) -> list[Judged | None]:
    """For each text of the column (the distinct texts of a column, as a rule): what
    tables._judge would say, or None where this cannot tell and the exact rules must."""
    verdicts = judge_texts(col, texts)
    return [(verdicts.values[n], verdicts.codes[n], verdicts.params[n] or {}) if known else None
            for n, known in enumerate(verdicts.known.tolist())]  # fmt: skip


def judge_texts(col: Column, texts: pa.Array) -> Verdicts:
    """`judge_column` as arrays, made over the whole column: Python touches a value only to make it."""
    count = len(texts)
    if col.type == "phone":
        return _phones(texts)
    bounds = [_bound(col.above), _bound(col.maximum)]
    if any(b is not None and Fraction(b) != f for b, f in zip(bounds, (col.above, col.maximum), strict=True)):
        return Verdicts.none(count)  # a bound no decimal holds: the exact rules
    text = _unspaced(pc.utf8_normalize(texts, "NFKC"))
    percent = _mask(pc.ends_with(text, "%")) if col.type == "percent" else np.zeros(count, dtype=bool)
    body = pc.if_else(pa.array(percent), pc.utf8_slice_codeunits(text, 0, -1), text)  # the % at the end off
    plain = _mask(pc.match_substring_regex(body, _PLAIN))
    if not plain.any():
        return Verdicts.none(count)
    body = pc.if_else(pa.array(plain), body, pa.scalar("0"))
    number = pc.cast(body, DECIMAL)
    negative = _mask(pc.less(number, pa.scalar(Decimal(0), DECIMAL)))
    if col.type == "percent":
        return _percents(body, number, plain, percent, negative)
    verdicts = Verdicts.none(count)
    canonical = _canonical(body)
    above, maximum = bounds
    low = _mask(pc.less_equal(number, pa.scalar(above, DECIMAL))) if above is not None else np.zeros(count, bool)
    high = _mask(pc.greater(number, pa.scalar(maximum, DECIMAL))) if maximum is not None else np.zeros(count, bool)
    integral = (_mask(pc.match_substring_regex(body, _INTEGRAL)) if col.type == "integer"
                else np.ones(count, dtype=bool))  # fmt: skip
    # the first problem a text has, in the order the exact rules look
    wrong = plain & negative
    fraction = plain & ~negative & ~integral
    under = plain & ~negative & integral & low
    over = plain & ~negative & integral & ~low & high
    good = plain & ~(negative | ~integral | low | high)
    verdicts.known[:] = plain
    verdicts.codes[wrong] = "negative-number"
    verdicts.codes[fraction] = "not-an-integer"
    verdicts.codes[under | over] = "number-out-of-range"
    if under.any() and col.above is not None:
        verdicts.params[under] = {"range": f"大于{fmt(col.above)}"}
    if over.any() and col.maximum is not None:
        verdicts.params[over] = {"range": f"{fmt(col.minimum or 0)}–{fmt(col.maximum)}"}
    verdicts.params[wrong | fraction] = {}
    shown = canonical.filter(pa.array(good))
    if col.type == "integer":
        made: list[Any] = pc.cast(pc.replace_substring_regex(shown, r"\..*$", ""), pa.int64()).to_pylist()
    else:
        made = _decimals(shown.to_pylist())
    _place(verdicts.values, good, made)
    return dataclasses.replace(verdicts, canonical=_kept(canonical, good))


def _place(into: np.ndarray, where: np.ndarray, values: list[Any]) -> None:
    """`values` into the entries `where` is true, in order."""
    if values:
        made = np.empty(len(values), dtype=object)
        made[:] = values
        into[where] = made


def _percents(
    body: pa.Array, number: pa.Array, plain: np.ndarray, percent: np.ndarray, negative: np.ndarray
) -> Verdicts:
    """`85%` and `85.34` are percentages; `0.85` (in [0, 1], without %) a fraction of one."""
    hundred = pa.scalar(Decimal(100), DECIMAL)
    fraction = ~percent & _mask(pc.less_equal(number, pa.scalar(Decimal(1), DECIMAL))) & ~negative
    over = plain & (_mask(pc.greater(number, hundred)) | negative)
    good = plain & ~over
    scaled = pc.cast(pc.multiply(number, pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.string())
    canonical = _canonical(pc.if_else(pa.array(fraction), scaled, body))
    shown = canonical.filter(pa.array(good))
    verdicts = Verdicts.none(len(body))
    verdicts.known[:] = plain
    verdicts.codes[over] = "percent-out-of-range"
    verdicts.params[over] = {}
    _place(verdicts.values, good, _decimals(shown.to_pylist()))
    return dataclasses.replace(verdicts, canonical=_kept(canonical, good))


def _phones(texts: pa.Array) -> Verdicts:
    """A mobile or a landline written plainly (separators allowed, no +86): the text as written."""
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(texts, "NFKC"))
    digits = pc.replace_substring_regex(text, r"[\s\-—–()]", "")
    good = _mask(pc.match_substring_regex(digits, _MOBILE_OR_LANDLINE))
    verdicts = Verdicts.none(len(texts))
    verdicts.known[:] = good
    _place(verdicts.values, good, text.filter(pa.array(good)).to_pylist())
    return verdicts
