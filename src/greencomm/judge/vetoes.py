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


def vetoes(frame: pd.DataFrame, programme: Programme) -> pd.Series:
    """The failed veto codes of every row (a blank or wrong cell triggers nothing: it is an error).
    Each distinct (value, other value) pair is compared once, exactly."""
    failed: list[tuple[str, np.ndarray]] = []
    for veto in programme.rubric.vetoes:
        left = frame[_veto_column(veto, programme, veto.field)]
        if veto.other is not None:
            right = frame[_veto_column(veto, programme, veto.other)]
            pairs = pd.Series(list(zip(left.tolist(), right.tolist(), strict=True)), index=frame.index, dtype=object)
            hit = map_unique(pairs, partial(_holds, OPS[veto.op]))
        else:
            hit = map_unique(left, partial(_holds_against, OPS[veto.op], veto.value))
        failed.append((veto.id, hit.to_numpy(dtype=bool)))
    hits = np.vstack([h for _, h in failed]) if failed else np.zeros((0, len(frame)), dtype=bool)
    out: list[list[str]] = [[] for _ in range(len(frame))]
    for n in np.flatnonzero(hits.any(axis=0)).tolist():
        out[n] = [code for (code, _), hit in zip(failed, hits[:, n], strict=True) if hit]
    return pd.Series(out, index=frame.index, dtype=object)


def _holds_against(op: Callable[[Any, Any], bool], fixed: Any, value: Any) -> bool:
    return _holds(op, (value, fixed))


def _holds(op: Callable[[Any, Any], bool], pair: tuple[Any, Any]) -> bool:
    a, b = _comparable(pair[0]), _comparable(pair[1])
    return a is not None and b is not None and bool(op(a, b))
