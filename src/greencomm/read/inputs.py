"""`validate`: every rule of programme.md's workbook section, as a report of problems.

Reading never stops at a bad file or a bad cell: each becomes a Problem and the rest goes on.
The typed tables it builds are what `score` works from.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from greencomm.check.eligibility import title_blocks
from greencomm.errors import InputError, SheetTooLarge
from greencomm.problems import Problem
from greencomm.programme.layouts import (
    ACTIVITY_READ_COLUMNS,
    ACTIVITY_SHEET,
    CITY_TITLES,
    DEMO_TITLE,
    INSTRUCTIONS_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    Programme,
    column_for_header,
    review_columns,
    submission_columns,
)
from greencomm.programme.settings import Limits
from greencomm.read.sandbox import POOL, Caps
from greencomm.read.tables import (
    META,
    Table,
    blank_cells,
    fact_problems,
    find_sheet,
    is_covered,
    locate_table,
    parse_table,
)
from greencomm.read.values import map_unique, name_key, name_keys
from greencomm.read.workbook import Workbook, cell_position, expand_inputs, read_workbook

NO_TITLE = CITY_TITLES[0]


@dataclass
class Loaded:
    """One kind of input, read and parsed: the typed rows and the problems met on the way."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    letters: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (file, sheet) → key → A

    def address(self, file: str, sheet: str, key: str, row: int) -> str:
        letter = self.letters.get((file, sheet), {}).get(key, "")
        return f"{letter}{row}" if letter else ""


@dataclass
class Submissions(Loaded):
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class ValidationReport:
    submissions: Submissions
    reviews: Loaded | None = None
    register: Loaded | None = None

    @property
    def problems(self) -> list[Problem]:
        parts = [self.submissions, self.reviews, self.register]
        return sort_problems(p for part in parts if part is not None for p in part.problems)

    @property
    def files(self) -> list[Path]:
        parts = [self.submissions, self.reviews, self.register]
        return [f for part in parts if part is not None for f in part.files]

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.sheet, cell_position(p.cell) or (0, 0), p.code))


def warm_reader(programme: Programme | None = None) -> None:
    """Start the reading process while other work goes on (it takes 0.1 s to start): with the
    programme's limits, or the default ones before the settings are read."""
    limits = programme.settings.limits if programme is not None else Limits()
    if os.environ.get("GREENCOMM_READER", "fastexcel") == "fastexcel":
        POOL.warm(Caps(limits.max_read_mb, limits.max_read_seconds))


def _open(path: Path, problems: list[Problem], programme: Programme, password: str | None) -> Workbook | None:
    """The workbook, through the guard; a file that cannot be read is a problem, and the batch goes on."""
    limits = programme.settings.limits
    try:
        return read_workbook(path, password=password, limits=limits)
    except InputError as exc:
        problems.append(Problem("unreadable-file", path.name, params={"detail": str(exc).split(": ", 1)[-1]}))
        return None


def _open_all(
    paths: list[Path], problems: list[Problem], programme: Programme, password: str | None
) -> list[tuple[Path, Workbook | None]]:
    """Open every workbook and read its submission sheet, several files at once: the Rust reader
    works outside Python's lock, so two cores read two files. Failures are kept for the sheet's
    own reading to report, in file order."""
    books = [(path, _open(path, problems, programme, password)) for path in paths]

    def prefetch(book: Workbook | None) -> None:
        name = _submission_sheet(book) if book is not None else None
        if book is not None and name is not None:
            with contextlib.suppress(InputError):  # reported when the sheet is read for real
                book.sheet(name)

    if len(books) > 1:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            list(pool.map(prefetch, [b for _, b in books]))
    return books


def _load_table(
    book: Workbook,
    name: str,
    columns: tuple[Column, ...],
    identity: tuple[str, ...],
    loaded: Loaded,
    optional: bool = False,
) -> tuple[pd.DataFrame, Table] | None:
    """A sheet's table, parsed. An optional sheet (创建活动) left untouched, or with its header
    alone, holds nothing: no problem."""
    try:
        sheet = book.sheet(name)
    except SheetTooLarge as exc:
        params = {"detail": exc.zh, "detail_en": exc.en}
        loaded.problems.append(Problem("sheet-too-large", book.name, name, exc.cell, params=params))
        return None
    except InputError as exc:
        loaded.problems.append(Problem("unreadable-file", book.name, name, params={"detail": str(exc)}))
        return None
    if optional and sheet.is_blank:
        return None
    table, problems = locate_table(sheet, book.name, columns, identity)
    if optional and table is not None and not table.height:
        return None
    loaded.problems.extend(problems)
    if table is None or any(p.code == "missing-column" for p in problems):
        return None
    if not sheet.visible:
        loaded.problems.append(Problem("hidden-sheet", book.name, name, params={"sheet": name}))
    frame, cell_problems = parse_table(table, columns, book.limits.max_text_chars)
    facts, covered = fact_problems(sheet, table, columns, book.recalculate)
    if facts:  # the sheet's own word on a cell comes first: one problem per cell
        blank_cells(frame, table, facts)
        cell_problems = [p for p in cell_problems if not is_covered(p.cell, covered)]
    loaded.problems.extend(facts + cell_problems)
    loaded.letters[(book.name, name)] = {k: table.letter(k) for k in table.columns}
    return frame, table


def _submission_sheet(book: Workbook) -> str | None:
    named = find_sheet(book.sheet_names, SUBMISSION_SHEET)
    if named is not None:
        return named
    others = {name_key(ACTIVITY_SHEET), name_key(INSTRUCTIONS_SHEET)}
    return next((s for s in book.visible_names if name_key(s) not in others), None)


# ---------------------------------------------------------------- submissions
def read_submissions(paths: Iterable[Path], programme: Programme, password: str | None = None) -> Submissions:
    columns = submission_columns(programme)
    result = Submissions(
        pd.DataFrame(columns=[*(c.key for c in columns), "_file", "_sheet", "_row", "_district_key", "_community_key"])
    )
    frames, activities = [], []
    for path, book in _open_all(expand_inputs(paths), result.problems, programme, password):
        result.files.append(path)
        if book is None:
            continue
        sheet = _submission_sheet(book)
        if sheet is None:
            result.problems.append(Problem("missing-sheet", book.name, params={"expected": SUBMISSION_SHEET}))
            continue
        loaded = _load_table(book, sheet, columns, ("district", "community"), result)
        if loaded is None:
            continue
        frame = with_name_keys(loaded[0])
        flagged = {(p.file, p.sheet, p.cell) for p in result.problems if p.is_error}
        result.problems.extend(check_communities(frame, result, columns, programme, flagged))
        frames.append(frame)
        act_sheet = find_sheet(book.sheet_names, ACTIVITY_SHEET)
        if act_sheet is not None:
            acts = _read_activities(book, act_sheet, frame, programme, result)
            if acts is not None:
                activities.append(acts)
    if frames:
        result.frame = pd.concat(frames, ignore_index=True)
    result.problems.extend(check_duplicates(result.frame, result))
    if activities:
        result.activities = pd.concat(activities, ignore_index=True)
    return result


def _where(loaded: Loaded, row: Any, key: str) -> dict[str, str]:
    return {
        "file": row["_file"],
        "sheet": row["_sheet"],
        "cell": loaded.address(row["_file"], row["_sheet"], key, int(row["_row"])),
    }


def _flag(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return frame[mask.fillna(False).astype(bool)]


def _num(series: pd.Series) -> pd.Series:
    """Numbers for comparing (NaN where blank), converted once per distinct value."""
    return pd.to_numeric(map_unique(series, lambda v: None if v is None else float(v)), errors="coerce")


MESSAGE_COLUMNS = ["district", "community", "complaints", "city_title", "population", "households"]


def check_communities(
    frame: pd.DataFrame,
    loaded: Loaded,
    columns: tuple[Column, ...],
    programme: Programme,
    flagged: Collection[tuple[str, str, str]] = (),
) -> list[Problem]:
    """Rules across the cells of one row, and the eligibility facts validate reports as warnings.
    A cell that already holds an error gets no second problem on top."""
    out: list[Problem] = []
    header = {c.key: c.header for c in columns}
    year = programme.year

    def add(code: str, mask: pd.Series, key: str, value: Any = None, **params: Any) -> None:
        # plain dicts of only the flagged rows and the columns a message can use
        for row in _flag(frame[list(dict.fromkeys([*META, key, *MESSAGE_COLUMNS]))], mask).to_dict("records"):
            where = _where(loaded, row, key)
            if (where["file"], where["sheet"], where["cell"]) in flagged:
                continue
            shown = row[key] if value is None else value(row) if callable(value) else value
            extra = {k: (v(row) if callable(v) else v) for k, v in params.items()}
            out.append(Problem(code, **where, field=header[key], value=shown, params=extra))

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
            if base is not None:
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
    # Eligibility: facts about the community, reported as warnings (programme.md, 资格).
    districts = {name_key(d) for d in programme.settings.districts}
    outside = frame._district_key.map(lambda d: d is not None and d not in districts)
    add("eligibility-q1", outside, "district", districts="、".join(programme.settings.districts))
    no_title = frame.district_title_year.isna() | (_num(frame.district_title_year) > year)
    add(
        "eligibility-q2",
        no_title,
        "district_title_year",
        value=lambda r: r["district_title_year"] if r["district_title_year"] is not None else "空",
    )
    recommended = programme.rubric.recommend_value
    add(
        "eligibility-q4",
        frame.recommendation.notna() & (frame.recommendation != recommended),
        "recommendation",
    )
    return out


def later_duplicates(
    frame: pd.DataFrame, loaded: Loaded, keys: pd.Series, code: str, params: Callable[[pd.Series], dict[str, Any]]
) -> list[Problem]:
    """Rows whose key an earlier row already has (files in name order, rows top down): each later
    copy is an error at its 社区名称 cell, naming the first. A None key is never a duplicate."""
    out = []
    first: dict[Any, str] = {}
    named = keys.notna()
    for idx in frame.index[named & keys.duplicated(keep=False)]:
        row = frame.loc[idx]
        where = _where(loaded, row, "community")
        if keys[idx] not in first:
            first[keys[idx]] = f"{where['file']} {where['sheet']}!{where['cell']}"
            continue
        out.append(
            Problem(code, **where, field="社区名称", value=row["community"], params={
                **params(row), "other": first[keys[idx]]})
        )  # fmt: skip
    return out


def _key(*parts: pd.Series) -> pd.Series:
    """Names compared as programme.md says (NFKC, trimmed); None when a part is blank."""
    # Plain lists: Series.map would infer pandas' string dtype and turn None into NaN.
    cleaned = [name_keys(p).tolist() for p in parts]
    keys = [None if None in combo else "\x00".join(combo) for combo in zip(*cleaned, strict=True)]
    return pd.Series(keys, index=parts[0].index, dtype=object)


def with_name_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """_district_key and _community_key: the names as programme.md compares them, computed once."""
    return frame.assign(
        _district_key=name_keys(frame.district),
        _community_key=name_keys(frame.community),
    )


def check_duplicates(frame: pd.DataFrame, loaded: Loaded) -> list[Problem]:
    """(所属区, 社区名称) is unique across all submissions of the year: later copies are errors."""
    if frame.empty:
        return []
    keys = [None if d is None or c is None else f"{d}\x00{c}"
            for d, c in zip(frame._district_key.tolist(), frame._community_key.tolist(), strict=True)]  # fmt: skip
    return later_duplicates(
        frame, loaded, pd.Series(keys, index=frame.index, dtype=object), "duplicate-community",
        lambda r: {"district": r["district"], "community": r["community"]},
    )  # fmt: skip


def _workbook_district(frame: pd.DataFrame, book: Workbook, programme: Programme) -> str:
    """The district an activities sheet belongs to: the district most rows of its workbook name."""
    known = [d for d in frame.district.dropna() if d in programme.settings.districts]
    if known:
        return str(Counter(known).most_common(1)[0][0])
    return next((d for d in programme.settings.districts if d in book.name), "")


def _read_activities(
    book: Workbook, sheet: str, frame: pd.DataFrame, programme: Programme, result: Submissions
) -> pd.DataFrame | None:
    loaded = _load_table(book, sheet, ACTIVITY_READ_COLUMNS, ("name",), result, optional=True)
    if loaded is None:
        return None
    acts, _ = loaded
    year = programme.year
    for _, row in acts[acts.date.map(lambda d: d is not None and d.year != year)].iterrows():
        result.problems.append(
            Problem(
                "activity-outside-year",
                **_where(result, row, "date"),
                field="日期",
                value=row["date"],
                params={"year": year},
            )
        )
    acts["district"] = acts["district"].where(acts["district"].notna(), _workbook_district(frame, book, programme))
    return acts


# ---------------------------------------------------------------- review sheets
def read_reviews(
    paths: Iterable[Path], programme: Programme, communities: pd.DataFrame, password: str | None = None
) -> Loaded:
    columns = review_columns(programme)
    result = Loaded(pd.DataFrame(columns=[*(c.key for c in columns), "_file", "_sheet", "_row"]))
    frames = []
    for path in expand_inputs(paths):
        result.files.append(path)
        book = _open(path, result.problems, programme, password)
        if book is None:
            continue
        named = find_sheet(book.sheet_names, REVIEW_SHEET)
        for sheet in [named] if named is not None else book.visible_names:
            loaded = _load_table(book, sheet, columns, ("reviewer", "community"), result)
            if loaded is not None:
                frames.append(loaded[0])
    result.problems = [_review_range(p, programme) for p in result.problems]
    result.problems = _drop_recused(result.problems, frames, result, programme)
    if frames:
        result.frame = pd.concat(frames, ignore_index=True)
    result.problems += check_review_rows(result.frame, result, programme, communities)
    return result


def check_review_rows(
    frame: pd.DataFrame, loaded: Loaded, programme: Programme, communities: pd.DataFrame
) -> list[Problem]:
    """Who reviewed whom: a known reviewer district, a community that applied, one row per pair."""
    out: list[Problem] = []
    city_level = programme.settings.review.city_level
    allowed = {name_key(d) for d in programme.settings.districts} | {name_key(city_level)}
    strange = frame.reviewer_district.map(lambda d: d is not None and name_key(d) not in allowed)
    for _, row in _flag(frame, strange).iterrows():
        out.append(Problem("review-unknown-district", **_where(loaded, row, "reviewer_district"), field="专家所在区",
                           value=row["reviewer_district"], params={"city_level": city_level}))  # fmt: skip
    keys = _key(frame.district, frame.community)
    if not communities.empty:
        known = set(_key(communities.district, communities.community).dropna())
        for _, row in _flag(frame, keys.map(lambda k: k is not None and k not in known)).iterrows():
            out.append(Problem("review-unknown-community", **_where(loaded, row, "community"), field="社区名称",
                               value=row["community"],
                               params={"district": row["district"], "community": row["community"]}))  # fmt: skip
    out += later_duplicates(
        frame, loaded, _key(frame.reviewer, frame.district, frame.community), "review-duplicate",
        lambda r: {"reviewer": r["reviewer"], "district": r["district"], "community": r["community"]},
    )  # fmt: skip
    return out


def _review_range(problem: Problem, programme: Programme) -> Problem:
    """A review score outside 0..max is named as such."""
    if problem.code != "number-out-of-range" or problem.field not in programme.rubric.item_ids:
        return problem
    item = programme.rubric.item(problem.field)
    return Problem(
        "review-score-out-of-range",
        problem.file,
        problem.sheet,
        problem.cell,
        problem.field,
        problem.value,
        {"max": str(item.max)},
    )


def _drop_recused(
    problems: list[Problem], frames: list[pd.DataFrame], result: Loaded, programme: Programme
) -> list[Problem]:
    """A recused reviewer's row is ignored whether blank or filled (回避); a blank score of anyone
    else is a warning, never an error, and never a 0."""
    items = [i.id for i in programme.rubric.review_items]
    flagged = {(p.file, p.sheet, p.cell) for p in problems}
    recused_cells: set[tuple[str, str, str]] = set()
    blank: list[Problem] = []
    for frame in frames:
        for _, row in frame.iterrows():
            is_recused = (
                row["reviewer_district"] is not None
                and row["district"] is not None
                and name_key(row["reviewer_district"]) == name_key(row["district"])
            )
            for item in items:
                where = _where(result, row, item)
                place = (where["file"], where["sheet"], where["cell"])
                if is_recused:
                    recused_cells.add(place)
                elif row[item] is None and place not in flagged:
                    blank.append(
                        Problem(
                            "review-blank-score",
                            **where,
                            field=item,
                            params={"reviewer": row["reviewer"], "community": row["community"]},
                        )
                    )
    kept = [p for p in problems if (p.file, p.sheet, p.cell) not in recused_cells or p.field not in items]
    return kept + blank


# ---------------------------------------------------------------- register
def register_sheet(book: Workbook) -> str | None:
    """The sheet named 历年命名名录, else the first visible one."""
    return find_sheet(book.sheet_names, REGISTER_SHEET) or next(iter(book.visible_names), None)


def read_register(path: Path, programme: Programme, password: str | None = None) -> Loaded:
    result = Loaded(pd.DataFrame(columns=[*(c.key for c in REGISTER_COLUMNS), "_file", "_sheet", "_row"]))
    result.files.append(path)
    book = _open(path, result.problems, programme, password)
    if book is None:
        return result
    sheet = register_sheet(book)
    if sheet is None:
        result.problems.append(Problem("missing-sheet", book.name, params={"expected": REGISTER_SHEET}))
        return result
    loaded = _load_table(book, sheet, REGISTER_COLUMNS, ("community",), result)
    if loaded is None:
        return result
    frame, _ = loaded
    result.problems += later_duplicates(
        frame, result, _key(frame.year, frame.district, frame.community), "register-duplicate",
        lambda r: {"year": r["year"], "district": r["district"], "community": r["community"]},
    )  # fmt: skip
    result.frame = frame
    return result


def validate(
    paths: Iterable[Path],
    programme: Programme,
    reviews: Iterable[Path] | None = None,
    register: Path | None = None,
    password: str | None = None,
) -> ValidationReport:
    warm_reader(programme)
    submissions = read_submissions(paths, programme, password)
    report = ValidationReport(submissions)
    if reviews is not None:
        report.reviews = read_reviews(reviews, programme, submissions.frame, password)
    if register is not None:
        report.register = read_register(register, programme, password)
    submissions.problems += check_titles(submissions, report.register, programme)
    return report


def check_titles(submissions: Submissions, register: Loaded | None, programme: Programme) -> list[Problem]:
    """Q3 warnings, judged for the title applied for, from the register when given (it is
    authoritative: a 撤销 entry blocks nothing) and a warning where it and the workbook disagree."""
    frame = submissions.frame
    if frame.empty:
        return []
    blocks = title_blocks(frame, programme, register.frame if register is not None else None)
    flagged = {(p.file, p.sheet, p.cell) for p in submissions.problems if p.is_error}
    out = []
    for_demo = frame.target == DEMO_TITLE
    blocked = (for_demo & blocks.demonstration) | (~for_demo & blocks.pass_title)
    picked = frame.loc[blocked.to_numpy(), [*META, "city_title"]].assign(_held=blocks.held[blocked.to_numpy()])
    for row in picked.to_dict("records"):  # plain dicts: only the blocked rows
        where = _where(submissions, row, "city_title")
        if (where["file"], where["sheet"], where["cell"]) not in flagged:
            out.append(Problem("eligibility-q3", **where, field="已获市级称号", value=row["city_title"],
                               params={"held": row["_held"]}))  # fmt: skip
    for idx, book, reg in blocks.disagree:
        row = frame.loc[idx]
        out.append(Problem("register-disagrees", **_where(submissions, row, "city_title"), field="已获市级称号",
                           value=row["city_title"], params={"district": row["district"], "community": row["community"],
                                                            "workbook": book, "register": reg}))  # fmt: skip
    return out
