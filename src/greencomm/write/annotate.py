"""What `validate` mails back: an annotated copy of each district workbook with problems (problem
cells coloured by severity, a comment on each, a 问题清单 sheet first; encrypted again when it came
encrypted) and the full problem list as a workbook."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.problems import LIST_HEADERS, SEVERITY_WORDS, Problem
from greencomm.programme.layouts import PROBLEM_SHEET
from greencomm.read.guard import BINARY, LOAD_MAX_MB, book_format, sheets_megabytes
from greencomm.read.inputs import Inputs, sort_problems
from greencomm.write.atomic import write_bytes
from greencomm.write.rebuilt import rebuilt
from greencomm.write.xlsx import fit_columns, fit_row_heights, print_setup, set_value, style_header, to_bytes

ANNOTATE_MAX_ROWS = 20_000  # beyond this a copy is of no use to a district, and costly to load
ANNOTATE_MAX_MB = LOAD_MAX_MB
ANNOTATE_PROCESSES = 2  # copies made at once, each in a process of its own (the machine's two cores)
PROCESS_ROWS = 2_000  # rows to annotate, all workbooks together, that pay for starting those processes
PROCESS_MAX_ROWS = 5_000  # the largest workbook copied apart: openpyxl holds the whole of one in memory,
# about 25 MB a thousand rows of 50 columns, beside the inputs the main process holds


def too_large_to_annotate(source: Path | bytes, rows: int) -> bool:
    """Whether loading the whole workbook to mark it would cost more than a copy is worth: too many
    rows in the table, or too much in its sheets altogether (a huge sheet greencomm never reads)."""
    return rows > ANNOTATE_MAX_ROWS or sheets_megabytes(source) > ANNOTATE_MAX_MB


FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
HEADERS = {
    "zh": ["序号", "严重程度", "位置", "字段", "填写值", "问题", "修改建议", "代码", "社区名称"],
    "en": ["No.", "Severity", "Where", "Field", "Value", "Problem", "How to fix", "Code", "Community"],
}  # 社区名称 last: the columns before it keep their places for whoever reads the sheet back
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
Communities = dict[tuple[str, str, int], str]  # (file, sheet, Excel row) → the community on that row, as read


def annotated_name(path: Path) -> str:
    return f"{path.stem}_问题标注.xlsx"


def _comment_text(problems: Sequence[Problem], lang: str) -> str:
    words = SEVERITY_WORDS[lang]
    return "\n".join(f"【{words[p.severity]}】{p.text(lang)}；{p.hint(lang)}" for p in problems)


def _seen_at(sheet: Worksheet, cell: str) -> str:
    """The cell people see: inside a merged range, its first cell."""
    if not isinstance(sheet[cell], MergedCell):
        return cell
    span = next(r for r in sheet.merged_cells.ranges if cell in r)
    return str(span.start_cell.coordinate)


def _mark_cells(book: Workbook, problems: Iterable[Problem], lang: str) -> None:
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.cell and p.sheet in book.sheetnames:
            by_cell[(p.sheet, _seen_at(book[p.sheet], p.cell))].append(p)
    for (sheet, cell), found in by_cell.items():
        target = book[sheet][cell]
        worst = "error" if any(p.is_error for p in found) else "warning"
        target.fill = FILLS[worst]
        text = _comment_text(found, lang)
        comment = Comment(text, "greencomm")
        comment.width = 320
        comment.height = 40 + 40 * len(found) + len(text) // 2
        target.comment = comment


def community_names(inputs: Inputs) -> dict[str, Communities]:
    """Which community each row read is about, file by file, so a problem list names it beside the
    cell (and a copy made in a process of its own is sent its file's names alone)."""
    names: dict[str, Communities] = defaultdict(dict)
    for part in inputs.parts:
        frame = part.frame
        if len(frame) and {"_file", "_sheet", "_row", "community"} <= set(frame.columns):
            rows = zip(frame["_file"], frame["_sheet"], frame["_row"], frame["community"], strict=True)
            for f, s, r, c in rows:
                if c is not None:
                    names[f][(f, s, int(r))] = str(c)
    return names


def _community(p: Problem, names: Communities) -> str:
    if p.params.get("community"):
        return str(p.params["community"])
    row = "".join(ch for ch in p.cell if ch.isdigit())
    return names.get((p.file, p.sheet, int(row)), "") if row else ""


def _problem_sheet(book: Workbook, problems: Sequence[Problem], lang: str, names: Communities) -> Worksheet:
    if PROBLEM_SHEET in book.sheetnames:
        del book[PROBLEM_SHEET]
    sheet: Worksheet = book.create_sheet(PROBLEM_SHEET, 0)
    sheet.append(HEADERS[lang])
    style_header(sheet, 1)
    words = SEVERITY_WORDS[lang]
    for n, p in enumerate(problems, start=1):
        row = n + 1
        where = f"{p.sheet}!{p.cell}" if p.cell else p.sheet
        values = [
            n,
            words[p.severity],
            where,
            p.field,
            p.value,
            p.text(lang),
            p.hint(lang),
            p.code,
            _community(p, names),
        ]
        for col, value in enumerate(values, start=1):
            set_value(sheet.cell(row, col), value)
        if p.cell and p.sheet in book.sheetnames:
            link = sheet.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{p.sheet}'!{p.cell}")  # in-document
            link.font = Font(color="0563C1", underline="single")
        sheet.cell(row, 2).fill = FILLS[p.severity]
        for col in (6, 7, 9):
            sheet.cell(row, col).alignment = WRAP_TOP
    fit_columns(sheet, caps={5: 30, 6: 60, 7: 40, 9: 20})
    fit_row_heights(sheet, (6, 7, 9))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    print_setup(sheet)
    return sheet


def annotate(
    source: Path | bytes, problems: Sequence[Problem], lang: str = "zh", names: Communities | None = None
) -> Workbook:
    """The district's own workbook (its file, or its decrypted bytes), formatting kept, with the
    problems marked on it; an .xls, .xlsb or .ods, which cannot be edited, rebuilt from its values."""
    if book_format(source) in BINARY:
        book = rebuilt(source)
    else:
        book = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, rich_text=True)
    _mark_cells(book, problems, lang)
    _problem_sheet(book, problems, lang, names or {})
    book.active = 0
    return book


def write_problem_rows(sheet: Worksheet, problems: Sequence[Problem], lang: str = "zh") -> None:
    """Every problem of a run, one per row, with the file it is in."""
    sheet.append(LIST_HEADERS[lang])
    style_header(sheet, 1)
    for p in problems:
        r = sheet.max_row + 1
        for col, value in enumerate(p.list_row(lang), start=1):
            set_value(sheet.cell(r, col), value)
            if col in (1, 7, 8, 9):  # long text wraps, or the next column would cut it off on paper
                sheet.cell(r, col).alignment = WRAP_TOP
        sheet.cell(r, 4).fill = FILLS[p.severity]
    fit_columns(sheet, caps={1: 40, 7: 30, 8: 60, 9: 40})
    fit_row_heights(sheet, (1, 7, 8, 9))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    print_setup(sheet)


def problem_list(problems: Sequence[Problem], lang: str = "zh") -> Workbook:
    """The clerk's record of a run, as its own workbook."""
    book = Workbook()
    sheet: Worksheet = book.create_sheet(PROBLEM_SHEET)
    del book[book.sheetnames[0]]
    write_problem_rows(sheet, problems, lang)
    return book


def encrypt(data: bytes, password: str) -> bytes:
    """A workbook encrypted with `password`, as Excel does it (what came encrypted goes back so)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def write_validation(
    inputs: Inputs, problems: Sequence[Problem], folder: Path, lang: str, password: str | None = None
) -> tuple[dict[Path, Path], list[Path], list[Problem]]:
    """An annotated copy of every workbook with problems, and the full list; returns input → copy,
    the workbooks too large to annotate, and a warning for each workbook whose copy could not be
    made (a damaged part the reader never needed: its problems are still in the list). A file that
    could not be read gets no copy (there is nothing to colour), and when no input could be read at
    all nothing is written: the messages say it all (docs/rules.md#untrusted-input)."""
    files = inputs.files
    refused = {p.file for p in problems if p.refused}
    if all(path.name in refused for path in files):
        return {}, [], []
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_file[p.file].append(p)
    frame = inputs.submissions.frame
    rows = frame["_file"].value_counts().to_dict() if len(frame) else {}
    sources = {path: source for part in inputs.parts for path, source in part.sources.items()}
    names = community_names(inputs)
    jobs: list[_Job] = []
    too_large: list[Path] = []
    for path in files:
        found = by_file.get(path.name)
        if not found or any(p.refused for p in found) or path not in sources:
            continue
        if too_large_to_annotate(sources[path], rows.get(path.name, 0)):
            too_large.append(path)
            continue
        jobs.append(_Job(path, sources[path], found, lang, names[path.name]))
    with _annotating(jobs, [rows.get(job.path.name, 0) for job in jobs]) as made:
        listed = to_bytes(problem_list(sort_problems(problems), lang))  # made meanwhile
        written: dict[Path, Path] = {}
        failed: list[Problem] = []
        for job, data in zip(jobs, made, strict=True):
            if isinstance(data, Problem):
                failed.append(data)
                continue
            target = folder / annotated_name(job.path)
            if target in written.values():  # 芙蓉区.xls and 芙蓉区.xlsx both sent: neither copy replaces the other
                target = folder / f"{job.path.name}_问题标注.xlsx"
            write_bytes(target, encrypt(data, password) if isinstance(job.source, bytes) and password else data, files)
            written[job.path] = target
    if failed:  # the list says which copies could not be made
        listed = to_bytes(problem_list(sort_problems([*problems, *failed]), lang))
    write_bytes(folder / "问题清单.xlsx", listed, files)
    return written, too_large, failed


@dataclass(frozen=True)
class _Job:
    """One workbook to annotate: what a process needs to make its copy."""

    path: Path
    source: Path | bytes
    problems: list[Problem]
    lang: str
    names: Communities


def _copy(job: _Job) -> bytes | Problem:
    """The annotated copy's bytes, or the warning that it could not be made."""
    try:
        return to_bytes(annotate(job.source, job.problems, job.lang, job.names))
    except Exception as exc:  # openpyxl raises many types for a part it cannot take (styles, properties)
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return Problem("cannot-annotate", job.path.name, params={"detail": detail})


@contextlib.contextmanager
def _annotating(jobs: list[_Job], rows: list[int]) -> Iterator[Iterator[bytes | Problem]]:
    """The copies, in the order of `jobs` (`rows`: the rows of each), as they are made: by two
    processes of their own when there are several workbooks, enough rows to pay for starting them
    (each copy is openpyxl loading, marking and saving a whole workbook: a second for 1,700 rows)
    and none so large that two copies beside the inputs would pass a gigabyte; else here, one by
    one. A process that dies leaves its copy to be made here."""
    processes = min(ANNOTATE_PROCESSES, len(jobs), os.cpu_count() or 1)
    if processes < 2 or sum(rows) < PROCESS_ROWS or max(rows) > PROCESS_MAX_ROWS:
        yield (_copy(job) for job in jobs)
        return
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = [pool.submit(_copy, job) for job in jobs]

        def results() -> Iterator[bytes | Problem]:
            for job, future in zip(jobs, futures, strict=True):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    yield _copy(job)

        yield results()
    finally:  # copies no longer wanted (a file that could not be written) are not made
        pool.shutdown(wait=True, cancel_futures=True)
