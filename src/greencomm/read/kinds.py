"""What kind of workbook a file is, by its header: a district's 申报汇总表, a 现场评审评分表, the
历年命名名录, or a result workbook greencomm wrote. A folder given in the wrong place (the review
sheets as the submissions, the submissions as `--reviews`) would otherwise give a "missing column"
for every column of every file, or carry on as after review with no review at all; recognised, it
is said once, naming the files and where they belong, and the run stops before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from greencomm.errors import InputError, UsageError, WrongInputs
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme.layouts import RESULTS_SHEET, Column, register_columns, review_columns, submission_columns
from greencomm.read.tables import HEADER_SCAN_ROWS, matcher
from greencomm.read.workbook import Workbook, read_workbook

if TYPE_CHECKING:
    from greencomm.read.inputs import Inputs

SUBMISSION, REVIEW, REGISTER, RESULT = "submission", "review", "register", "result"


@dataclass(frozen=True)
class Kind:
    zh: str  # as the message names it
    en: str
    argument: str  # where such files are given on the command line
    argument_en: str
    columns: Callable[[Programme], tuple[Column, ...]]


KINDS = {
    SUBMISSION: Kind(
        "申报汇总表", "submissions", "命令的文件/文件夹参数", "the command's FILES|FOLDERS", submission_columns
    ),
    REVIEW: Kind("现场评审评分表", "review sheets", " --reviews ", "--reviews", review_columns),
    REGISTER: Kind("历年命名名录", "a register", " --register ", "--register", register_columns),
}
STRUCTURE = frozenset({"header-not-found", "missing-column", "missing-sheet"})  # its table was not found
SHEETS_LOOKED_AT = 5


def _holds(book: Workbook, name: str, columns: tuple[Column, ...]) -> int:
    """How many of `columns` the best header row of the sheet names, when it names every required
    one; 0 otherwise."""
    try:
        head = book.sheet(name).head(HEADER_SCAN_ROWS)
    except InputError:
        return 0
    match = matcher(columns)
    required = {c.key for c in columns if c.required}
    best = 0
    for row in head:
        keys = {c.key for v in row if (c := match(v)) is not None}
        if required <= keys:
            best = max(best, len(keys))
    return best


def kind_of(book: Workbook, programme: Programme) -> str | None:
    """The kind whose header one of the workbook's first visible sheets holds whole (the one naming
    most columns, when several do); None when it is none of them."""
    if RESULTS_SHEET in book.sheet_names:
        return RESULT
    names = (book.visible_names or book.sheet_names)[:SHEETS_LOOKED_AT]
    found = {kind: max((_holds(book, n, k.columns(programme)) for n in names), default=0) for kind, k in KINDS.items()}
    kind, hits = max(found.items(), key=lambda item: item[1])
    return kind if hits else None


def misplaced(
    files: list[Path], problems: list[Problem], expected: str, programme: Programme, password: str | None
) -> dict[str, list[Path]]:
    """Kind → the files given as `expected` that are plainly of that other kind (only a file whose
    table was not found is looked at again). A result workbook stands for the inputs it carries,
    wherever it is given."""
    failed = {p.file for p in problems if p.code in STRUCTURE}
    out: dict[str, list[Path]] = {}
    for path in files:
        if path.name not in failed:
            continue
        try:
            book = read_workbook(path, password=password, limits=programme.settings.limits)
        except (InputError, UsageError):
            continue
        kind = kind_of(book, programme)
        if kind is not None and kind not in (expected, RESULT):
            out.setdefault(kind, []).append(path)
    return out


def refusals(found: dict[str, list[Path]], expected: str) -> list[Problem]:
    """One problem per kind found where `expected` belongs: 这些看起来是现场评审评分表，不是申报汇总表：…"""
    want = KINDS[expected]
    return [
        Problem(
            "wrong-kind-of-workbook",
            params={
                "looks": KINDS[kind].zh,
                "looks_en": KINDS[kind].en,
                "expected": want.zh,
                "expected_en": want.en,
                "given": want.argument,
                "given_en": want.argument_en,
                "belongs": KINDS[kind].argument,
                "belongs_en": KINDS[kind].argument_en,
                "files": "、".join(p.name for p in paths),
            },
        )
        for kind, paths in found.items()
    ]


def refuse_misplaced(inputs: Inputs, programme: Programme, password: str | None) -> None:
    """Stop the run, nothing written, when files of one kind were given where another belongs."""
    given = [(inputs.submissions, SUBMISSION), (inputs.reviews, REVIEW), (inputs.register, REGISTER)]
    found = [
        problem
        for part, expected in given
        if part is not None
        for problem in refusals(misplaced(part.files, part.problems, expected, programme, password), expected)
    ]
    if found:
        raise WrongInputs("输入文件放错了位置，未写出任何文件 / files given in the wrong place; nothing written", found)
