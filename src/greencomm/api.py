"""greencomm's Python API: one call per command, each running the stages in order —
read (untrusted files → typed frames) → check (→ problems) → judge (→ points, ranks, statuses) →
write (→ files). The command line turns options into one of these calls and prints what it returns;
a script can do the same without it.

    programme = load_programme(year=2026)
    run = shortlist(["收件箱/"], programme, reviews=["评审表/"], output=Path("名单.xlsx"))
    run.results.table.status.value_counts()

Calls that write take the output path; those that only compute (`validate` without an output,
`evaluate`) write nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from greencomm.errors import EmptyInputError, ListsNotFinal, RegisterError
from greencomm.lazy import lazy
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme import load_programme as _load_programme

if TYPE_CHECKING:
    import pandas as pd

    from greencomm import check
    from greencomm.check import Checked
    from greencomm.judge import register as judged_register
    from greencomm.judge import results as judged
    from greencomm.judge.results import Results
    from greencomm.read import inputs as read_stage
    from greencomm.read import values, workbook
    from greencomm.read.inputs import Inputs, Part
    from greencomm.write import (
        annotate,
        atomic,
        blank_workbook,
        documents,
        notice,
        records,
        result_books,
        summary,
        xlsx,
    )
    from greencomm.write import register as register_writer
else:  # the stages load when a call first needs them: `greencomm rubric` needs none (greencomm/lazy.py)
    check = lazy("greencomm.check")
    judged_register = lazy("greencomm.judge.register")
    judged = lazy("greencomm.judge.results")
    read_stage = lazy("greencomm.read.inputs")
    values = lazy("greencomm.read.values")
    workbook = lazy("greencomm.read.workbook")
    annotate = lazy("greencomm.write.annotate")
    atomic = lazy("greencomm.write.atomic")
    blank_workbook = lazy("greencomm.write.blank_workbook")
    documents = lazy("greencomm.write.documents")
    notice = lazy("greencomm.write.notice")
    summary = lazy("greencomm.write.summary")
    records = lazy("greencomm.write.records")
    result_books = lazy("greencomm.write.result_books")
    xlsx = lazy("greencomm.write.xlsx")
    register_writer = lazy("greencomm.write.register")

Paths = Iterable[Path]


def load_programme(config: Path | None = None, year: int | None = None, reading: bool = False) -> Programme:
    """The settings (`greencomm.toml`, or `config`) and the rubric of the programme year. With
    `reading`, the process that reads sheets is started first, so it is ready when the first sheet
    is asked for."""
    if reading:
        read_stage.warm_reader()
    return _load_programme(config, year)


def parse_day(text: str) -> dt.date | None:
    """A date as a clerk types it (2026-12-01, 2026年12月1日…); None when it is not one."""
    day, problem = values.parse_date(text)
    return None if problem else day


# ---------------------------------------------------------------- template
def template(programme: Programme, output: Path | None = None, templates: Path | None = None) -> Path:
    """The blank district workbook (申报汇总表 with drop-downs, 创建活动, 填报说明), written."""
    target = output or Path(f"{programme.year}年{programme.title}申报汇总表（模板）.xlsx")
    return atomic.write_bytes(target, xlsx.to_bytes(blank_workbook.build_template(programme, templates)))


# ---------------------------------------------------------------- validate
@dataclass
class Validation:
    """The inputs as read, every problem, and what was written for the districts."""

    programme: Programme
    inputs: Inputs
    checked: Checked
    output: Path | None = None
    written: dict[Path, Path] = field(default_factory=dict)  # input → its annotated copy
    too_large: list[Path] = field(default_factory=list)  # workbooks too large to annotate

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems

    @property
    def has_errors(self) -> bool:
        return self.checked.has_errors

    @property
    def files(self) -> list[Path]:
        return self.inputs.files

    @property
    def submissions(self) -> Part:
        """The district workbooks as read: `.frame` holds one typed row per community."""
        return self.inputs.submissions

    @property
    def communities(self) -> pd.DataFrame:
        return self.inputs.submissions.frame

    @property
    def problem_list(self) -> Path | None:
        """The run's 问题清单.xlsx, when one was written."""
        if self.output is None or not (self.output / "问题清单.xlsx").exists():
            return None
        return self.output / "问题清单.xlsx"

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        communities = len(self.communities)
        return records.validation_json(self.programme.year, self.files, self.written, communities, self.problems, lang)


def validate(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
) -> Validation:
    """Every rule of the workbook layout, on district workbooks (and review sheets and the register
    when given). With `output`, an annotated copy of each workbook with problems and the problem list
    are written into that folder."""
    with _collector_paused():
        inputs = read_stage.read_inputs(paths, programme, reviews, register, password)
        run = Validation(programme, inputs, check.check_inputs(inputs, programme), output)
    if output is not None:
        run.written, run.too_large, failed = annotate.write_validation(inputs, run.problems, output, lang, password)
        run.checked.problems = read_stage.sort_problems([*run.checked.problems, *failed])
    return run


# ---------------------------------------------------------------- score, rank, shortlist
def evaluate(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
) -> Results:
    """Read, check and judge: every community's points, vetoes, eligibility, ranks and status. A
    result workbook of score, rank or shortlist may stand for the inputs it carries."""
    paths = list(paths)
    reviews, register = read_stage.carried_inputs(workbook.expand_inputs(paths), reviews, register)
    with _collector_paused():
        inputs = read_stage.read_inputs(paths, programme, reviews, register, password)
        return judged.judge(inputs, check.check_inputs(inputs, programme), programme)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The stages make a few hundred thousand small containers and leave no lasting cycles;
    Python's cyclic collector would walk them all in full passes (0.2 s at 100,000 communities)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _communities(
    paths: Paths, programme: Programme, reviews: Paths | None, register: Path | None, password: str | None
) -> Results:
    """The results, for a command that goes on to write from them: not one community read is an
    error whose problems say why."""
    results = evaluate(paths, programme, reviews, register, password)
    if results.table.empty:
        raise EmptyInputError("没有可读取的社区，未写出任何文件 / no community could be read; nothing written",
                              results.problems)  # fmt: skip
    return results


@dataclass
class Written:
    """The results a command wrote from, and the files it wrote."""

    results: Results
    files: list[Path]
    warnings: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return self.results.has_errors

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return records.results_json(self.results, lang)

    def json_text(self, lang: str = "zh") -> Iterator[str]:
        """The same document as text in pieces, to write as it is made (100,000 communities make
        100 MB of JSON)."""
        return records.results_json_text(self.results, lang)


WORKBOOKS = {  # the result_books function that builds each, and its default name
    "score": ("scored_workbook", "评分结果.xlsx"),
    "rank": ("rank_workbook", "排名.xlsx"),
    "shortlist": ("shortlist_workbook", "名单.xlsx"),
}


def _results_workbook(
    kind: str,
    paths: Paths,
    programme: Programme,
    reviews: Paths | None,
    register: Path | None,
    password: str | None,
    output: Path | None,
    lang: str,
    json_to: IO[str] | None = None,
) -> Written:
    results = _communities(paths, programme, reviews, register, password)
    build, default = WORKBOOKS[kind]
    make = functools.partial(getattr(result_books, build), results, lang)
    if json_to is None:
        book = make()
    else:  # the workbook's writer works outside Python's lock: the JSON is written meanwhile
        results.ordered()  # worked out once, before two threads read it
        with ThreadPoolExecutor(max_workers=1) as pool:
            building = pool.submit(make)
            for text in records.results_json_text(results, lang):
                json_to.write(text)
            json_to.flush()
            book = building.result()
    target = atomic.write_bytes(output or Path(default), book, results.inputs.files)
    files = [target]
    if kind == "score" and not result_books.detail_fits(results):  # more rows of detail than a sheet holds
        csv = target.with_name(f"{target.stem}_得分明细.csv")
        files.append(atomic.write_bytes(csv, result_books.detail_csv(results), results.inputs.files))
    return Written(results, files)


def score(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
) -> Written:
    """评分结果.xlsx: one row per community, every point explained, the provenance and the inputs."""
    return _results_workbook("score", paths, programme, reviews, register, password, output, lang, json_to)


def rank(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
) -> Written:
    """排名.xlsx: city and district ranks with the four ordering keys."""
    return _results_workbook("rank", paths, programme, reviews, register, password, output, lang, json_to)


def shortlist(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
) -> Written:
    """名单.xlsx: the lists before or after review, 未通过 with every reason, the money. With
    `json_to`, the `--json` document is written there while the workbook is made (score and rank
    take it too); it is out before the workbook is saved."""
    return _results_workbook("shortlist", paths, programme, reviews, register, password, output, lang, json_to)


@dataclass
class Explained:
    """One community (or several of the same name) picked out of the results."""

    results: Results
    rows: list[Any]


def explain(
    who: str,
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
) -> Explained:
    """The rows named `社区名称` or `所属区 社区名称`; a clear error with the nearest names otherwise."""
    results = _communities(paths, programme, reviews, register, password)
    return Explained(results, judged.find_community(results, who))


# ---------------------------------------------------------------- the register
@dataclass
class Registered:
    added: int
    register: Path
    backup: Path | None


def register_add(
    paths: Paths,
    register: Path,
    programme: Programme,
    reviews: Paths | None = None,
    password: str | None = None,
    now: dt.datetime | None = None,
) -> Registered:
    """The year's final titles appended to the register (backed up first; created when missing)."""
    results = _communities(paths, programme, reviews, None, password)
    titles = judged_register.final_titles(results)
    read = None
    if register.exists():
        read = read_stage.read_register(register, programme)
        errors = [p for p in read.problems + check.duplicate_register_entries(read) if p.is_error]
        if errors:
            raise RegisterError(
                f"{register}: 名录本身有错误，请先改正 / the register has errors: {errors[0].message()}"
            )
        judged_register.not_yet_registered(read.frame, programme.year, str(register))
    added, backup = register_writer.append_titles(register, titles, read, now)
    return Registered(added, register, backup)


# ---------------------------------------------------------------- documents
def _final_lists(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None,
    register: Path | None,
    password: str | None,
    what: str,
    what_en: str,
    activities: bool = False,
) -> Results:
    """The results a document that leaves the office is written from: not while errors in the
    inputs change the lists (a duplicate, a wrong cell that scores 0, a review sheet that names
    nobody…); those are listed and nothing is written."""
    results = _communities(paths, programme, reviews, register, password)
    blocking = results.errors_changing_lists(activities)
    if blocking:
        raise ListsNotFinal(
            f"输入中有 {len(blocking)} 个错误会改变名单{'或数字' if activities else ''}（见上），未写出{what}；"
            f"请改正后重新运行（greencomm validate 会在工作簿上逐一标注） / {len(blocking)} errors in the inputs change"
            f" the lists{' or the figures' if activities else ''} (above): {what_en} was not written; fix them and run"
            " again (greencomm validate marks each one in the workbooks)",
            blocking,
        )
    return results


def publicize(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    start: dt.date | None = None,
    output: Path | None = None,
    templates: Path | None = None,
    overwrite: bool = False,
) -> Written:
    """The 公示 as .docx and .md (folder `./公示` by default). A .docx or .md there that was changed
    since greencomm wrote it is replaced only with `overwrite`; otherwise nothing is written."""
    results = _final_lists(paths, programme, reviews, register, password, "公示", "the notice")
    document = notice.publicity(results, start)
    stem = f"{programme.year}年{programme.title}拟命名名单公示"
    files = documents.write_document(document, "publicity", stem, output or Path("公示"), templates,
                                     results.inputs.files, overwrite)  # fmt: skip
    return Written(results, files, document.warnings)


def report(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    date: dt.date | None = None,
    output: Path | None = None,
    templates: Path | None = None,
    narrative: Path | None = None,
    overwrite: bool = False,
) -> Written:
    """The year's summary as .docx and .md with charts (folder `./年度总结` by default), the clerk's
    prose merged in from the `narrative` file (Markdown, its headings naming the sections). A
    narrative that cannot be read is an error before anything is read or written; a .docx or .md
    changed since greencomm wrote it is replaced only with `overwrite`."""
    from greencomm.write.narrative import read_narrative  # the summary's alone

    text = read_narrative(narrative) if narrative is not None else None
    results = _final_lists(paths, programme, reviews, register, password, "年度总结", "the summary", activities=True)
    document = summary.report(results, date, text, str(narrative) if narrative is not None else "")
    stem = f"{programme.year}年{programme.title}创建工作总结"
    files = documents.write_document(document, "report", stem, output or Path("年度总结"), templates,
                                     results.inputs.files, overwrite)  # fmt: skip
    return Written(results, files, document.warnings)


# ---------------------------------------------------------------- the rubric
def rubric(programme: Programme) -> dict[str, Any]:
    """The rubric's items as plain data (what `greencomm rubric --json` prints)."""
    return records.rubric_json(programme)


__all__: Sequence[str] = (
    "Explained", "Registered", "Validation", "Written", "evaluate", "explain", "load_programme", "parse_day",
    "publicize", "rank", "register_add", "report", "rubric", "score", "shortlist", "template", "validate",
)  # fmt: skip
