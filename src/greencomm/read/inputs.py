"""Every input of a run, read: district workbooks (申报汇总表 and 创建活动), review sheets and the
register, as typed frames with the problems met while reading them.

Reading never stops at a bad file or a bad cell: a file that cannot be read, a sheet without its
header, a cell that holds no value of its column's type — each becomes a Problem at its address,
and the rest goes on. No rule of the programme is applied here: greencomm.check does that on the
frames returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from greencomm.errors import InputError
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    CHANGES_SHEET,
    INSTRUCTIONS_SHEET,
    OBJECTION_SHEET,
    PROBLEM_SHEET,
    REGISTER_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    activity_read_columns,
    change_columns,
    objection_columns,
    register_columns,
    review_columns,
    submission_columns,
)
from greencomm.read.binary import unchecked
from greencomm.read.guard import BINARY
from greencomm.read.kinds import refuse_misplaced
from greencomm.read.names import name_key, row_keys, with_keys, workbook_district
from greencomm.read.sandbox import POOL, give_back_memory
from greencomm.read.scan import cell_position
from greencomm.read.tables import (
    Batch,
    Coded,
    Table,
    blank_cells,
    fact_problems,
    has_header,
    is_covered,
    joined_batches,
    locate_table,
    locate_tables,
    parse_joined,
    parse_table,
)
from greencomm.read.workbook import (
    Ahead,
    Sheet,
    Workbook,
    expand_inputs,
    find_sheet,
    is_result_workbook,
    list_inputs,
    open_ahead,
    opened_or_why,
    sheet_names,
    warm_reader,
)

META = ("_file", "_sheet", "_row")  # where each typed row came from
PARSE_BATCH_CELLS = 250_000  # tables waiting this many cells are parsed while the next workbooks are read
# — when at least half as many bytes of workbooks are left to read as those waiting came from: a last
# batch of a few small workbooks would cost the fixed work of a batch (each column's parse) for little


@dataclass(frozen=True)
class Placement:
    """Where a table sits in its sheet: the header's row, the column of each key (0-based) and its
    letter, the last data row."""

    header_row: int
    columns: dict[str, int]
    letters: dict[str, str]
    last_row: int


@dataclass
class Part:
    """One kind of input, read: typed rows (with _file, _sheet, _row), the problems met on the way,
    the files it came from, and where each table sits, so later stages can name any cell."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    places: dict[tuple[str, str], Placement] = field(default_factory=dict)  # (file, sheet) → its table
    sources: dict[Path, Path | bytes] = field(default_factory=dict)  # what was read: the file, or its decrypted bytes
    carried: set[str] = field(default_factory=set)  # greencomm's own result workbooks read for the inputs they carry
    modified: dict[str, float] = field(default_factory=dict)  # file name → when it was last saved (st_mtime)
    changes: pd.DataFrame | None = None  # a register's 状态变更记录 (dated status changes), when it has one
    # frame's columns as parsed, each distinct value once (tables.Coded, by batch of rows in order):
    # what a result workbook carries is made from these (the columns every table has)
    coded: dict[str, list[Coded]] = field(default_factory=dict)

    def address(self, file: str, sheet: str, key: str, row: int) -> str:
        """`F7` for the cell of column `key` in Excel row `row`; "" when the column is not in that table."""
        place = self.places.get((file, sheet))
        letter = place.letters.get(key, "") if place is not None else ""
        return f"{letter}{row}" if letter else ""


@dataclass
class Inputs:
    """A run's inputs as read. `problems` are the reading's own, sorted; the rules add theirs."""

    submissions: Part
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)
    reviews: Part | None = None
    register: Part | None = None
    objections: Part | None = None  # raised during the 公示, with their findings

    @property
    def parts(self) -> list[Part]:
        return [p for p in (self.submissions, self.reviews, self.register, self.objections) if p is not None]

    @property
    def problems(self) -> list[Problem]:
        return sort_problems(p for part in self.parts for p in part.problems)

    @property
    def files(self) -> list[Path]:
        return [f for part in self.parts for f in part.files]

    _hashing: Future[list[dict[str, str]]] | None = field(default=None, init=False, repr=False)

    def hash_ahead(self) -> None:
        """Start hashing the input files in a thread of their own (hashlib works outside Python's
        lock): checking and judging, meanwhile, use one core of two."""
        if self._hashing is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greencomm-hashes")
            self._hashing = pool.submit(self._hashed)
            pool.shutdown(wait=False)  # its thread ends with the hashing

    @cached_property
    def hashes(self) -> list[dict[str, str]]:
        """sha256 of every input file, for the provenance of the results."""
        return self._hashing.result() if self._hashing is not None else self._hashed()

    def _hashed(self) -> list[dict[str, str]]:
        import hashlib

        return [
            {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""}
            for path in self.files
        ]


def stop_readers() -> None:
    """Stop the idle reading processes (about 70 MB each) and give back what Arrow kept of the sheets
    read (about 100 MB at 100,000 communities): once a command has read its inputs, the memory is
    better spent on what it writes. A later read starts a process again (0.1 s). The processes end
    while the caller goes on."""
    POOL.shutdown(wait=False)
    give_back_memory()


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.sheet, cell_position(p.cell) or (0, 0), p.code))


def _open(path: Path, part: Part, programme: Programme, password: str | None) -> Workbook | None:
    """The workbook, through the guard; a file that cannot be read is a problem, and the batch goes on."""
    return _opened(path, opened_or_why(path, password, programme.settings.limits), part)


def _opened(path: Path, book: Workbook | InputError, part: Part) -> Workbook | None:
    """A workbook opened (or the error that stopped it), noted in `part`."""
    if isinstance(book, InputError):
        part.problems.append(book.problem)
        return None
    part.sources[path] = book.source
    part.modified[book.name] = path.stat().st_mtime
    if book.format in BINARY:  # said once per file: what an .xls, .xlsb or .ods cannot show
        part.problems.append(unchecked(book.name, book.format))
    return book


def _open_all(
    paths: list[Path], part: Part, programme: Programme, password: str | None, ahead: Ahead | None = None
) -> Iterator[tuple[Path, Workbook | None]]:
    """Every workbook opened, its submission sheet read ahead (`open_ahead`, unless the caller has
    already: `ahead`), in file order: the caller works on one while the next are read."""
    if ahead is None or ahead.paths != paths:
        if ahead is not None:
            ahead.reading.close()
        ahead = open_ahead(paths, SUBMISSION_SHEET, programme.settings.limits, password)
    with ahead:
        yield from ((path, _opened(path, book, part)) for path, book in zip(paths, ahead.books, strict=True))


@dataclass
class _Located:
    """A sheet's table found, not yet parsed."""

    book: Workbook
    sheet: Sheet
    table: Table


def _locate(
    book: Workbook,
    name: str,
    columns: tuple[Column, ...],
    identity: tuple[str, ...],
    part: Part,
    optional: bool = False,
    may_be_empty: bool = False,
) -> _Located | None:
    """A sheet's table, found. An optional sheet (创建活动) left untouched, or with its header
    alone, holds nothing: no problem. A table that `may_be_empty` (the register of a first year)
    may have its header alone."""
    sheet = _sheet_read(book, name, part)
    if sheet is None or (optional and sheet.is_blank):
        return None
    table, problems = locate_table(sheet, book.name, columns, identity)
    return _placed(book, sheet, table, problems, part, optional, may_be_empty)


def _sheet_read(book: Workbook, name: str, part: Part) -> Sheet | None:
    """The sheet, read; one that cannot be is a problem noted in `part`."""
    try:
        return book.sheet(name)
    except InputError as exc:
        part.problems.append(exc.problem)
        return None


def _placed(
    book: Workbook,
    sheet: Sheet,
    table: Table | None,
    problems: list[Problem],
    part: Part,
    optional: bool = False,
    may_be_empty: bool = False,
) -> _Located | None:
    """A table found in a sheet (`locate_table`), its problems noted in `part` (see `_locate`)."""
    if optional and table is not None and not table.height:
        return None
    if may_be_empty:
        problems = [p for p in problems if p.code != "no-data-rows"]
    part.problems.extend(problems)
    if table is None or any(p.code == "missing-column" for p in problems):
        return None
    if not sheet.visible:
        part.problems.append(Problem("hidden-sheet", book.name, sheet.name, params={"sheet": sheet.name}))
    return _Located(book, sheet, table)


def _parsed(
    found: _Located,
    columns: tuple[Column, ...],
    parsed: tuple[pd.DataFrame, list[Problem]],
    part: Part,
    start: int = 0,
) -> pd.DataFrame:
    """A table's parsed frame (its rows from row `start` of the frame given) with the sheet's own
    word on its cells, and where it lies. A column with a cell blanked so is no longer as parsed:
    it leaves `part.coded`."""
    book, sheet, table = found.book, found.sheet, found.table
    frame, cell_problems = parsed
    facts, covered = fact_problems(sheet, table, columns, book.recalculate)
    if facts:  # the sheet's own word on a cell comes first: one problem per cell
        for key in blank_cells(frame, table, facts, start):
            part.coded.pop(key, None)
        cell_problems = [p for p in cell_problems if not is_covered(p.cell, covered)]
    part.problems.extend(facts + cell_problems)
    last = int(table.rows.max()) if table.height else table.header_row
    letters = {key: table.letter(key) for key in table.columns}
    part.places[(book.name, sheet.name)] = Placement(table.header_row, dict(table.columns), letters, last)
    return frame


def _load_table(
    book: Workbook,
    name: str,
    columns: tuple[Column, ...],
    identity: tuple[str, ...],
    part: Part,
    optional: bool = False,
    may_be_empty: bool = False,
) -> pd.DataFrame | None:
    """A sheet's table, parsed (see `_locate`)."""
    found = _locate(book, name, columns, identity, part, optional, may_be_empty)
    if found is None:
        return None
    return _parsed(found, columns, parse_table(found.table, columns, book.limits.max_text_chars), part)


def _sheet(book: Workbook, name: str, others: tuple[str, ...] = (), columns: tuple[Column, ...] = ()) -> str | None:
    """The sheet a person sees: the visible one named `name`; else the first visible sheet (not one
    of `others`) that holds the table — a hidden sheet is often last year's, kept out of sight — and
    the hidden one named `name` only when no visible sheet holds it. Without `columns` to look for,
    the first visible sheet."""
    named = find_sheet(book.visible_names, name)
    if named is not None:
        return named
    skip = {name_key(o) for o in others}
    shown = [s for s in book.visible_names if name_key(s) not in skip]
    hidden = find_sheet(book.sheet_names, name)
    candidates = shown + ([hidden] if hidden is not None else [])
    if not columns or len(candidates) < 2:
        return next(iter(candidates), None)
    return next((s for s in candidates[:-1] if _holds_table(book, s, columns)), candidates[-1])


def _holds_table(book: Workbook, name: str, columns: tuple[Column, ...]) -> bool:
    try:
        return has_header(book.sheet(name), columns)
    except InputError:
        return False


def _submission_sheet(book: Workbook, columns: tuple[Column, ...]) -> str | None:
    return _sheet(book, SUBMISSION_SHEET, (ACTIVITY_SHEET, INSTRUCTIONS_SHEET, PROBLEM_SHEET), columns)


def _empty(columns: tuple[Column, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*(c.key for c in columns), *META, "_district_key", "_key"])


# ---------------------------------------------------------------- district workbooks
def read_submissions(
    paths: Iterable[Path],
    programme: Programme,
    password: str | None = None,
    columns: tuple[Column, ...] = (),
    ahead: Ahead | None = None,
) -> tuple[Part, pd.DataFrame]:
    """The 申报汇总表 of every workbook, one typed row per community, and their 创建活动 sheets; in
    `columns` when given (a re-check workbook needs fewer: layouts.recheck_columns). `ahead`: the
    workbooks already opened, their sheets being read (`open_ahead`)."""
    columns = columns or submission_columns(programme)
    part = Part(_empty(columns))
    paths = list(paths)
    kept = ahead.listing if ahead is not None else None  # the paths listed once for the run
    listing = kept if kept is not None and kept.given == tuple(paths) else list_inputs(paths)
    for skipped, result in listing.own:
        kind = ("评分结果", "a result workbook") if result else ("问题清单", "a problem list")
        part.problems.append(Problem("own-output-skipped", skipped.name, params={"kind": kind[0], "kind_en": kind[1]}))
    listed = listing.workbooks
    part.carried = {p.name for p in listed if p in listing.results}
    if not listed:
        part.problems.append(Problem("no-workbooks", params={"paths": "、".join(str(p) for p in paths)}))
    # each workbook's sheet read, the tables of a batch of them found and parsed together, column by
    # column, while the next are read (a folder of small workbooks in a batch or two)
    found: list[tuple[Workbook, _Located | None, str | None]] = []
    waiting: list[tuple[Workbook, Sheet | None, str | None]] = []
    waiting_cells = waiting_bytes = 0
    sizes = [_size(path) for path in listed]
    left = sum(sizes)  # bytes of the workbooks not yet taken
    batches: list[Batch] = []
    max_text = programme.settings.limits.max_text_chars
    for (path, book), size in zip(_open_all(listed, part, programme, password, ahead), sizes, strict=True):
        part.files.append(path)
        left -= size
        if book is None:
            continue
        sheet = _submission_sheet(book, columns)
        act_sheet = find_sheet(book.sheet_names, ACTIVITY_SHEET)
        if sheet is None and act_sheet is None:
            part.problems.append(Problem("missing-sheet", book.name, params={"expected": SUBMISSION_SHEET}))
            continue
        read = _sheet_read(book, sheet, part) if sheet is not None else None
        if sheet is None or read is not None:
            waiting.append((book, read, act_sheet))
            waiting_cells += read.height * len(read.columns) if read is not None else 0
            waiting_bytes += size
        if waiting_cells >= PARSE_BATCH_CELLS and 2 * left >= waiting_bytes:
            batches += _batch(waiting, columns, part, found, max_text)
            waiting, waiting_cells, waiting_bytes = [], 0, 0
    batches += _batch(waiting, columns, part, found, max_text)
    if not batches:  # no table: the columns, without rows
        batches.append(_keyed(parse_joined([], columns, max_text)))
    joined, offsets, problems, part.coded = joined_batches(batches)
    activities = []
    n = 0  # the table being placed
    for book, located, act_sheet in found:
        rows = None  # the book's rows in the frame, when it has a table
        if located is not None:
            _parsed(located, columns, (joined, problems[n]), part, int(offsets[n]))
            rows = slice(offsets[n], offsets[n + 1])
            n += 1
        if act_sheet is not None:
            acts = _load_table(book, act_sheet, activity_read_columns(programme), ("name",), part, optional=True)
            if acts is not None:  # without a 申报汇总表: the city office's own activities
                frame = joined.iloc[rows] if rows is not None else pd.DataFrame(columns=["district"])
                activities.append(_credit(acts, frame, book, programme))
    if n:  # a table was placed; keyed again when a cell of a name was blanked (or a table has no such column)
        part.frame = joined if {"district", "community"} <= part.coded.keys() else with_keys(joined)
    return part, pd.concat(activities, ignore_index=True) if activities else pd.DataFrame()


def _size(path: Path) -> int:
    """A workbook's size in bytes (0 when it cannot be found: reading it says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _batch(
    waiting: list[tuple[Workbook, Sheet | None, str | None]],
    columns: tuple[Column, ...],
    part: Part,
    found: list[tuple[Workbook, _Located | None, str | None]],
    max_text: int,
) -> list[Batch]:
    """The tables of the sheets read (with their books and 创建活动 sheets), found together and
    parsed as one batch (none when no table was found); each book that goes on into `found`, in
    order."""
    sheets = [(sheet, book.name) for book, sheet, _ in waiting if sheet is not None]
    tables = iter(locate_tables(sheets, columns, ("district", "community")))
    located = []
    for book, sheet, act_sheet in waiting:
        place = _placed(book, sheet, *next(tables), part) if sheet is not None else None
        if sheet is None or place is not None:
            found.append((book, place, act_sheet))
        if place is not None:
            located.append(place.table)
    return [_keyed(parse_joined(located, columns, max_text))] if located else []


def _keyed(batch: Batch) -> Batch:
    """A batch of rows with their keys (`with_keys`), made while the next workbooks are read rather
    than for the whole year once all are."""
    data = batch[0]
    if "district" not in data or "community" not in data:  # a batch of no table: no columns at all
        return batch
    district, key = row_keys(pd.Series(data["district"], dtype=object), pd.Series(data["community"], dtype=object))
    data["_district_key"], data["_key"] = district.to_numpy(dtype=object), key.to_numpy(dtype=object)
    return batch


def _credit(acts: pd.DataFrame, frame: pd.DataFrame, book: Workbook, programme: Programme) -> pd.DataFrame:
    """A district's 创建活动 sheet has no 所属区 column: its activities are the district's that most
    rows of its workbook name (or whose name the file carries). A workbook of activities alone is the
    city office's own (credited to the city level, [review] city_level: 市直). Result workbooks
    carry the column."""
    if frame.empty:
        district = programme.settings.review.city_level
    else:  # the one rule for a workbook's district, which `validate` lists it as received from too
        district = workbook_district(frame.district, programme.settings.districts, book.name)
    acts["district"] = acts["district"].where(acts["district"].notna(), district)
    return acts


# ---------------------------------------------------------------- review sheets
def read_reviews(paths: Iterable[Path], programme: Programme, password: str | None = None) -> Part:
    """Every review row: the sheet named 现场评审评分表, else every visible sheet of each workbook."""
    columns = review_columns(programme)
    part = Part(pd.DataFrame(columns=[*(c.key for c in columns), *META, "_district_key", "_key"]))
    frames = []
    for path in expand_inputs(paths):
        part.files.append(path)
        book = _open(path, part, programme, password)
        if book is None:
            continue
        named = find_sheet(book.visible_names, REVIEW_SHEET) or find_sheet(book.sheet_names, REVIEW_SHEET)
        for sheet in [named] if named is not None else book.visible_names:
            frame = _load_table(book, sheet, columns, ("reviewer", "community"), part)
            if frame is not None:
                frames.append(frame)
    if frames:
        part.frame = with_keys(pd.concat(frames, ignore_index=True))
    return part


# ---------------------------------------------------------------- register
def register_sheet(book: Workbook) -> str | None:
    """The sheet named 历年命名名录, else the first visible one."""
    return _sheet(book, REGISTER_SHEET, (CHANGES_SHEET,))


def _one_table(
    path: Path,
    programme: Programme,
    password: str | None,
    columns: tuple[Column, ...],
    identity: tuple[str, ...],
    expected: str,
    find: Callable[[Workbook], str | None] | None = None,
    may_be_empty: bool = False,
) -> tuple[Part, Workbook | None]:
    """The one table of a workbook that holds one (the register, a decisions sheet, objections):
    the sheet `find` picks — by default the one named `expected`, else the first visible — its rows
    keyed; and the workbook, when it was opened and holds that sheet."""
    part = Part(_empty(columns))
    part.files.append(path)
    book = _open(path, part, programme, password)
    if book is None:
        return part, None
    sheet = find(book) if find is not None else _sheet(book, expected)
    if sheet is None:
        part.problems.append(Problem("missing-sheet", book.name, params={"expected": expected}))
        return part, None
    frame = _load_table(book, sheet, columns, identity, part, may_be_empty=may_be_empty)
    if frame is not None:
        part.frame = with_keys(frame)
    return part, book


def read_register(path: Path, programme: Programme, password: str | None = None) -> Part:
    """The register of titles; one that does not exist yet (a first year) holds none."""
    if not path.exists():
        part = Part(_empty(register_columns(programme)))
        part.problems.append(Problem("register-not-found", path.name))
        return part
    part, book = _one_table(path, programme, password, register_columns(programme), ("community",), REGISTER_SHEET,
                            register_sheet, may_be_empty=True)  # fmt: skip
    if book is not None:
        part.changes = read_changes(book, programme, part, find_sheet(book.sheet_names, CHANGES_SHEET))
    return part


def read_changes(book: Workbook, programme: Programme, part: Part, sheet: str | None) -> pd.DataFrame | None:
    """A 状态变更记录 sheet (a register's, or a decisions workbook's), its problems into `part`;
    None when there is no such sheet, or it cannot be read."""
    found = None
    if sheet is not None:
        found = _load_table(book, sheet, change_columns(programme), ("community", "change"), part, may_be_empty=True)
    return with_keys(found) if found is not None else None


def read_decisions(path: Path, programme: Programme, password: str | None = None) -> Part:
    """A decisions workbook for `register update`: its 状态变更记录 sheet (a recheck workbook carries
    one), else its first visible sheet, in the 状态变更记录 columns."""
    columns = change_columns(programme)

    def find(book: Workbook) -> str | None:
        return _sheet(book, CHANGES_SHEET, (REGISTER_SHEET, PROBLEM_SHEET), columns)

    part, _ = _one_table(path, programme, password, columns, ("community", "change"), CHANGES_SHEET, find)
    return part


# ---------------------------------------------------------------- objections raised during the 公示
def read_objections(path: Path, programme: Programme, password: str | None = None) -> Part:
    """The objections and their findings: the sheet named 公示异议, else the first visible one."""
    part, _ = _one_table(path, programme, password, objection_columns(), ("community",), OBJECTION_SHEET)
    return part


# ---------------------------------------------------------------- a run's inputs
def carried_inputs(
    paths: list[Path], reviews: Iterable[Path] | None, register: Path | None, objections: Path | None = None
) -> tuple[Iterable[Path] | None, Path | None, Path | None]:
    """A result workbook of score, rank or shortlist carries its inputs as read: given one, its
    review sheets, register and objections stand in for those not given."""
    carried = [p for p in paths if is_result_workbook(p)]
    if carried:
        names = sheet_names(carried[0])
        if reviews is None and REVIEW_SHEET in names:
            reviews = carried
        if register is None and REGISTER_SHEET in names:
            register = carried[0]
        if objections is None and OBJECTION_SHEET in names:
            objections = carried[0]
    return reviews, register, objections


def read_inputs(
    paths: Iterable[Path],
    programme: Programme,
    reviews: Iterable[Path] | None = None,
    register: Path | None = None,
    password: str | None = None,
    objections: Path | None = None,
    columns: tuple[Column, ...] = (),
    ahead: Ahead | None = None,
) -> Inputs:
    """Submissions (in `columns` when given), and the review sheets, register and objections when
    given. `ahead`: the district workbooks already opened, their sheets being read (`open_ahead`)."""
    warm_reader(programme.settings.limits)
    submissions, activities = read_submissions(paths, programme, password, columns, ahead)
    inputs = Inputs(submissions, activities)
    if reviews is not None:
        inputs.reviews = read_reviews(reviews, programme, password)
    if register is not None:
        inputs.register = read_register(register, programme, password)
    if objections is not None:
        inputs.objections = read_objections(objections, programme, password)
    refuse_misplaced(inputs, programme, password)
    return inputs
