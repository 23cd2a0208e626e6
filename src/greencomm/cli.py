"""The command line: options in, one call to greencomm.api, its result rendered, the contract's exit
code. Typer lives here and nowhere else.

Exit codes (docs/rules.md#command-line): 0 success and no data errors; 1 data errors or an
unreadable input; 2 usage. Human text goes to stderr; `--json` prints one JSON object on stdout and
nothing else there.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
import typer.rich_utils
from rich.console import Console
from rich.markup import escape

import greencomm
from greencomm.errors import GreencommError, NothingWritten
from greencomm.languages import WORDS, library_message, pick, pick_help
from greencomm.lazy import lazy
from greencomm.problems import LANGS, default_lang

if TYPE_CHECKING:
    from greencomm import api
    from greencomm.write import terminal
else:  # loaded by the first command that uses them: --version and --help need neither
    api = lazy("greencomm.api")
    terminal = lazy("greencomm.write.terminal")


# ---------------------------------------------------------------- one language at a time
# Help, the library's own words and greencomm's messages in one language (greencomm/languages.py):
# the language is known before anything is shown, from `--lang` anywhere on the line or the
# environment, and every text written "中文 / English" shows its side.
def _say(zh: str, en: str) -> str:
    return en if default_lang() == "en" else zh


def _asked_language(args: list[str]) -> str | None:
    for n, arg in enumerate(args):
        if arg == "--lang" and n + 1 < len(args) and args[n + 1] in LANGS:
            return args[n + 1]
        if arg.startswith("--lang=") and arg.split("=", 1)[1] in LANGS:
            return arg.split("=", 1)[1]
    return None


_TYPE_WORDS = {"path": ("路径", "PATH"), "file": ("文件", "FILE"), "directory": ("文件夹", "FOLDER"),
               "dir": ("文件夹", "FOLDER"), "int": ("整数", "INTEGER"), "str": ("文本", "TEXT"),
               "float": ("数值", "NUMBER"), "list[Path]": ("文件或文件夹...", "FILES...")}  # fmt: skip
_OPTION_WORDS = {"lang": ("zh|en", "zh|en"), "year": ("年份", "YEAR"), "start": ("日期", "DATE"),
                 "date": ("日期", "DATE"), "notice_start": ("日期", "DATE"),
                 "password": ("密码", "PASSWORD")}  # fmt: skip
_ARGUMENT_WORDS = {"inputs": ("文件或文件夹", "FILES|FOLDERS"), "community": ("社区名称", "COMMUNITY"),
                   "old": ("旧评分结果", "OLD"), "new": ("新评分结果", "NEW")}  # fmt: skip


def _label_argument(param: typer.core.TyperArgument, lang: str) -> None:
    """An argument shown by what it is in `lang` ("文件或文件夹..."), in the usage line too, without a
    type label beside it."""
    words = _ARGUMENT_WORDS.get(param.name or "")
    label = words[lang == "en"] if words else (param.name or "").upper()
    many = "..." if param.nargs != 1 else ""
    param.metavar = label + many
    shown = param.metavar if param.required else f"[{param.metavar}]"
    setattr(param, "_usage_display_name", lambda: shown)  # noqa: B010 - the library has no setting for it
    setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010


def _capital(text: str) -> str:
    """English help follows the Chinese in lower case ("中文 / check workbooks"); alone, it starts a sentence."""
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def _localize(command: typer.core.TyperCommand | typer.core.TyperGroup, lang: str) -> None:
    """This command's help, its parameters' help and labels, and its subcommands', in `lang`."""
    words = WORDS[lang]
    if command.help:
        command.help = _capital(pick_help(command.help, lang))
        command.short_help = " ".join(line.strip() for line in command.help.split("\n\n")[0].splitlines())
    command.options_metavar = words["options_metavar"]
    for param in command.params:
        param.help = pick_help(param.help, lang) if getattr(param, "help", None) else None  # type: ignore[attr-defined]
        if isinstance(param, typer.core.TyperArgument):
            _label_argument(param, lang)
        elif isinstance(param, typer.core.TyperOption):
            if param.is_flag:
                param.metavar = ""
            else:
                label = _OPTION_WORDS.get(param.name or "") or _TYPE_WORDS.get(
                    param.display_type(typer.Context(command)).strip("<>")
                )
                param.metavar = label[lang == "en"] if label else param.metavar
    if isinstance(command, typer.core.TyperGroup):
        command.subcommand_metavar = words["subcommand_metavar"]
        for sub in command.commands.values():
            _localize(sub, lang)  # type: ignore[arg-type]


def _library_words(lang: str) -> None:
    """The words Typer and click write on their own (panel titles, Usage, the --help option)."""
    words = WORDS[lang]
    rich = typer.rich_utils
    rich.ARGUMENTS_PANEL_TITLE, rich.OPTIONS_PANEL_TITLE = words["arguments"], words["options"]
    rich.COMMANDS_PANEL_TITLE, rich.ERRORS_PANEL_TITLE = words["commands"], words["error"]
    rich.ABORTED_TEXT, rich.RICH_HELP = words["aborted"], words["try"]
    rich.DEFAULT_STRING, rich.REQUIRED_LONG_STRING = words["default"], words["required"]
    rich.ENVVAR_STRING, rich.DEPRECATED_STRING = words["envvar"], words["deprecated"]
    if rich.MAX_WIDTH is None and not sys.stdout.isatty():  # help piped to a file or a pager: lines not cut at 80
        rich.MAX_WIDTH = 120


def _usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
    _write_usage(self, prog, args, WORDS[default_lang()]["usage"] if prefix is None else prefix)


def _help_option(self: Any, ctx: Any) -> Any:
    option = _get_help_option(self, ctx)
    if option is not None:
        option.help, option.metavar = WORDS[default_lang()]["help"], ""
    return option


def _format_error(self: Any) -> None:
    """A usage error in one language: the usage line, where help is, and what went wrong."""
    if self.__class__.__name__ == "NoArgsIsHelpError":
        return
    console = _err_console()
    ctx = getattr(self, "ctx", None)
    if ctx is not None:
        console.print(escape(ctx.get_usage()))
        if ctx.command.get_help_option(ctx) is not None:
            console.print(WORDS[default_lang()]["try"].format(command_path=ctx.command_path, help_option="--help"))
    said = library_message(self.format_message(), default_lang())
    colon = ": " if default_lang() == "en" else "："
    console.print(f"[bold red]{WORDS[default_lang()]['error']}{colon}[/]{escape(said)}", markup=True)


# The library has no setting for these words: its usage line, its --help option and its error
# display are replaced by ones that say them in the language chosen.
# (Typer from 0.2x carries its own copy of click; pyproject.toml pins the Typer these were written for.)
_FORMATTER, _COMMAND = typer._click.formatting.HelpFormatter, typer._click.core.Command
_write_usage, _get_help_option = _FORMATTER.write_usage, _COMMAND.get_help_option
setattr(_FORMATTER, "write_usage", _usage)  # noqa: B010
setattr(_COMMAND, "get_help_option", _help_option)  # noqa: B010
setattr(typer.rich_utils, "rich_format_error", _format_error)  # noqa: B010


class _OneLanguage(typer.core.TyperGroup):
    """The root command: sets the language from the command line before anything is shown."""

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        given = list(sys.argv[1:] if args is None else args)
        lang = _asked_language(given) or default_lang()
        os.environ["GREENCOMM_LANG"] = lang  # every later message, problem and heading follows it
        _library_words(lang)
        _localize(self, lang)
        return super().main(given, *rest, **extra)


app = typer.Typer(
    name="greencomm",
    cls=_OneLanguage,
    help="社区创建评选（节能环保社区、绿色社区……）：校验区级申报表、评分、排名、公示与年度总结"
    " / scores a city's community creation programme from district Excel workbooks.",
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
        raise typer.BadParameter(
            f"应为 zh 或 en，不是 {value!r} / must be zh or en, not {value!r}", param_hint="--lang"
        )
    return value


INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it
OUTPUT_CLOSED = 141  # the reader of standard output went away: 128 + SIGPIPE, as a shell reports it


def _output_closed() -> None:
    """Said once on stderr (when it is still open); what is left for stdout goes nowhere, so the
    exit does not fail a second time on it."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    with contextlib.suppress(OSError, ValueError):
        _err_console().print(
            _say("[bold red]错误：[/]标准输出在写完之前被关闭（读取它的程序已退出），输出不完整",
                 "[bold red]error:[/] standard output was closed before all was written (its reader exited):"
                 " the output is incomplete"),
            markup=True,
        )  # fmt: skip


@contextlib.contextmanager
def _handled() -> Iterator[None]:
    """Program failures become `错误：…` on stderr and the contract's exit code, never a traceback."""
    try:
        yield
    except GreencommError as exc:
        if isinstance(exc, NothingWritten):  # the problems say why nothing was written
            _say_problems(terminal.problem_lines(exc.problems, default_lang()))
        said = pick(str(exc), default_lang())
        _err_console().print(f"[bold red]{_say('错误：', 'error: ')}[/]{escape(said)}", markup=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(INTERRUPTED) from None
    except BrokenPipeError:  # whoever read our output stopped reading (`| head`): no bug of ours
        _output_closed()
        raise typer.Exit(OUTPUT_CLOSED) from None
    except Exception as exc:  # a bug of ours: said plainly; the traceback only when asked for
        if os.environ.get("GREENCOMM_DEBUG"):
            raise
        what = f"{type(exc).__name__}: {escape(str(exc))}"
        _err_console().print(
            _say(f"[bold red]内部错误：[/]{what}\n请把输入文件和这条信息发给维护人员；"
                 "设置 GREENCOMM_DEBUG=1 可显示详细信息。",
                 f"[bold red]internal error:[/] {what}\nplease send the input files and this message to the maintainers"
                 " (GREENCOMM_DEBUG=1 shows details)."),
            markup=True,
        )  # fmt: skip
        raise typer.Exit(1) from None


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


def _say_problems(lines: Iterable[str]) -> None:
    """Problems on stderr, with -q too: it hides progress and summaries, never a problem."""
    for line in lines:
        _err_console().print(line, markup=False)


def _say_notes(notes: Iterable[str]) -> None:
    for note in notes:
        _err_console().print(f"[yellow]{_say('注意：', 'note: ')}[/]{escape(pick(note, default_lang()))}", markup=True)


def _say_written(console: Console, files: Iterable[Path]) -> None:
    shown = ", ".join(str(f) for f in files)
    console.print(_say(f"已写出：{shown}", f"written: {shown}"))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"greencomm {greencomm.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本 / show the version")
    ] = False,
    lang: LangOpt = None,
) -> None:
    """社区创建评选工具 greencomm."""
    _lang(lang)  # chosen before anything was shown (_OneLanguage); a wrong value is said here


# ---------------------------------------------------------------- template
@app.command()
def template(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 / output .xlsx")] = None,
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="自定义模板文件夹 / your own templates folder", file_okay=False),
    ] = None,
    recheck: Annotated[
        bool, typer.Option("--recheck", help="生成复查表（需 --register）/ the re-check workbook (needs --register)")
    ] = False,
    register: Annotated[
        Path | None, typer.Option("--register", help="历年命名名录（--recheck 时）/ the register", dir_okay=False)
    ] = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """生成空白的区级申报汇总表 / write the blank district workbook.

    下拉选项、百分比格式、填报说明、创建活动表 — drop-downs, percent cells, instructions, activities.

    加 --recheck --register 名录 则生成复查表：预填称号仍有效或整改中的社区 — with --recheck, the re-check
    workbook pre-filled from the register."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    if recheck != (register is not None):
        raise typer.BadParameter("--recheck 与 --register 须同时给出 / give --recheck and --register together",
                                 param_hint="--recheck / --register")  # fmt: skip
    with _handled():
        target = api.template(api.load_programme(config, year), output, templates, register, password)
    what = "复查表 / re-check workbook" if recheck else "模板 / template"
    _err_console(quiet).print(_say(f"已生成{what}：{target}", f"written: {target}"))


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
    received = run.intake.problems if run.intake is not None else []  # a district not heard from is never silent
    if run.intake is not None:
        console.print(terminal.intake_summary(run.intake, language))
    _say_problems([*terminal.problem_lines(run.problems, language), *terminal.problem_lines(received, language),
                   *terminal.too_large_lines(run.too_large)])  # fmt: skip
    if run.problem_list is not None:
        console.print(_say(f"输出文件夹：{output}（{len(run.written)} 个标注副本，问题清单.xlsx）",
                           f"output: {output} ({len(run.written)} annotated copies, 问题清单.xlsx)"))  # fmt: skip
    else:
        console.print(_say("没有可读取的工作簿，未写出文件", "no workbook could be read; nothing written"))
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
ObjectionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--objections", help="公示异议及核查结论（.xlsx）/ objections raised during the notice", dir_okay=False
    ),
]


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
    objections: Path | None = None,
) -> None:
    """score, rank and shortlist: the same evaluation, each writing its own workbook."""
    language, console = _lang(lang), _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在评分… / scoring…"):
            json_to = sys.stdout if as_json else None  # written as it is made, while the workbook is
            run: api.Written = getattr(api, kind)(inputs, programme, reviews, register, password, output, language,
                                                  json_to=json_to, objections=objections)  # fmt: skip
    console.print(terminal.results_summary(run.results, kind, language))
    _say_problems(terminal.problem_lines(run.results.problems, language, each_warning=False,
                                         carried=run.results.inputs.submissions.carried))  # fmt: skip
    _say_written(console, run.files[:1])
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

    写出评分结果.xlsx：评分汇总、得分明细（填报值→规则→得分）、评分依据（输入文件哈希、标准、设置、版本）
    — writes 评分结果.xlsx: the scores, every point explained (value → rule → points), the provenance."""
    if explain is not None:
        raise typer.Exit(_explain(explain, inputs, reviews, register, config, year, password))
    _results_command("score", inputs, reviews, register, output, config, year, lang, as_json, quiet, password)


def _plain_results_command(kind: str) -> Callable[..., None]:
    """rank and shortlist: the shared options, their own workbook."""

    def command(
        inputs: InputsArg,
        reviews: ReviewsOpt = None,
        register: RegisterOpt = None,
        objections: ObjectionsOpt = None,
        output: OutputOpt = None,
        config: ConfigOpt = None,
        year: YearOpt = None,
        lang: LangOpt = None,
        as_json: JsonOpt = False,
        quiet: QuietOpt = False,
        password: PasswordOpt = None,
    ) -> None:
        _results_command(kind, inputs, reviews, register, output, config, year, lang, as_json, quiet, password,
                         objections)  # fmt: skip

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
    lang: LangOpt = None,
    password: PasswordOpt = None,
) -> None:
    """显示一个社区的全部得分明细、否决、资格与结果 / one community's full breakdown."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    raise typer.Exit(_explain(community, inputs, reviews, register, config, year, password))


register_app = typer.Typer(help="历年命名名录 / the register of titles", no_args_is_help=True)
app.add_typer(register_app, name="register")


@register_app.command("add")
def register_add(
    inputs: InputsArg,
    register: Annotated[Path, typer.Option("--register", help="历年命名名录 / the register", dir_okay=False)],
    reviews: ReviewsOpt = None,
    objections: ObjectionsOpt = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """把本年度最终称号追加到历年命名名录（先备份原名录）/ add the year's final titles to the register."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    console = _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在评分… / scoring…"):
            run = api.register_add(inputs, register, programme, reviews, password, objections=objections)
    if run.backup is None:
        console.print(_say(f"已新建历年命名名录 {run.register}，写入 {run.added} 个称号",
                           f"created the register {run.register} with {run.added} titles"))  # fmt: skip
    else:
        console.print(_say(f"已追加 {run.added} 个称号到 {run.register}；原名录已备份为 {run.backup}",
                           f"added {run.added} titles to {run.register}; the register as it was is kept as"
                           f" {run.backup}"))  # fmt: skip


@register_app.command("update")
def register_update(
    register: Annotated[Path, typer.Option("--register", help="历年命名名录 / the register", dir_okay=False)],
    decisions: Annotated[
        Path,
        typer.Option(
            "--decisions", help="决定表或复查结果（状态变更记录）/ decisions or recheck workbook", dir_okay=False
        ),
    ],
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """登记称号的整改、撤销、恢复（追加到状态变更记录，先备份原名录）/ record 整改, 撤销, 恢复 of titles.

    名录原有各行不作任何改动，每次变更只追加带日期的记录 — the register's rows never change; each change is a
    dated entry appended to its 状态变更记录 sheet."""
    language = _lang(lang)
    console = _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        run = api.register_update(register, decisions, programme, password)
    _say_problems(terminal.problem_lines(run.problems, language))
    if as_json:
        _print_json(run.to_json(language))
    console.print(_say(f"已追加 {run.added} 条状态变更到 {run.register}；原名录已备份为 {run.backup}",
                       f"recorded {run.added} status changes in {run.register}; the register as it was:"
                       f" {run.backup}"))  # fmt: skip


# ---------------------------------------------------------------- documents
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", help="自定义模板文件夹 / your own templates folder", file_okay=False)
]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="覆盖写出后被修改过的文件 / replace documents changed since written")
]
SignedOpt = Annotated[str | None, typer.Option("--date", help="落款日期 YYYY-MM-DD（默认今天）/ date signed")]
FolderOpt = Annotated[Path | None, typer.Option("--output", "-o", help="输出文件夹 / output folder", file_okay=False)]


def _documents_written(run: api.Written, quiet: bool) -> None:
    _say_notes(run.warnings)
    _say_problems(terminal.problem_lines(run.results.problems, default_lang(), each_warning=False,
                                         carried=run.results.inputs.submissions.carried))  # fmt: skip
    _say_written(_err_console(quiet), run.files)


@app.command()
def publicize(
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    start: Annotated[
        str | None, typer.Option("--start", help="公示开始日期 YYYY-MM-DD（默认下一个工作日）/ first day")
    ] = None,
    objections: ObjectionsOpt = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: OverwriteOpt = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """公示（.docx 与 .md）：名单按区排列、公示期按工作日计算 / write the public notice.

    已被修改过的公示文件不会被覆盖，除非加 --overwrite — an edited notice is never replaced silently."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    first = _date_option(start, "--start")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console(quiet).status("正在评分… / scoring…"):
            run = api.publicize(inputs, programme, reviews, register, password, first, output, templates, overwrite,
                                objections)  # fmt: skip
    _documents_written(run, quiet)
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def report(
    inputs: InputsArg,
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    date: SignedOpt = None,
    narrative: Annotated[
        Path | None,
        typer.Option("--narrative", help="年度总结素材（Markdown，标题对应各节）/ the clerk's prose, by section"),
    ] = None,
    objections: ObjectionsOpt = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: OverwriteOpt = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """年度总结（.docx 与 .md，含图表）/ write the year's summary with figures and charts.

    各节文字来自 --narrative 素材文件（## 组织领导、## 宣传发动……），缺的节以【待填写：…】标出；已被修改过的
    总结文件不会被覆盖，除非加 --overwrite — the prose comes from the narrative file; an edited summary is never
    replaced silently."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    signed = _date_option(date, "--date")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console(quiet).status("正在评分… / scoring…"):
            run = api.report(
                inputs,
                programme,
                reviews,
                register,
                password,
                signed,
                output,
                templates,
                narrative,
                overwrite,
                objections,
            )
    _documents_written(run, quiet)
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def name(
    inputs: InputsArg,
    notice_start: Annotated[
        str, typer.Option("--notice-start", help="公示开始日期 YYYY-MM-DD（公示上写的）/ first day of the notice")
    ],
    reviews: ReviewsOpt = None,
    register: RegisterOpt = None,
    objections: ObjectionsOpt = None,
    date: SignedOpt = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: OverwriteOpt = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """命名决定（.docx 与 .md）：公示期满后，按称号、按区列出最终命名的社区 / write the naming decision.

    公示期未满、仍有待审定社区或输入仍有错误时不写出 — refused before the notice period ends, while a tie
    is undecided or while errors change the lists."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    first, signed = _date_option(notice_start, "--notice-start"), _date_option(date, "--date")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with _err_console(quiet).status("正在评分… / scoring…"):
            run = api.naming_decision(inputs, programme, first, reviews, register, password, signed, output, templates,
                                      overwrite, objections)  # fmt: skip
    _documents_written(run, quiet)
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def recheck(
    inputs: Annotated[list[Path], typer.Argument(help="复查表或文件夹 / re-check workbooks or folders")],
    register: Annotated[Path, typer.Option("--register", help="历年命名名录 / the register", dir_okay=False)],
    date: Annotated[str | None, typer.Option("--date", help="复查日期 YYYY-MM-DD（默认今天）/ re-check date")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="通报文号（默认空）/ the notice's reference number")] = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: OverwriteOpt = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """复查已命名社区：保留、限期整改、撤销、未复查 / re-check titled communities against the rubric.

    写出复查结果（.xlsx，含得分明细和可直接用于 register update 的状态变更记录）和复查结果通报（.docx 与 .md）
    — writes the re-check workbook (its 状态变更记录 ready for register update --decisions) and the notice."""
    language, console = _lang(lang), _err_console(quiet)
    day = _date_option(date, "--date")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在复查… / re-checking…"):
            run = api.recheck(inputs, register, programme, day, doc, output, templates, password, overwrite, language)
    if as_json:
        _print_json(run.to_json(language))
    _say_problems(terminal.problem_lines(run.problems, language, each_warning=False))
    counts = "，".join(f"{k} {v}" for k, v in run.counts.items())
    console.print(_say(f"复查结论：{counts}", f"outcomes: {counts}"))
    _say_written(console, run.files)
    raise typer.Exit(1 if run.has_errors else 0)


@app.command()
def sample(
    inputs: InputsArg,
    share: Annotated[
        str | None,
        typer.Option("--share", help="按申报社区数的比例抽取，如 0.2（向上取整）/ the share to draw, e.g. 0.2"),
    ] = None,
    count: Annotated[int | None, typer.Option("--count", help="抽取个数，如 12 / the number to draw")] = None,
    weight_demonstration: Annotated[
        str | None,
        typer.Option(
            "--weight-demonstration", help="申报示范称号的社区的抽取权重，如 2 / weight of demonstration applicants"
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="随机数种子（不给则随机生成并打印）/ the seed (drawn when not given)"),
    ] = None,
    date: SignedOpt = None,
    output: FolderOpt = None,
    templates: TemplatesOpt = None,
    overwrite: OverwriteOpt = False,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """摸底调查及抽查审核：按区分层随机抽取申报社区，可复现 / draw the spot-check sample, reproducibly.

    按比例（--share）或个数（--count）抽取，各区按申报数比例分配、有申报的区至少 1 个；同一种子（--seed）抽出同一名单。
    写出抽查名单（.xlsx，含抽签明细与抽样依据）和抽查通知（.docx 与 .md） — a stratified sample per district; the
    same seed draws the same list; writes the list with its provenance and the notice."""
    language, console = _lang(lang), _err_console(quiet)
    signed = _date_option(date, "--date")
    with _handled():
        programme = api.load_programme(config, year, reading=True)
        with console.status("正在读取… / reading…"):
            run = api.sample(inputs, programme, share, count, weight_demonstration, seed, password, signed, output,
                             templates, overwrite)  # fmt: skip
    if as_json:
        _print_json(run.to_json(language))
    console.print(terminal.sample_view(run.draw, language))
    _say_notes(run.draw.notes)
    _say_problems(terminal.problem_lines(run.problems, language, each_warning=False))
    seed = run.draw.design.seed  # said even with -q: the draw is nothing without it
    _err_console().print(_say(f"随机数种子：{seed}", f"seed: {seed}"))
    _say_written(console, run.files)
    raise typer.Exit(1 if run.has_errors else 0)


def _date_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    parsed = api.parse_day(value)
    if parsed is None:
        raise typer.BadParameter(
            f"应为日期，如 2026-12-01，不是 {value!r} / must be a date like 2026-12-01, not {value!r}", param_hint=name
        )
    return parsed


# ---------------------------------------------------------------- diff
@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="旧的评分结果（score 写出的 .xlsx）/ the earlier scored workbook")],
    new: Annotated[Path, typer.Argument(help="新的评分结果 / the later scored workbook")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="另存对比结果（.xlsx）/ also write the comparison as .xlsx")
    ] = None,
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    password: PasswordOpt = None,
) -> None:
    """对比两份评分结果：谁的总分、排名、结果变了，变了多少，因哪些项目 / what a change moves.

    如换新考评标准重算，或区里更正后重新报送；有差别不算错误 — e.g. a year re-scored under a new rubric, or a
    district's corrected resubmission; differences are not errors (exit 0)."""
    language, console = _lang(lang), _err_console(quiet)
    with _handled():
        programme = api.load_programme(config, year, reading=True)  # its [limits] bound the reading
        run = api.diff(old, new, programme, output, password)
    if as_json:
        _print_json(run.to_json())
        console.print(terminal.comparison_summary(run.comparison, language))
    else:  # the comparison is what was asked for: on stdout, as explain and rubric print theirs
        Console(highlight=False).print(terminal.comparison_view(run.comparison, run.old, run.new, language))
    if run.files:
        _say_written(console, run.files)


# ---------------------------------------------------------------- rubric
@app.command()
def rubric(
    config: ConfigOpt = None,
    year: YearOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示考评标准（评分细则、一票否决、资格、等级）/ show the scoring rubric as a table."""
    _lang(lang)  # the language was chosen before anything was shown; a wrong value is said here
    with _handled():
        programme = api.load_programme(config, year)
    if as_json:
        _print_json(api.rubric(programme))
        return
    Console(highlight=False).print(terminal.rubric_table(programme, default_lang()))


# numpy's OpenBLAS keeps a thread per core that spins while it waits for work; greencomm does no
# linear algebra, and on a machine of two cores those threads took about 4% of the CPU time of a
# 100,000-community run from the reading processes and the writer. Set before numpy loads (the
# reading processes inherit it); a value the user set stays.
SINGLE_THREADED_MATHS = {"OPENBLAS_NUM_THREADS": "1"}
# Arrow's allocator: jemalloc keeps the pages of the large buffers a run makes and frees over and
# over (the blocks of a result workbook's rows, the JSON's) for the next, where mimalloc, Arrow's
# default, gives them back and takes them again — at 100,000 communities 0.7 s of the kernel
# clearing pages, about a tenth of the run. The wheels for Linux carry jemalloc; a value the user
# set stays.
ARROW_ALLOCATOR = {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"} if sys.platform.startswith("linux") else {}
# How long a thread that wants Python's lock waits before the one running Python is asked to let
# go (5 ms by default). The threads that read (each answer of a reading process received), write
# (the workbook, its carried rows) and encode `--json` beside one another each let go of it at every
# Arrow call and wait up to this long to have it back: at 1 ms a folder of 200 small workbooks
# took about a tenth less time (in turns, in one process), 100,000 communities the same.
SWITCH_INTERVAL = 0.001


def main() -> None:
    """The console script. Once a command is done and its files are written, the process leaves
    without freeing its objects one by one, as mypy does: at 100,000 communities that took half a
    second after the last file was written. The exit handlers still run (the reading processes are
    stopped, temporary files removed) and the output is flushed first. A crash leaves the usual way,
    with its traceback."""
    for name, value in {**SINGLE_THREADED_MATHS, **ARROW_ALLOCATOR}.items():
        os.environ.setdefault(name, value)
    _collector_left_off(sys.argv[1:])
    sys.setswitchinterval(SWITCH_INTERVAL)
    _warm_readers(sys.argv[1:])
    try:
        app()
    except SystemExit as done:
        _leave(done.code)
    _leave(0)


FOLDER_COMMANDS = frozenset({"validate", "score", "rank", "shortlist"})  # they read folders of district workbooks
RESULTS_COMMANDS = frozenset({"score", "rank", "shortlist"})


def _collector_left_off(argv: list[str]) -> None:
    """score, rank and shortlist run with Python's cyclic collector off until the process leaves.
    The API pauses it while it reads, judges and writes (api._collector_paused) and starts it again
    after: its first pass then walks everything the command made and still holds — 0.05–0.1 s at
    100,000 communities, for nothing, as the process leaves without freeing its objects. Commands
    that open workbook after workbook (validate, publicize) keep it: openpyxl's books are cycles."""
    if _command(argv) in RESULTS_COMMANDS:
        gc.disable()


def _warm_readers(argv: list[str]) -> None:
    """Start the reading processes a command that reads district workbooks uses, before greencomm
    loads the rest: they import their reader (0.2 s each) on the core the loading leaves idle, and
    are ready when the first sheet is asked for. With the default limits: settings that set others
    have their own processes started when the sheets are asked for."""
    if _command(argv) in FOLDER_COMMANDS and not {"--help", "-h"} & set(argv):
        api.start_readers()  # Arrow with it: the command loads it anyway


def _command(argv: list[str]) -> str:
    """The command the arguments name, as main() sees them before Typer parses them: the first word
    that is no option ("" when none)."""
    return next((a for a in argv if not a.startswith("-")), "")


def _leave(code: object) -> None:
    """Exit with `code` as sys.exit would take it (None: 0; a number; anything else printed, 1)."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else 0 if code is None else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone (`| head`), a stream closed: nothing more to say
            status = status or 1
    os._exit(status)


if __name__ == "__main__":
    main()
