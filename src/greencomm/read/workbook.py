"""Reading workbooks, the I/O edge: a file through the guard, its sheets as columns of text.

A sheet is read into columns of text (Arrow string arrays) anchored at its real position, so every
value keeps its Excel address for the messages. Two readers give the same columns:

- `fastexcel` (Rust, the default): the whole sheet in about the time it takes to unzip and parse
  it. Numbers come as Excel shows them to 9 decimal places, booleans as true/false, dates as
  `YYYY-MM-DD HH:MM:SS`. It lays the sheet out from row 1 and from its first valued column, which
  it names; the blank rows above the first valued row are left out in the reading process.
- `openpyxl` (pure Python, slow): the reference the fast reader is tested against; values are
  written as text by the same rules. `GREENCOMM_READER=openpyxl` selects it.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from greencomm.errors import InputError, ReadFailed, UsageError
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import PROBLEM_SHEET, RESULTS_SHEET
from greencomm.programme.settings import Limits
from greencomm.read.guard import BINARY, XLSX, open_book, read_book_parts
from greencomm.read.sandbox import POOL, Caps, Request, asking_ahead, read, reading_ahead
from greencomm.read.scan import (
    BROKEN,
    UNSAFE,
    Extent,
    SheetFacts,
    facts_from,
    parse_defused,
    scan_sheet,
)

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")  # what a folder is read for


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: list[pa.Array]  # text of each column, all of one length; null where blank
    row0: int = 1  # Excel row number of index 0
    col0: int = 1  # Excel column number of columns[0]
    visible: bool = True
    facts: SheetFacts = field(default_factory=SheetFacts)  # merged ranges, error values, formulas

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def head(self, n: int) -> list[list[str | None]]:
        """The first n rows as lists (for finding the header)."""
        cols = [c.slice(0, n).to_pylist() for c in self.columns]
        return [list(row) for row in zip(*cols, strict=True)] if cols else []

    @property
    def is_blank(self) -> bool:
        return all(c.null_count == len(c) for c in self.columns)


@dataclass
class Workbook:
    path: Path
    sheet_names: list[str]
    source: Path | bytes = b""  # what the readers read: the file, or its decrypted bytes
    hidden: set[str] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)  # sheet name → its XML part in the zip
    recalculate: bool = False  # flagged to recalculate on load: its formulas' values were never calculated
    engine: str = "fastexcel"
    limits: Limits = field(default_factory=Limits)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # names it to the reading process
    format: str = XLSX  # or one the Rust reader alone reads (greencomm.read.binary)
    _loaded: dict[str, Sheet] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def sheet(self, name: str) -> Sheet:
        if name not in self._loaded:
            self._loaded[name] = _read_sheet(self, name)
        return self._loaded[name]

    @cached_property
    def visible_names(self) -> list[str]:
        return [n for n in self.sheet_names if n not in self.hidden]


# ---------------------------------------------------------------- the workbook's own XML
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"  # as expat names elements: namespace}local
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class _Contents:
    """What xl/workbook.xml says: sheet names in order, name → XML part, the hidden ones, and
    whether it asks to be recalculated when opened (`fullCalcOnLoad`: written by a program, never
    by Excel or WPS, so no formula in it holds a value anyone saw)."""

    names: list[str]
    parts: dict[str, str]
    hidden: set[str]
    recalculate: bool


_CONTENTS: dict[tuple[Path, int, int], _Contents] = {}
CONTENTS_MAX = 1024


def _contents(source: Path | bytes, given: tuple[bytes, bytes] | None = None) -> _Contents:
    """A workbook's contents, from its `BOOK_PARTS` when the guard read them (`given`); of a file,
    read once while it is unchanged (a folder's files are opened to tell submissions from
    greencomm's own outputs, then to be read)."""
    if isinstance(source, bytes):
        return _read_contents(source, given)
    stat = source.stat()
    key = (source, stat.st_mtime_ns, stat.st_size)
    if (known := _CONTENTS.get(key)) is None:
        if len(_CONTENTS) >= CONTENTS_MAX:
            _CONTENTS.clear()
        known = _CONTENTS[key] = _read_contents(source, given)
    return known


def _read_contents(source: Path | bytes, given: tuple[bytes, bytes] | None = None) -> _Contents:
    """Sheet names in order, name → XML part and the hidden ones, from xl/workbook.xml and its
    rels, parsed by expat with defusedxml's refusals and no element built (a folder of hundreds of
    workbooks is listed by every command that reads it)."""
    if given is None:
        with _zip(source) as archive:
            given = read_book_parts(archive)
    sheets: list[dict[str, str]] = []  # the root's sheets' sheet elements
    calc: list[dict[str, str]] = []  # the root's calcPr elements
    depth, in_sheets = 0, False

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal depth, in_sheets
        depth += 1
        if depth == 2:
            in_sheets = tag == _MAIN + "sheets"
            if tag == _MAIN + "calcPr":
                calc.append(attributes)
        elif depth == 3 and in_sheets and tag == _MAIN + "sheet":
            sheets.append(attributes)

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parse_defused(given[0], start, end)
    targets: dict[str | None, str] = {}  # each child of the rels' root, whatever it is named: Id → Target
    level = 0

    def rel_start(_tag: str, attributes: dict[str, str]) -> None:
        nonlocal level
        level += 1
        if level == 2:
            targets[attributes.get("Id")] = attributes.get("Target", "")

    def rel_end(_tag: str) -> None:
        nonlocal level
        level -= 1

    parse_defused(given[1], rel_start, rel_end)
    names, parts, hidden = [], {}, set()
    for sheet in sheets:
        name = sheet.get("name", "")
        target = targets.get(sheet.get(_REL), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        names.append(name)
        parts[name] = part
        if sheet.get("state", "visible") != "visible":
            hidden.add(name)
    recalculate = bool(calc) and calc[0].get("fullCalcOnLoad", "0") in ("1", "true")
    return _Contents(names, parts, hidden, recalculate)


def _refuse_far(book: Workbook, name: str, ref: str) -> InputError:
    limits = book.limits
    row = ref.isdigit()
    return InputError(
        "sheet-too-large",
        book.name,
        name,
        "" if row else ref,
        detail=f"{'第 ' + ref + ' 行' if row else '单元格 ' + ref} 超出上限（{limits.max_rows} 行、"
        f"{limits.max_columns} 列，见设置 [limits]）",
        detail_en=f"{'row' if row else 'cell'} {ref} lies beyond {limits.max_rows} rows × {limits.max_columns} columns",
    )


def _unreadable(book: Workbook, name: str, exc: BaseException) -> InputError:
    detail = f"{type(exc).__name__}: {exc}"
    return InputError("sheet-unreadable", book.name, name, detail=detail, detail_en=detail)


def _measure(book: Workbook, name: str) -> SheetFacts:
    """A sheet's facts; refuses one beyond the limits."""
    try:
        facts = scan_sheet(book.source, book.parts[name], book.limits)
    except UNSAFE as exc:  # before BROKEN: defusedxml's refusals are ValueErrors
        raise InputError("unsafe-xml", book.name, name) from exc
    except BROKEN as exc:
        raise _unreadable(book, name, exc) from exc
    if facts.far:
        raise _refuse_far(book, name, facts.far)
    return facts


def sheet_request(book: Workbook, name: str) -> Request | None:
    """What the reading process is asked for a sheet (None: read here, by openpyxl)."""
    if name not in book.sheet_names:
        return None
    if book.format in BINARY:
        from greencomm.read.binary import whole_request

        return whole_request(book.source, name, book.token, book.limits, book.format)
    if book.engine == "openpyxl":
        return None
    extent = Extent(book.limits.max_rows, book.limits.max_columns)
    return Request(book.source, name, book.token, Caps.of(book.limits), scan=(book.parts[name], extent))


def _read_fast(book: Workbook, name: str) -> Sheet:
    """The sheet, read in its own process, which measures its XML first (greencomm.read.scan): a
    sheet beyond the limits is refused before the reader lays it out."""
    request = sheet_request(book, name)
    assert request is not None
    try:
        answer = read(request)
    except ReadFailed as exc:
        raise _read_failed(book, name, exc) from exc
    if answer.said.get("far"):
        raise _refuse_far(book, name, answer.said["far"])
    facts = facts_from(answer.said["facts"])
    row0, col0 = int(answer.said["row0"]), int(answer.said["col0"])
    return Sheet(name, answer.columns(), row0, col0, name not in book.hidden, facts)


def _read_failed(book: Workbook, name: str, exc: ReadFailed) -> InputError:
    limits = book.limits
    if exc.kind == "unsafe":  # the scan's refusals, from the reading process
        return InputError("unsafe-xml", book.name, name)
    if exc.kind == "broken":
        return InputError("sheet-unreadable", book.name, name, detail=exc.detail, detail_en=exc.detail)
    if exc.kind == "memory":
        return InputError(
            "sheet-too-large",
            book.name,
            name,
            detail=f"读取所需内存超过上限 {limits.max_read_mb} MB（见设置 [limits] max_read_mb），已停止读取",
            detail_en=f"reading it needs more than {limits.max_read_mb} MB" + (f" ({exc.detail})" * bool(exc.detail)),
        )
    if exc.kind == "time":
        return InputError(
            "sheet-too-large",
            book.name,
            name,
            detail=f"读取超过 {limits.max_read_seconds} 秒（见设置 [limits] max_read_seconds），已停止读取",
            detail_en=f"reading it took longer than {limits.max_read_seconds} s",
        )
    if exc.kind == "crash":
        said = exc.detail or "无信息"
        return InputError("sheet-unreadable", book.name, name, detail=f"读取进程意外退出（{said}）",
                          detail_en=f"the reading process stopped ({exc.detail or 'no message'})")  # fmt: skip
    said = (exc.detail.strip().splitlines() or [""])[0]  # the reader's first line; the rest is its backtrace
    return InputError("sheet-unreadable", book.name, name, detail=said, detail_en=said)


# ---------------------------------------------------------------- the reference reader
def as_text(value: Any) -> str | None:
    """A cell value as text, by the fast reader's rules."""
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.9f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, str) and "_x" in value:
        from openpyxl.utils.escape import unescape

        return unescape(value)  # OOXML's _x0007_ for a character XML cannot hold, as the fast reader reads it
    return str(value)


def _read_openpyxl(book: Workbook, name: str) -> Sheet:
    import openpyxl

    facts = _measure(book, name)
    try:
        source = io.BytesIO(book.source) if isinstance(book.source, bytes) else book.source
        loaded = openpyxl.load_workbook(source, read_only=True, data_only=True)
        sheet = loaded[name]
        sheet.reset_dimensions()  # its cells, not the <dimension> it declares
        rows = [[as_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        loaded.close()
    except Exception as exc:  # openpyxl raises many types for broken files
        raise _unreadable(book, name, exc) from exc
    filled = [(r, c) for r, row in enumerate(rows) for c, v in enumerate(row) if v is not None]
    if not filled:
        return Sheet(name, [], 1, 1, name not in book.hidden, facts)
    top, left = min(r for r, _ in filled), min(c for _, c in filled)
    bottom, right = max(r for r, _ in filled), max(c for _, c in filled)
    grid = [row[left : right + 1] + [None] * (right + 1 - len(row)) for row in rows[top : bottom + 1]]
    columns = [pa.array([row[c] for row in grid], pa.string()) for c in range(right - left + 1)]
    return Sheet(name, columns, top + 1, left + 1, name not in book.hidden, facts)


def _read_sheet(book: Workbook, name: str) -> Sheet:
    if name not in book.sheet_names:
        raise UsageError(f"{book.name}: 没有工作表“{name}” / no sheet named {name}")
    if book.format in BINARY:  # by the Rust reader whatever the engine: openpyxl reads none of them
        from greencomm.read.binary import read_binary

        return read_binary(book, name)
    return _read_openpyxl(book, name) if book.engine == "openpyxl" else _read_fast(book, name)


def _zip(source: Path | bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def read_workbook(
    path: Path, engine: str | None = None, password: str | None = None, limits: Limits | None = None
) -> Workbook:
    """The workbook's sheet names (cheap); sheets are read when asked for. The guard checks the
    file first; raises InputError when it is not a readable workbook."""
    source, kind, given = open_book(path, limits, password)
    if kind in BINARY:  # no XML of its own: the reading process lists its sheets
        from greencomm.read.binary import binary_book

        return binary_book(path, source, kind, limits or Limits())
    try:
        contents = _contents(source, given)
    except UNSAFE as exc:  # before BROKEN: defusedxml's refusals are ValueErrors
        raise InputError("unsafe-xml", path.name) from exc
    except BROKEN as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise InputError("damaged-file", path.name, detail=detail, detail_en=detail) from exc
    engine = engine or os.environ.get("GREENCOMM_READER", "fastexcel")
    return Workbook(path, list(contents.names), source, set(contents.hidden), dict(contents.parts),
                    contents.recalculate, engine, limits or Limits())  # fmt: skip


def sheet_names(path: Path) -> list[str]:
    """The sheet names alone; [] when the file cannot be opened. Remembered while the file is
    unchanged: several steps of one run ask for them."""
    try:
        stat = path.stat()
    except OSError:
        return []
    return list(_sheet_names(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=1024)
def _sheet_names(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        return tuple(read_workbook(path).sheet_names)
    except (InputError, UsageError):
        return ()


def is_result_workbook(path: Path) -> bool:
    """A result of score, rank or shortlist: it carries 评分依据 (and the inputs it was made from)."""
    return _is_result(sheet_names(path))


def _is_result(names: Iterable[str]) -> bool:
    return RESULTS_SHEET in names


def _is_own(names: Sequence[str]) -> bool:
    """Sheet names of a workbook greencomm wrote: a result of score, rank or shortlist, or a problem
    list (问题清单 alone). An annotated copy is not one: it is the district's workbook, and a
    district may send it back corrected."""
    return _is_result(names) or list(names) == [PROBLEM_SHEET]


def _workbooks_in(folder: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """The workbooks directly inside a folder, sorted, each with its sheet names as it is looked at:
    one look at each file (a folder of hundreds is listed by every command that reads it)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if entry.is_file() and Path(name).suffix.lower() in EXCEL_SUFFIXES and not name.startswith("~$"):
                found.append((Path(entry.path), entry.stat()))
    for path, stat in sorted(found, key=lambda f: f[0]):
        yield path, _sheet_names(path, stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class Listing:
    """What the paths given hold: the `workbooks` to read, greencomm's own outputs found in the
    folders and left out (`own`), and which of the workbooks are results of score, rank or
    shortlist — each folder listed once (a run asks all three of a folder of hundreds of
    workbooks, and each look costs a stat of every file)."""

    given: tuple[Path, ...]  # the paths listed
    workbooks: list[Path]
    own: list[tuple[Path, bool]]  # each with whether it is a result workbook (else a problem list)
    results: frozenset[Path]


def list_inputs(paths: Iterable[Path], found_one: Callable[[Path], object] | None = None) -> Listing:
    """Files as given and the workbooks directly inside folders, sorted by name (so results and the
    'later duplicate' never depend on the order of the command line). Office lock files are
    skipped, and so are greencomm's own outputs found in a folder (an output written into the
    inbox must not come back as a submission); a file named on the command line is taken as it is.
    `found_one(path)` is told of each workbook to read as soon as it is found (`list_ahead`)."""
    given = tuple(paths)
    found: dict[Path, None] = {}
    own: list[tuple[Path, bool]] = []
    results: set[Path] = set()
    for path in given:
        if path.is_dir():
            for child, names in _workbooks_in(path):
                if _is_own(names):
                    own.append((child, _is_result(names)))
                elif child not in found:
                    _found(child, _is_result(names), found, results, found_one)
        elif path.exists():
            if not path.name.startswith("~$") and path not in found:
                _found(path, is_result_workbook(path), found, results, found_one)
        else:
            raise UsageError(f"{path}: 文件或文件夹不存在 / no such file or folder")
    return Listing(
        given, sorted(found, key=lambda p: (p.name, str(p))), sorted(own, key=lambda o: (o[0].name, str(o[0]))),
        frozenset(results),
    )  # fmt: skip


def _found(
    path: Path, result: bool, found: dict[Path, None], results: set[Path], found_one: Callable[[Path], object] | None
) -> None:
    """A workbook to read, noted (with whether it is a result workbook) and told of."""
    found[path] = None
    if result:
        results.add(path)
    if found_one is not None:
        found_one(path)


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """The workbooks among `paths` (see `list_inputs`)."""
    return list_inputs(paths).workbooks


def find_sheet(names: list[str], name: str) -> str | None:
    """The sheet among `names` called `name`, as people spell it (spaces, full-width forms)."""
    wanted = header_base(name)
    return next((s for s in names if header_base(s) == wanted), None)


READERS = min(4, os.cpu_count() or 1)  # reading processes at work at once (open_ahead): one a core


def warm_reader(limits: Limits | None = None, count: int = 1) -> None:
    """Start `count` reading processes while other work goes on (each takes 0.2 s to import its
    reader): with the programme's limits, or the default ones before the settings are read."""
    limits = limits or Limits()
    if os.environ.get("GREENCOMM_READER", "fastexcel") == "fastexcel":
        POOL.warm(Caps.of(limits), count)


def opened_or_why(path: Path, password: str | None, limits: Limits) -> Workbook | InputError:
    """The workbook through the guard, or the error that stops it (the batch goes on)."""
    try:
        return read_workbook(path, password=password, limits=limits)
    except InputError as exc:
        return exc


@dataclass
class Ahead:
    """Workbooks opened through the guard, in file order, each with the error that stopped it
    instead when one did, and the sheet named `sheet` of each being read by the reading processes
    meanwhile (see `open_ahead`). Closing it lets go of what was not taken."""

    paths: list[Path]
    books: list[Workbook | InputError]
    reading: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    listing: Listing | None = None  # what the paths given held, when the workbooks came from there

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *_: object) -> None:
        self.reading.close()


def open_ahead(
    paths: list[Path], sheet: str, limits: Limits, password: str | None = None, workers: int | None = None
) -> Ahead:
    """Open every workbook and ask for its sheet `sheet` at once: the reading processes read them
    (each holding the next file while it reads one) while the caller goes on — with loading the
    rest of greencomm, at first (pandas alone takes 0.2 s), then with each sheet as it comes. A
    sheet named otherwise is looked for later, when its book's turn comes."""
    books = [opened_or_why(path, password, limits) for path in paths]
    requests = [r for book in books if (r := _ask(book, sheet)) is not None]
    ahead = Ahead(list(paths), books)
    ahead.reading.enter_context(reading_ahead(requests, workers or READERS))
    return ahead


def list_ahead(
    paths: Iterable[Path], sheet: str, limits: Limits, password: str | None = None, workers: int | None = None
) -> Ahead:
    """`list_inputs` and `open_ahead` in one pass: each workbook's sheet `sheet` asked for as soon as
    the workbook is found, so the reading processes read the first while the rest are listed (a
    folder of hundreds takes a tenth of a second to list)."""
    opened: dict[Path, Workbook | InputError] = {}
    with contextlib.ExitStack() as stack:  # the requests let go here only when the listing fails
        asking = stack.enter_context(asking_ahead(workers or READERS))

        def found_one(path: Path) -> None:
            book = opened[path] = opened_or_why(path, password, limits)
            if (request := _ask(book, sheet)) is not None:
                asking.ask(request)

        listing = list_inputs(paths, found_one)
        reading = stack.pop_all()
    asking.close()
    books = [opened[path] for path in listing.workbooks]
    return Ahead(listing.workbooks, books, reading, listing)


def _ask(book: Workbook | InputError, sheet: str) -> Request | None:
    """The request for a workbook's sheet `sheet` (as people spell it), when it has a visible one."""
    if not isinstance(book, Workbook):
        return None
    name = find_sheet(book.visible_names, sheet)
    return sheet_request(book, name) if name is not None else None
