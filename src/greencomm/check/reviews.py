"""Review sheets (docs/rules.md#review-sheets, #reviewers): who reviewed whom, and recusal (回避),
written once here and used by the aggregation of scores too.

A reviewer whose own district is the community's is recused: the row is ignored whether blank or
filled. A city-level expert (专家所在区 = 市直, a setting) is recused from nothing. A blank score of
anyone else is a warning naming the cell, never a 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greencomm.check.cells import Cell, cells_of, rows, where
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.read.inputs import Part
from greencomm.read.names import name_keys


def recused(reviews: pd.DataFrame, programme: Programme) -> np.ndarray:
    """Per review row: the reviewer comes from the community's own district (and is not a
    city-level expert). A blank district on either side recuses nobody: it is an error of its own."""
    city_level = name_keys(pd.Series([programme.settings.review.city_level])).iloc[0]
    own = name_keys(reviews.reviewer_district)
    same = (own == reviews._district_key) & own.notna() & (own != city_level)
    return np.asarray(same.to_numpy(dtype=bool))


def _out_of_range(problem: Problem, programme: Programme) -> Problem:
    """A review score outside 0..max is named as such."""
    if problem.code != "number-out-of-range" or problem.field not in programme.rubric.item_ids:
        return problem
    item = programme.rubric.item(problem.field)
    return Problem("review-score-out-of-range", problem.file, problem.sheet, problem.cell, problem.field,
                   problem.value, {"max": str(item.max)})  # fmt: skip


def check_reviews(part: Part, programme: Programme, communities: pd.DataFrame) -> list[Problem]:
    """Every problem of the review sheets: those met reading them (a recused row's cells ignored, a
    score out of range named as such), blank scores, unknown reviewer districts and communities.
    Duplicates: greencomm.check.duplicates."""
    frame = part.frame
    items = [i.id for i in programme.rubric.review_items]
    read = [_out_of_range(p, programme) for p in part.problems]
    flagged = cells_of(read, errors_only=False)
    skip: set[Cell] = set()
    blank: list[Problem] = []
    is_recused = recused(frame, programme) if len(frame) else np.zeros(0, dtype=bool)
    for n, row in enumerate(frame.to_dict("records")):
        for item in items:
            at = where(part, row, item)
            place = (at["file"], at["sheet"], at["cell"])
            if is_recused[n]:
                skip.add(place)
            elif row[item] is None and place not in flagged:
                blank.append(Problem("review-blank-score", **at, field=item,
                                     params={"reviewer": row["reviewer"], "community": row["community"]}))  # fmt: skip
    kept = [p for p in read if (p.file, p.sheet, p.cell) not in skip or p.field not in items]
    return kept + blank + _who_and_whom(part, programme, communities)


def _who_and_whom(part: Part, programme: Programme, communities: pd.DataFrame) -> list[Problem]:
    """A known reviewer district, and a community that applied."""
    frame = part.frame
    out: list[Problem] = []
    city_level = programme.settings.review.city_level
    allowed = set(name_keys(pd.Series([*programme.settings.districts, city_level])))
    strange = frame.reviewer_district.notna() & ~name_keys(frame.reviewer_district).isin(allowed)
    for _, row in rows(frame, strange).iterrows():
        out.append(Problem("review-unknown-district", **where(part, row, "reviewer_district"), field="专家所在区",
                           value=row["reviewer_district"], params={"city_level": city_level}))  # fmt: skip
    if not communities.empty:
        known = set(communities._key.dropna())
        unknown = frame._key.notna() & ~frame._key.isin(known)
        for _, row in rows(frame, unknown).iterrows():
            out.append(Problem("review-unknown-community", **where(part, row, "community"), field="社区名称",
                               value=row["community"],
                               params={"district": row["district"], "community": row["community"]}))  # fmt: skip
    return out
