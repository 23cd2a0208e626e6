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

import codecs
import contextlib
import datetime as dt
import functools
import gc
import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from greencomm.errors import EmptyInputError, ListsNotFinal, NothingWritten, RegisterError
from greencomm.lazy import lazy
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme import load_programme as _load_programme
from greencomm.programme.layouts import SUBMISSION_SHEET

if TYPE_CHECKING:
    import pandas as pd

    from greencomm import check
    from greencomm.check import Checked
    from greencomm.check.intake import Intake
    from greencomm.judge import compare as judged_compare
    from greencomm.judge import recheck as recheck_rule
    from greencomm.judge import register as judged_register
    from greencomm.judge import results as judged
    from greencomm.judge import sampling as sampling_rule
    from greencomm.judge.results import Results
    from greencomm.read import inputs as read_stage
    from greencomm.read import results_book, values, workbook
    from greencomm.read.inputs import Inputs, Part
    from greencomm.write import (
        annotate,
        atomic,
        blank_workbook,
        decision,
        documents,
        notice,
        recheck_book,
        records,
        register_changes,
        result_books,
        summary,
        xlsx,
    )
    from greencomm.write import comparison as comparison_writer
    from greencomm.write import register as register_writer
    from greencomm.write import sampling as sampling_writer
else:  # the stages load when a call first needs them: `greencomm rubric` needs none (greencomm/lazy.py)
    check = lazy("greencomm.check")
    sampling_rule = lazy("greencomm.judge.sampling")
    sampling_writer = lazy("greencomm.write.sampling")
    judged_register = lazy("greencomm.judge.register")
    judged_compare = lazy("greencomm.judge.compare")
    results_book = lazy("greencomm.read.results_book")
    comparison_writer = lazy("greencomm.write.comparison")
    judged = lazy("greencomm.judge.results")
    read_stage = lazy("greencomm.read.inputs")
    values = lazy("greencomm.read.values")
    workbook = lazy("greencomm.read.workbook")
    annotate = lazy("greencomm.write.annotate")
    atomic = lazy("greencomm.write.atomic")
    blank_workbook = lazy("greencomm.write.blank_workbook")
    decision = lazy("greencomm.write.decision")
    documents = lazy("greencomm.write.documents")
    notice = lazy("greencomm.write.notice")
    summary = lazy("greencomm.write.summary")
    records = lazy("greencomm.write.records")
    result_books = lazy("greencomm.write.result_books")
    xlsx = lazy("greencomm.write.xlsx")
    register_writer = lazy("greencomm.write.register")
    register_changes = lazy("greencomm.write.register_changes")
    recheck_rule = lazy("greencomm.judge.recheck")
    recheck_book = lazy("greencomm.write.recheck_book")

Paths = Iterable[Path]


def load_programme(config: Path | None = None, year: int | None = None, reading: bool = False) -> Programme:
    """The settings (`greencomm.toml`, or `config`) and the rubric of the programme year. With
    `reading`, the process that reads sheets is started first, so it is ready when the first sheet
    is asked for."""
    if reading:
        workbook.warm_reader()
    return _load_programme(config, year)


def start_readers() -> None:
    """Start the reading processes district workbooks are read with (one a core), with the default
    limits, while the rest of greencomm loads."""
    workbook.warm_reader(count=workbook.READERS)


def parse_day(text: str) -> dt.date | None:
    """A date as a clerk types it (2026-12-01, 2026年12月1日…); None when it is not one."""
    day, problem = values.parse_date(text)
    return None if problem else day


# ---------------------------------------------------------------- template
def template(
    programme: Programme,
    output: Path | None = None,
    templates: Path | None = None,
    recheck_register: Path | None = None,
    password: str | None = None,
) -> Path:
    """The blank district workbook (申报汇总表 with drop-downs, 创建活动, 填报说明), written. With
    `recheck_register`, the re-check workbook instead: pre-filled with the communities whose latest
    title the register holds still (docs/rules.md#re-check)."""
    if recheck_register is not None:
        from greencomm.judge.recheck import latest_held  # template --recheck's alone
        from greencomm.write.recheck_template import build_recheck_template

        held = latest_held(_titles_now(recheck_register, programme, password))
        target = output or Path(f"{programme.year}年{programme.title}复查表.xlsx")
        book = build_recheck_template(programme, held, templates)
        return atomic.write_bytes(target, xlsx.to_bytes(book), [recheck_register])
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
    intake: Intake | None = None  # which programme districts sent what, and which nothing

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
        doc = records.validation_json(self.programme.year, self.files, self.written, communities, self.problems, lang)
        if self.intake is not None:  # beside the problems: a district not received is no fault of a workbook
            doc["intake"] = self.intake.to_dict(lang)
        return doc


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
    from greencomm.check.intake import intake  # validate's alone (a lazy submodule would load greencomm.check)

    with _collector_paused():
        inputs = read_stage.read_inputs(paths, programme, reviews, register, password)
        read_stage.stop_readers()  # the inputs are read: checking and annotating need the memory more
        run = Validation(programme, inputs, check.check_inputs(inputs, programme), output)
        run.intake = intake(inputs.submissions, run.checked.set_aside, run.checked.replaced, programme)
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
    objections: Path | None = None,
    meanwhile: Callable[[Inputs, set[str]], object] | None = None,
) -> Results:
    """Read, check and judge: every community's points, vetoes, eligibility, ranks and status (after
    the 公示's `objections`, when given). A result workbook of score, rank or shortlist may stand
    for the inputs it carries. `meanwhile(inputs, replaced)` is called once the inputs are read,
    before they are checked and judged, with the workbooks a newer one of their district replaced:
    to start work (in a thread) that needs no more (the inputs a result workbook carries)."""
    paths = list(paths)
    # the district workbooks' sheets asked for first, each as it is listed: they are read while the
    # rest are listed and the stages load
    with _collector_paused():
        with workbook.list_ahead(paths, SUBMISSION_SHEET, programme.settings.limits, password) as ahead:
            listing = ahead.listing
            assert listing is not None
            carried = [path for path in listing.workbooks if path in listing.results]
            reviews, register, objections = read_stage.carried_inputs(carried, reviews, register, objections)
            _warm("pypinyin")  # what judging imports (ties in pinyin order), while the sheets are read
            inputs = read_stage.read_inputs(paths, programme, reviews, register, password, objections, ahead=ahead)
        inputs.hash_ahead()  # for the provenance, on the core that checking and judging leave
        read_stage.stop_readers()  # the inputs are read: checking and judging need the memory more
        resubmitted = check.resubmissions(inputs)
        if meanwhile is not None:
            meanwhile(inputs, resubmitted[1])
        return judged.judge(inputs, check.check_inputs(inputs, programme, resubmitted), programme)


def _warm(*modules: str) -> None:
    """Import third-party modules in a thread of their own: while the reading processes read the
    sheets, the main process mostly waits, and pypinyin alone takes 0.3 s to import. Only plain
    imports (thread-safe by their module locks), never greencomm's lazily loaded stages."""

    def run() -> None:
        for name in modules:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)

    threading.Thread(target=run, name="greencomm-imports", daemon=True).start()


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
    paths: Paths,
    programme: Programme,
    reviews: Paths | None,
    register: Path | None,
    password: str | None,
    objections: Path | None = None,
    meanwhile: Callable[[Inputs, set[str]], object] | None = None,
) -> Results:
    """The results, for a command that goes on to write from them: not one community read is an
    error whose problems say why."""
    results = evaluate(paths, programme, reviews, register, password, objections, meanwhile)
    read_stage.stop_readers()  # the inputs are read: writing needs the memory more
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
    objections: Path | None = None,
) -> Written:
    build, default = WORKBOOKS[kind]
    with contextlib.ExitStack() as stack:
        stack.enter_context(_collector_paused())  # writing makes as many small containers as judging
        writers: list[result_books.BookWriter] = []  # made once the inputs are read: the writer loads no sooner

        def carry(inputs: Inputs, replaced: set[str]) -> None:  # the inputs’ sheets made while they are checked, judged
            if not result_books.carried_early(programme, inputs):
                return
            writers.append(stack.enter_context(result_books.BookWriter()))
            writers[0].carry(functools.partial(result_books.carried_sheets, programme, inputs, replaced))

        results = _communities(paths, programme, reviews, register, password, objections, carry)
        make = functools.partial(getattr(result_books, build), results, lang, writers[0] if writers else None)
        results.inputs.hashes  # noqa: B018 - the files hashed (evaluate started it) before the writing threads start
        target = output or Path(default)
        if json_to is None:
            staged = atomic.stage_bytes(target, make(), results.inputs.files)
        else:  # the workbook's writer works outside Python's lock: the JSON is written meanwhile
            results.ordered()  # worked out once, before two threads read it
            with ThreadPoolExecutor(max_workers=1) as pool:
                building = pool.submit(lambda: atomic.stage_bytes(target, make(), results.inputs.files))
                try:
                    write = _utf8_writer(json_to)
                    for piece in records.results_json_bytes(results, lang):
                        write(piece)
                    json_to.flush()
                except BaseException:  # the JSON cut short: the workbook, made meanwhile, is not put in place
                    pool.shutdown()
                    if building.exception() is None:
                        building.result().discard()
                    raise
                staged = building.result()  # on disk, put in place once the JSON is out
    files = [staged.commit()]
    if kind == "score" and not result_books.detail_fits(results):  # more rows of detail than a sheet holds
        csv = target.with_name(f"{target.stem}_得分明细.csv")
        files.append(atomic.write_bytes(csv, result_books.detail_csv(results), results.inputs.files))
    return Written(results, files)


def _utf8_writer(stream: IO[str]) -> Callable[[bytes | memoryview], object]:
    """How to write UTF-8 pieces to a text stream: to the bytes beneath it when it is UTF-8 (the
    text layer flushed first), else decoded to its own text layer."""
    binary = getattr(stream, "buffer", None)
    if binary is not None and codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8":
        stream.flush()
        return cast(Callable[[bytes | memoryview], object], binary.write)
    return lambda piece: stream.write(bytes(piece).decode("utf-8"))


def score(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
    objections: Path | None = None,
) -> Written:
    """评分结果.xlsx: one row per community, every point explained, the provenance and the inputs."""
    return _results_workbook("score", paths, programme, reviews, register, password, output, lang, json_to, objections)


def rank(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
    objections: Path | None = None,
) -> Written:
    """排名.xlsx: city and district ranks with the four ordering keys."""
    return _results_workbook("rank", paths, programme, reviews, register, password, output, lang, json_to, objections)


def shortlist(
    paths: Paths,
    programme: Programme,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    output: Path | None = None,
    lang: str = "zh",
    json_to: IO[str] | None = None,
    objections: Path | None = None,
) -> Written:
    """名单.xlsx: the lists before or after review (and after the 公示's `objections`), 未通过 with
    every reason, the money. With `json_to`, the `--json` document is written there while the
    workbook is made (score and rank take it too); it is out before the workbook is saved."""
    return _results_workbook(
        "shortlist", paths, programme, reviews, register, password, output, lang, json_to, objections
    )


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
    objections: Path | None = None,
) -> Registered:
    """The year's final titles appended to the register (backed up first; created when missing)."""
    results = _communities(paths, programme, reviews, None, password, objections)
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


@dataclass
class Updated:
    """Status changes appended to the register's 状态变更记录, and the backup of it as it was."""

    entries: pd.DataFrame  # what was appended, in the 状态变更记录 columns, by date
    register: Path
    backup: Path
    problems: list[Problem] = field(default_factory=list)  # warnings about the decisions (no errors)

    @property
    def added(self) -> int:
        return len(self.entries)

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        entries = [{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in e.items()}
                   for e in self.entries.to_dict("records")]  # fmt: skip
        return {"register": str(self.register), "backup": str(self.backup), "added": self.added,
                "entries": entries, "problems": [p.to_dict(lang) for p in self.problems]}  # fmt: skip


def register_update(
    register: Path, decisions: Path, programme: Programme, password: str | None = None, now: dt.datetime | None = None
) -> Updated:
    """整改, 撤销 and 恢复 from a decisions workbook (or a recheck workbook's 状态变更记录) appended to
    the register as dated entries, after a backup (docs/rules.md#register). Nothing is written while
    the register or any decision has an error: a decision that makes no sense is named at its cell."""
    from greencomm.check.titles import change_problems, ordered  # register update's alone
    from greencomm.programme.layouts import CHANGE_FIELDS

    if not register.exists():
        raise RegisterError(f"{register}: 找不到历年命名名录 / the register does not exist")
    read = read_stage.read_register(register, programme, password)
    errors = [p for p in read.problems + check.duplicate_register_entries(read) + change_problems(read) if p.is_error]
    if errors:
        raise NothingWritten(f"{register}: 名录本身有错误（见上），未写入 / the register has errors (above);"
                             " nothing written", errors)  # fmt: skip
    decided = read_stage.read_decisions(decisions, programme, password)
    problems = read_stage.sort_problems([*decided.problems, *change_problems(read, decided)])
    errors = [p for p in problems if p.is_error]
    if errors:
        raise NothingWritten(
            f"{decisions}: {len(errors)} 处错误（见上），名录未改动、未备份 / {len(errors)} errors (above):"
            " the register was not changed or backed up",
            errors,
        )
    entries = ordered(decided.frame)[[key for key, _ in CHANGE_FIELDS]].reset_index(drop=True)
    backup = register_changes.append_changes(register, entries, read, now)
    return Updated(entries, register, backup, problems)


# ---------------------------------------------------------------- re-checks (复查)
def _titles_now(register: Path, programme: Programme, password: str | None) -> pd.DataFrame:
    """The register's titles as they stand now (current_titles); refused while the register has errors."""
    from greencomm.check.titles import change_problems, current_titles  # the re-check's alone

    if not register.exists():
        raise RegisterError(f"{register}: 找不到历年命名名录 / the register does not exist")
    read = read_stage.read_register(register, programme, password)
    errors = [p for p in read.problems + check.duplicate_register_entries(read) + change_problems(read) if p.is_error]
    if errors:
        raise NothingWritten(f"{register}: 名录本身有错误（见上），未写出任何文件 / the register has errors (above);"
                             " nothing written", errors)  # fmt: skip
    return current_titles(read.frame, read.changes)


@dataclass
class Revisited:
    """A re-check: the outcome of every titled community, the problems shown, the files written."""

    done: recheck_rule.Rechecked
    problems: list[Problem]
    files: list[Path] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        """How many of each outcome (保留, 限期整改, 撤销, 未复查)."""
        return recheck_book.counts(self.done)

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return recheck_book.recheck_json(self.done, self.files, self.problems, lang)


def recheck(
    paths: Paths,
    register: Path,
    programme: Programme,
    date: dt.date | None = None,
    doc: str | None = None,
    output: Path | None = None,
    templates: Path | None = None,
    password: str | None = None,
    overwrite: bool = False,
    lang: str = "zh",
) -> Revisited:
    """Titled communities re-checked against the current rubric (docs/rules.md#re-check): the re-check
    workbook(s) — the 申报汇总表 layout, only 所属区, 社区名称 and the columns the rubric reads needed —
    scored as ever and each title held to its level: 保留, 限期整改, 撤销 or 未复查. Written into
    `output` (folder `./复查` by default): 复查结果.xlsx, whose 状态变更记录 `register update --decisions`
    takes as it is (dated `date`, 文号 `doc`), and the notice (.docx, .md). Refused, nothing written,
    while the register has errors or an error in the workbooks changes an outcome."""
    from greencomm.programme.layouts import recheck_columns  # the re-check's alone
    from greencomm.write.recheck_notice import recheck_notice

    day = date or dt.date.today()
    current = _titles_now(register, programme, password)
    paths = list(paths)
    with _collector_paused():
        inputs = read_stage.read_inputs(paths, programme, password=password, columns=recheck_columns(programme))
        results = judged.judge(inputs, check.check_inputs(inputs, programme), programme)
    read_stage.stop_readers()
    done = recheck_rule.recheck(results, current, day, doc)
    problems, blocking = recheck_rule.recheck_problems(results, done.table)
    if results.table.empty:  # every titled community 未复查 would be a notice of nothing read
        raise EmptyInputError("复查表中没有可读取的社区，未写出任何文件 / no community could be read from the re-check"
                              " workbooks; nothing written", problems)  # fmt: skip
    if blocking:
        raise ListsNotFinal(
            f"复查表中有 {len(blocking)} 个错误会改变复查结论（见上），未写出任何文件；请改正后重新运行 / "
            f"{len(blocking)} errors in the re-check workbooks change the outcomes (above): nothing was written;"
            " fix them and run again",
            blocking,
        )
    folder = output or Path("复查")
    stem = f"{programme.year}年{programme.title}复查"
    files = documents.write_document(recheck_notice(done, day, doc), "recheck", f"{stem}结果通报", folder, templates,
                                     [*inputs.files, register], overwrite)  # fmt: skip
    book = recheck_book.recheck_workbook(done, problems, register, day, doc, lang)
    files.insert(0, atomic.write_bytes(folder / f"{stem}结果.xlsx", book, [*inputs.files, register]))
    return Revisited(done, problems, files)


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
    objections: Path | None = None,
) -> Results:
    """The results a document that leaves the office is written from: not while errors in the
    inputs change the lists (a duplicate, a wrong cell that scores 0, a review sheet that names
    nobody…); those are listed and nothing is written."""
    results = _communities(paths, programme, reviews, register, password, objections)
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
    objections: Path | None = None,
) -> Written:
    """The 公示 as .docx and .md (folder `./公示` by default). A .docx or .md there that was changed
    since greencomm wrote it is replaced only with `overwrite`; otherwise nothing is written."""
    results = _final_lists(paths, programme, reviews, register, password, "公示", "the notice",
                           objections=objections)  # fmt: skip
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
    objections: Path | None = None,
) -> Written:
    """The year's summary as .docx and .md with charts (folder `./年度总结` by default), the clerk's
    prose merged in from the `narrative` file (Markdown, its headings naming the sections). A
    narrative that cannot be read is an error before anything is read or written; a .docx or .md
    changed since greencomm wrote it is replaced only with `overwrite`."""
    from greencomm.write.narrative import read_narrative  # the summary's alone

    text = read_narrative(narrative) if narrative is not None else None
    results = _final_lists(paths, programme, reviews, register, password, "年度总结", "the summary", activities=True,
                           objections=objections)  # fmt: skip
    document = summary.report(results, date, text, str(narrative) if narrative is not None else "")
    stem = f"{programme.year}年{programme.title}创建工作总结"
    files = documents.write_document(document, "report", stem, output or Path("年度总结"), templates,
                                     results.inputs.files, overwrite)  # fmt: skip
    return Written(results, files, document.warnings)


# ---------------------------------------------------------------- sample (摸底调查及抽查审核)
@dataclass
class Sampled:
    """The spot-check sample drawn, the problems of the inputs it was drawn from, and the files written."""

    programme: Programme
    draw: sampling_rule.Draw
    problems: list[Problem]
    files: list[Path] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return sampling_writer.sample_json(self.draw, self.programme, self.files, self.problems, lang)


def sample(
    paths: Paths,
    programme: Programme,
    share: str | float | None = None,
    count: int | None = None,
    weight_demonstration: str | float | None = None,
    seed: int | None = None,
    password: str | None = None,
    date: dt.date | None = None,
    output: Path | None = None,
    templates: Path | None = None,
    overwrite: bool = False,
) -> Sampled:
    """A reproducible stratified sample of the applicants for the spot checks (docs/rules.md#spot-checks):
    `share` of them (rounded up) or `count`, in proportion per district, optionally weighted toward
    applicants for the demonstration title, from `seed` (drawn when not given). Written into
    `output` (folder `./抽查` by default): the list with its provenance (.xlsx) and the notice (.docx,
    .md). Refused while errors in the inputs change who applied; nothing is written then."""
    import secrets

    weight = sampling_rule.fraction(weight_demonstration if weight_demonstration is not None else 1)
    design = sampling_rule.Design(
        seed=seed if seed is not None else secrets.randbelow(sampling_rule.SEED_LIMIT),
        share=sampling_rule.fraction(share) if share is not None else None,
        count=count,
        weight=weight,
    )
    sampling_rule.weighable(design, programme)  # a usage error is said before anything is read
    paths = list(paths)
    with _collector_paused():
        inputs = read_stage.read_inputs(paths, programme, password=password)
        checked = check.check_inputs(inputs, programme)
    blocking = sampling_rule.blocking(checked.problems, programme)
    if blocking:
        raise ListsNotFinal(
            f"输入中有 {len(blocking)} 个错误会改变申报名单（见上），未抽取；请改正后重新运行（greencomm validate 会在"
            f"工作簿上逐一标注） / {len(blocking)} errors in the inputs change who applied (above): nothing was drawn;"
            " fix them and run again (greencomm validate marks each one in the workbooks)",
            blocking,
        )
    frame = inputs.submissions.frame.drop(checked.set_aside)
    draw = sampling_rule.draw(frame, programme, design)
    if not draw.size:
        raise EmptyInputError("没有可抽取的申报社区，未写出任何文件 / no applicant to draw from; nothing written",
                              checked.problems)  # fmt: skip
    folder = output or Path("抽查")
    today = dt.date.today()
    stem = f"{programme.year}年{programme.title}"
    document = sampling_writer.sample_notice(draw, programme, date or today)
    files = documents.write_document(document, "sample", f"{stem}抽查审核通知", folder, templates, inputs.files,
                                     overwrite)  # fmt: skip
    book = sampling_writer.sample_book(draw, programme, paths, inputs.hashes, today)
    files.insert(0, atomic.write_bytes(folder / f"{stem}抽查名单.xlsx", book, inputs.files))
    return Sampled(programme, draw, checked.problems, files)


# ---------------------------------------------------------------- diff
@dataclass
class Compared:
    """Two scored workbooks compared: who changed total, rank or status, and which items caused it."""

    old: Path
    new: Path
    comparison: judged_compare.Comparison
    files: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return comparison_writer.comparison_json(self.comparison, self.old, self.new)


def diff(
    old: Path,
    new: Path,
    programme: Programme | None = None,
    output: Path | None = None,
    password: str | None = None,
) -> Compared:
    """The 评分汇总 of two workbooks `score` wrote, compared community by community (the programme
    gives the reading limits). Both are read before anything is written; with `output`, 对比.xlsx."""
    limits = programme.settings.limits if programme is not None else None
    with _collector_paused():
        sides = [results_book.read_score_sheet(path, limits, password) for path in (old, new)]
        run = Compared(old, new, judged_compare.compare(*sides))
    if output is not None:
        book = comparison_writer.comparison_workbook(run.comparison, old, new)
        run.files.append(atomic.write_bytes(output, book, [old, new]))
    return run


def naming_decision(
    paths: Paths,
    programme: Programme,
    notice_start: dt.date,
    reviews: Paths | None = None,
    register: Path | None = None,
    password: str | None = None,
    issued: dt.date | None = None,
    output: Path | None = None,
    templates: Path | None = None,
    overwrite: bool = False,
    objections: Path | None = None,
) -> Written:
    """The naming decision (命名决定) as .docx and .md (folder `./命名决定` by default), after the 公示
    that began on `notice_start` has ended: the final titles by title and district. Refused before
    the period ends (with the date it may be issued), while a 待审定 tie is undecided, or while
    errors in the inputs change the lists."""
    results = _final_lists(paths, programme, reviews, register, password, "命名决定", "the naming decision",
                           objections=objections)  # fmt: skip
    document = decision.naming(results, notice_start, issued)
    stem = f"{programme.year}年{programme.title}命名决定"
    files = documents.write_document(document, "decision", stem, output or Path("命名决定"), templates,
                                     results.inputs.files, overwrite)  # fmt: skip
    return Written(results, files, document.warnings)


# ---------------------------------------------------------------- the rubric
def rubric(programme: Programme) -> dict[str, Any]:
    """The rubric's items as plain data (what `greencomm rubric --json` prints)."""
    return records.rubric_json(programme)


__all__: Sequence[str] = (
    "Compared", "Explained", "Registered", "Revisited", "Sampled", "Updated", "Validation", "Written", "diff",
    "evaluate", "explain",
    "load_programme",
    "naming_decision", "parse_day",
    "publicize", "rank", "recheck", "register_add", "register_update", "report", "rubric", "sample", "score",
    "shortlist",
    "template", "validate",
)  # fmt: skip
