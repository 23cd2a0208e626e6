"""Veto items (一票否决, docs/rules.md#vetoes): any one fails the community whatever its score. Each
veto compares a column with a fixed value or with another column, as the rubric says."""

from __future__ import annotations

import operator
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from greencomm.judge.cents import LIMIT, SCALE, Exact
from greencomm.programme import Programme
from greencomm.programme.layouts import column_for_header, submission_columns
from greencomm.programme.rubric import Veto
from greencomm.read.values import map_unique

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _comparable(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return Fraction(value)


def _veto_column(veto: Veto, programme: Programme, name: str) -> str:
    col = column_for_header(submission_columns(programme), name)
    if col is None:
        raise KeyError(f"veto {veto.id}: no column {name!r}")
    return col.key


def vetoes(frame: pd.DataFrame, programme: Programme, exact: Callable[[str], Exact | None] | None = None) -> pd.Series:
    """The failed veto codes of every row (a blank or wrong cell triggers nothing: it is an error).
    Each distinct (value, other value) pair is compared once, exactly. `exact` gives a column of
    `frame` as `Exact` where the caller has it (greencomm.judge.results.as_parsed): numbers are then
    compared over the whole column in integers, and only the other rows value by value."""
    failed: list[tuple[str, np.ndarray]] = []
    for veto in programme.rubric.vetoes:
        key = _veto_column(veto, programme, veto.field)
        other = _veto_column(veto, programme, veto.other) if veto.other is not None else None
        made = _in_integers(veto, exact, key, other) if exact is not None else None
        hit, rest = made if made is not None else (np.zeros(len(frame), dtype=bool), np.arange(len(frame)))
        if len(rest):
            left = frame[key].iloc[rest]
            if other is not None:
                right = frame[other].iloc[rest].tolist()
                pairs = pd.Series(list(zip(left.tolist(), right, strict=True)), index=left.index, dtype=object)
                hit[rest] = map_unique(pairs, partial(_holds, OPS[veto.op])).to_numpy(dtype=bool)
            else:
                hit[rest] = map_unique(left, partial(_holds_against, OPS[veto.op], veto.value)).to_numpy(dtype=bool)
        failed.append((veto.id, hit))
    hits = np.vstack([h for _, h in failed]) if failed else np.zeros((0, len(frame)), dtype=bool)
    out: list[list[str]] = [[] for _ in range(len(frame))]
    for n in np.flatnonzero(hits.any(axis=0)).tolist():
        out[n] = [code for (code, _), hit in zip(failed, hits[:, n], strict=True) if hit]
    return pd.Series(out, index=frame.index, dtype=object)


def _in_integers(
    veto: Veto, exact: Callable[[str], Exact | None], key: str, other: str | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """A veto on numbers compared in integers (X = x × 10⁹, as `Exact` holds them): which rows
    fail it, and the rows left to compare value by value (a blank, a value of another kind such as
    是, one the integers cannot hold). None when the column (or the value) is not one of integers."""
    left = exact(key)
    if left is None:
        return None
    usable = left.known & ~left.odd
    if other is not None:
        right = exact(other)
        if right is None:
            return None
        usable &= right.known & ~right.odd
        against: np.ndarray | int = right.x
    else:
        if veto.value is None or isinstance(veto.value, bool):
            return None
        fixed = Fraction(veto.value) * SCALE
        if fixed.denominator != 1 or abs(fixed) >= LIMIT:
            return None
        against = int(fixed)
    hit = np.asarray(OPS[veto.op](left.x, against), dtype=bool) & usable
    return hit, np.flatnonzero(~usable)


def _holds_against(op: Callable[[Any, Any], bool], fixed: Any, value: Any) -> bool:
    return _holds(op, (value, fixed))


def _holds(op: Callable[[Any, Any], bool], pair: tuple[Any, Any]) -> bool:
    a, b = _comparable(pair[0]), _comparable(pair[1])
    return a is not None and b is not None and bool(op(a, b))
