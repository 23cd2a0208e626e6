"""Rules across the cells of a district's rows (docs/rules.md#district-workbook), and its 创建活动."""

from __future__ import annotations

from typing import Any

import pandas as pd

from greencomm.check.cells import Cell, rows, where
from greencomm.problems import Problem
from greencomm.programme import NO_TITLE, Programme
from greencomm.programme.layouts import column_for_header, submission_columns
from greencomm.read.inputs import META, Part
from greencomm.read.values import map_unique

MESSAGE_COLUMNS = ["district", "community", "complaints", "city_title", "population", "households"]


def _num(series: pd.Series) -> pd.Series:
    """Numbers for comparing (NaN where blank): float() of each value, over the column in C."""
    return series.astype("float64")


def check_communities(frame: pd.DataFrame, part: Part, programme: Programme, flagged: set[Cell]) -> list[Problem]:
    """Rules that compare cells of one row, and the submission date. A cell that already holds an
    error gets no second problem on top."""
    out: list[Problem] = []
    columns = submission_columns(programme)
    header = {c.key: c.header for c in columns}
    year = programme.year

    def add(code: str, mask: pd.Series, key: str, **params: Any) -> None:
        # plain dicts of only the flagged rows and the columns a message can use
        for row in rows(frame, mask)[list(dict.fromkeys([*META, key, *MESSAGE_COLUMNS]))].to_dict("records"):
            at = where(part, row, key)
            if (at["file"], at["sheet"], at["cell"]) in flagged:
                continue
            extra = {k: (v(row) if callable(v) else v) for k, v in params.items()}
            out.append(Problem(code, **at, field=header[key], value=row[key], params=extra))

    # V3 needs closed ≤ total to be data, not a typo: more closed than received is an error.
    add(
        "closed-exceeds-total",
        _num(frame.complaints_closed) > _num(frame.complaints),
        "complaints_closed",
        total=lambda r: r["complaints"],
    )
    for item in programme.rubric.items:
        if item.ratio_of:
            base = column_for_header(columns, item.ratio_of)
            if base is not None:  # a ratio above 100% is a typing mistake, not a record
                add(
                    "ratio-exceeds-base",
                    _num(frame[item.id]) > _num(frame[base.key]),
                    item.id,
                    base_field=base.header,
                    base=lambda r, k=base.key: r[k],
                )
    titled = frame.city_title.notna() & (frame.city_title != NO_TITLE)
    add(
        "city-title-year-missing",
        titled & frame.city_title_year.isna(),
        "city_title_year",
        title=lambda r: r["city_title"],
    )
    add(
        "city-title-year-without-title",
        (frame.city_title == NO_TITLE) & frame.city_title_year.notna(),
        "city_title_year",
    )
    add("year-in-future", _num(frame.city_title_year) > year, "city_title_year", year=year)
    deadline = programme.settings.submission_deadline
    late = map_unique(frame.fill_date, lambda d: d is not None and d > deadline)
    add("late-submission", late, "fill_date", deadline=deadline.isoformat())
    return out


def check_activities(activities: pd.DataFrame, part: Part, programme: Programme) -> list[Problem]:
    """An activity dated outside the programme year is a warning (it may be a typing mistake); so
    is one whose count is blank: it is counted as unknown, never as 0 people."""
    if activities.empty:
        return []
    year = programme.year
    outside = activities.date.map(lambda d: d is not None and d.year != year)
    out = [
        Problem(
            "activity-outside-year", **where(part, row, "date"), field="日期", value=row["date"], params={"year": year}
        )
        for _, row in rows(activities, outside).iterrows()
    ]
    units = {a.name: a.unit for a in programme.settings.activity_types}
    quantity = activities["quantity"] if "quantity" in activities else pd.Series(None, index=activities.index)
    unknown = activities.participants.isna() & quantity.isna() & activities.type.notna()
    for _, row in rows(activities, unknown).iterrows():
        unit = units.get(row["type"], "人次")
        key, field = ("participants", "参加人次") if unit == "人次" else ("quantity", "数量")
        if not part.address(row["_file"], row["_sheet"], key, int(row["_row"])):
            key = "participants"  # a sheet without a 数量 column: name the 参加人次 cell
        at = where(part, row, key)
        out.append(Problem("activity-count-unknown", **at, field=field,
                           params={"type": row["type"], "name": row["name"], "unit": unit}))  # fmt: skip
    return out
