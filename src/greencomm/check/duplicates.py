"""One row per thing (docs/rules.md#district-workbook): a community applies once a year, a reviewer
scores a community once, the register names a community once a year. Files are taken in name
order and rows top down; the first stands and every later copy is an error at its 社区名称 cell,
naming the first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from greencomm.check.cells import where
from greencomm.problems import Problem
from greencomm.read.inputs import Part
from greencomm.read.names import joined_keys


def later_duplicates(
    frame: pd.DataFrame, part: Part, keys: pd.Series, code: str, params: Callable[[pd.Series], dict[str, Any]]
) -> list[Problem]:
    """Rows whose key an earlier row already has. A None key (a blank part) is never a duplicate."""
    out = []
    first: dict[Any, str] = {}
    named = keys.notna()
    for idx in frame.index[named & keys.duplicated(keep=False)]:
        row = frame.loc[idx]
        at = where(part, row, "community")
        if keys[idx] not in first:
            first[keys[idx]] = f"{at['file']} {at['sheet']}!{at['cell']}"
            continue
        extra = {**params(row), "other": first[keys[idx]]}
        out.append(Problem(code, **at, field="社区名称", value=row["community"], params=extra))
    return out


def duplicate_communities(frame: pd.DataFrame, part: Part) -> tuple[list[Problem], pd.Index]:
    """(所属区, 社区名称) is unique across all submissions of the year: the errors, and the rows of
    the later copies, which take no place, no rank and no money (only the first copy is judged)."""
    if frame.empty:
        return [], pd.Index([])
    problems = later_duplicates(frame, part, frame._key, "duplicate-community",
                                lambda r: {"district": r["district"], "community": r["community"]})  # fmt: skip
    return problems, frame.index[frame._key.notna() & frame._key.duplicated(keep="first")]


def duplicate_reviews(part: Part) -> list[Problem]:
    """A reviewer scores a community once."""
    frame = part.frame
    keys = joined_keys(frame.reviewer, frame.district, frame.community)
    return later_duplicates(frame, part, keys, "review-duplicate",
                            lambda r: {k: r[k] for k in ("reviewer", "district", "community")})  # fmt: skip


def duplicate_register_entries(part: Part) -> list[Problem]:
    """The register names a community once a year."""
    frame = part.frame
    keys = joined_keys(frame.year, frame.district, frame.community)
    return later_duplicates(frame, part, keys, "register-duplicate",
                            lambda r: {k: r[k] for k in ("year", "district", "community")})  # fmt: skip
