"""The command line: options in, one call to greencomm.api, its result rendered, the contract's exit
code. Typer lives here and nowhere else.

Exit codes (docs/rules.md#command-line): 0 success and no data errors; 1 data errors or an
unreadable input; 2 usage. Human text goes to stderr; `--json` prints one JSON object on stdout and
nothing else there.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from greencomm import __version__
from greencomm.errors import GreencommError, NothingWritten
from greencomm.lazy import lazy
from greencomm.problems import LANGS, default_lang

if TYPE_CHECKING:
    from greencomm import api
    from greencomm.write import terminal
else:  # loaded by the first command that uses them: --version and --help need neither
    api = lazy("greencomm.api")
    terminal = lazy("greencomm.write.terminal")

app = typer.Typer(
    name="greencomm",
    help="社区创建评选（节能环保社区、绿色社区……）：校验区级申报表、评分、排名、公示与年度总结。"
    " Scores a city's community creation programme from district Excel workbooks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# ---------------------------------------------------------------- shared options
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="设置文件（默认 ./greencomm.toml）/ settings file", dir_okay=False),
]
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="创建年度（默认取设置或今年）/ programme year")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="消息语言 zh 或 en / message language")]
JsonOpt = Annotated[bool, typer.Option("--json", help="在标准输出打印 JSON / print JSON on stdout")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度与摘要 / no progress or summary")]
PasswordOpt = Annotated[
    str | None,
    typer.Option("--password", envvar="GREENCOMM_PASSWORD", help="加密工作簿的密码 / password of encrypted workbooks"),
]


def _err_console(quiet: bool = False) -> Console:
    return Console(stderr=True, quiet=quiet, highlight=False, soft_wrap=True)


def _lang(value: str | None) -> str:
    if value is None:
        return default_lang()
    if value not in LANGS:
        raise typer.BadParameter(f"应为 zh 或 en / must be zh or en, not {value!r}", param_hint="--lang")
    return value


@contextlib.contextmanager
def _handled() -> Iterator[None]:
    """Program failures become `错误：…` on stderr and the contract's exit code, never a traceback."""
    try:
        yield
    except GreencommError as exc:
        if isinstance(exc, NothingWritten):  # the problems say why nothing was written
            for line in terminal.problem_lines(exc.problems, default_lang()):
                _err_console().print(line, markup=False)
        _err_console().print(f"[bold red]错误 / error:[/] {escape(str(exc))}", markup=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug of ours: said plainly; the traceback only when asked for
        if os.environ.get("GREENCOMM_DEBUG"):
            raise
        _err_console().print(
            f"[bold red]内部错误 / internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
            "请把输入文件和这条信息发给维护人员；设置 GREENCOMM_DEBUG=1 可显示详细信息。"
            " / please send the input files and this message to the maintainers (GREENCOMM_DEBUG=1 shows details).",
            markup=True,
        )
        raise typer.Exit(1) from None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"greencomm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本 / show the version")
    ] = False,
) -> None:
    """社区创建评选工具 greencomm."""


# ---------------------------------------------------------------- template
@app.command()
def template(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 / output .xlsx")] = None,
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="自定义模板文件夹 / your own templates folder", file_okay=False),
    ] = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """生成空白的区级申报汇总表 / write the blank district workbook.

    下拉选项、百分比格式、填报说明、创建活动表 — drop-downs, percent cells, instructions, activities."""
    with _handled():
        target = api.template(api.load_programme(config, year), output, templates)
    _err_console(quiet).print(f"已生成模板 / template written: {target}")


# ---------------------------------------------------------------- validate
@app.command("validate")
def validate_command(
    inputs: Annotated[list[Path], typer.Argument(help="区级申报表或文件夹 / district workbooks or folders")],
    reviews: Annotated[
        list[Path] | None, typer.Option("--reviews", "-r", help="现场评审评分表或文件夹 / review sheets")
    ] = None,
    register: Annotated[
        Path | None, typer.Option("--register", help="历年命名名录 / the register of titles", dir_okay=False)
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="标注文件与问题清单的输出文件夹 / output folder", file_okay=False),
    ] = Path("校验结果"),
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """校验区级申报表 / check district workbooks.

    写出标注问题的副本和问题清单 — writes annotated copies to mail back and the problem list."""
    language = _lang(lang)
    console = _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在读取… / reading…"):
            run = api.validate(inputs, programme, reviews, register, password, output, language)
    if as_json:
        _print_json(run.to_json(language))
    console.print(terminal.validation_summary(run.inputs, run.problems, language))
    for line in [*terminal.problem_lines(run.problems, language), *terminal.too_large_lines(run.too_large)]:
        _err_console().print(line, markup=False)  # problems show with -q too: it hides progress and summaries
    if run.problem_list is not None:
        console.print(f"输出文件夹 / output: {output}（{len(run.written)} 个标注副本，问题清单.xlsx）")
    else:
        console.print("没有可读取的工作簿，未写出文件 / no workbook could be read; nothing written")
    raise typer.Exit(1 if run.has_errors else 0)


# ---------------------------------------------------------------- score, rank, shortlist
InputsArg = Annotated[
    list[Path], typer.Argument(help="区级申报表或文件夹（或 score 生成的评分表）/ district workbooks or folders")
]
ReviewsOpt = Annotated[
    list[Path] | None, typer.Option("--reviews", "-r", help="现场评审评分表或文件夹 / review sheets or folder")
]
RegisterOpt = Annotated[
    Path | None, typer.Option("--register", help="历年命名名录 / the register of titles", dir_okay=False)
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 / output .xlsx")]


def _results_command(
    kind: str,
    inputs: list[Path],
    reviews: list[Path] | None,
    register: Path | None,
    output: Path | None,
    config: Path | None,
    year: int | None,
    lang: str | None,
    as_json: bool,
    quiet: bool,
    password: str | None = None,
) -> None:
    """score, rank and shortlist: the same evaluation, each writing its own workbook."""
    language, console = _lang(lang), _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在评分… / scoring…"):
            json_to = sys.stdout if as_json else None  # written as it is made, while the workbook is
            run: api.Written = getattr(api, kind)(inputs, programme, reviews, register, password, output, language,
                                                  json_to=json_to)  # fmt: skip
    console.print(terminal.results_summary(run.results, kind))
    for line in terminal.problem_lines(run.results.problems, language):
        _err_console().print(line, markup=False)
    console.print(f"已写出 / written: {run.files[0]}")
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def score(
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    output: OutputOpt = None,
    explain: Annotated[
        str | None, typer.Option("--explain", help="显示某社区的得分明细 / show one community's breakdown")
    ] = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """按考评标准评分，每一分都有出处 / score every community, every point explained.

    写出评分结果.xlsx：评分汇总、得分明细（填报值→规则→得分）、评分依据（输入文件哈希、标准、设置、版本）。"""
    if explain is not None:
        raise typer.Exit(_explain(explain, inputs, reviews, register, config, year, password))
    _results_command("score", inputs, reviews, register, output, config, year, lang, as_json, quiet, password)


def _plain_results_command(kind: str) -> Callable[..., None]:
    """rank and shortlist: the shared options, their own workbook."""

    def command(
        inputs: InputsArg,
        reviews: ReviewsOpt = None,
        register: RegisterOpt = None,
        output: OutputOpt = None,
        config: ConfigOpt = None,
        year: YearOpt = None,
        lang: LangOpt = None,
        as_json: JsonOpt = False,
        quiet: QuietOpt = False,
        password: PasswordOpt = None,
    ) -> None:
        _results_command(kind, inputs, reviews, register, output, config, year, lang, as_json, quiet, password)

    return command


rank = app.command(
    "rank", help="全市与区内排名，显示四个排序项 / city and district ranks with the four ordering keys."
)(_plain_results_command("rank"))
shortlist = app.command(
    "shortlist",
    help="名单：推荐现场评审／示范社区、待审定、获命名的社区、未通过及原因、奖励资金 / the lists and the money.",
)(_plain_results_command("shortlist"))


def _explain(
    who: str,
    inputs: list[Path],
    reviews: list[Path] | None,
    register: Path | None,
    config: Path | None,
    year: int | None,
    password: str | None,
) -> int:
    """One community's breakdown on stdout; the exit code to end with."""
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console().status("正在评分… / scoring…"):
            run = api.explain(who, inputs, programme, reviews, register, password)
    Console(highlight=False).print(*[terminal.explain_view(run.results, idx) for idx in run.rows])
    return 1 if run.results.has_errors else 0


@app.command()
def explain(
    community: Annotated[str, typer.Argument(help="社区名称，或“区 社区名称” / community name, or 'district name'")],
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    password: PasswordOpt = None,
) -> None:
    """显示一个社区的全部得分明细、否决、资格与结果 / one community's full breakdown."""
    raise typer.Exit(_explain(community, inputs, reviews, register, config, year, password))


register_app = typer.Typer(help="历年命名名录 / the register of titles", no_args_is_help=True)
app.add_typer(register_app, name="register")


@register_app.command("add")
def register_add(
    inputs: InputsArg,
    register: Annotated[Path, typer.Option("--register", help="历年命名名录 / the register", dir_okay=False)],
    reviews: ReviewsOpt = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """把本年度最终称号追加到历年命名名录（先备份原名录）/ add the year's final titles to the register."""
    console = _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在评分… / scoring…"):
            run = api.register_add(inputs, register, programme, reviews, password)
    if run.backup is None:
        console.print(f"已新建历年命名名录 {run.register}，写入 {run.added} 个称号")
        console.print(f"created the register {run.register} with {run.added} titles")
    else:
        console.print(f"已追加 {run.added} 个称号到 {run.register}；原名录已备份为 {run.backup}")
        console.print(f"added {run.added} titles to {run.register}; the register as it was is kept as {run.backup}")


# ---------------------------------------------------------------- documents
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", help="自定义模板文件夹 / your own templates folder", file_okay=False)
]
FolderOpt = Annotated[Path | None, typer.Option("--output", "-o", help="输出文件夹 / output folder", file_okay=False)]


def _documents_written(run: api.Written, quiet: bool) -> None:
    console = _err_console(quiet)
    for warning in run.warnings:
        _err_console().print(f"[yellow]注意 / note:[/] {escape(warning)}", markup=True)
    for line in terminal.problem_lines(run.results.problems, default_lang()):
        _err_console().print(line, markup=False)
    console.print(f"已写出 / written: {', '.join(str(f) for f in run.files)}")


@app.command()
def publicize(
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    start: Annotated[
        str | None, typer.Option("--start", help="公示开始日期 YYYY-MM-DD（默认下一个工作日）/ first day")
    ] = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖写出后被修改过的文件 / replace documents changed since written")
    ] = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """公示（.docx 与 .md）：名单按区排列、公示期按工作日计算 / write the public notice.

    已被修改过的公示文件不会被覆盖，除非加 --overwrite — an edited notice is never replaced silently."""
    first = _date_option(start, "--start")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console(quiet).status("正在评分… / scoring…"):
            run = api.publicize(inputs, programme, reviews, register, password, first, output, templates, overwrite)
    _documents_written(run, quiet)
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def report(
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="落款日期 YYYY-MM-DD（默认今天）/ date signed")] = None,
    narrative: Annotated[
        Path | None,
        typer.Option("--narrative", help="年度总结素材（Markdown，标题对应各节）/ the clerk's prose, by section"),
    ] = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖写出后被修改过的文件 / replace documents changed since written")
    ] = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """年度总结（.docx 与 .md，含图表）/ write the year's summary with figures and charts.

    各节文字来自 --narrative 素材文件（## 组织领导、## 宣传发动……），缺的节以【待填写：…】标出；已被修改过的
    总结文件不会被覆盖，除非加 --overwrite — the prose comes from the narrative file; an edited summary is never
    replaced silently."""
    signed = _date_option(date, "--date")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console(quiet).status("正在评分… / scoring…"):
            run = api.report(
                inputs, programme, reviews, register, password, signed, output, templates, narrative, overwrite
            )
    _documents_written(run, quiet)
    raise typer.Exit(1 if run.has_errors else 0)


def _date_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    parsed = api.parse_day(value)
    if parsed is None:
        raise typer.BadParameter(f"应为日期，如 2026-12-01 / must be a date like 2026-12-01, not {value!r}",
                                 param_hint=name)  # fmt: skip
    return parsed


# ---------------------------------------------------------------- rubric
@app.command()
def rubric(
    config: ConfigOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示考评标准（评分细则、一票否决、资格、等级）/ show the scoring rubric as a table."""
    with _handled():
        programme = api.load_programme(config, year)
    if as_json:
        _print_json(api.rubric(programme))
        return
    Console(highlight=False).print(terminal.rubric_table(programme))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
