"""The one Jinja environment: where templates are found, the filters every template may use, and
rendering to text (Markdown, the instructions sheet) and to Word (docxtpl).

Templates a clerk edits run in Jinja's sandbox, so a template cannot reach Python's internals;
data is escaped for the format it lands in, so `&`, `<`, `|` and line breaks in a community's name
come out exactly as written. One render is bounded (greencomm.write.bounded) and no template is
read through a link that leaves its folder; going past a limit is a ConfigError naming the
template and, where Jinja knows it, the line, and since both renders come before any file is
written, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import cn2an
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.environment import Environment
from jinja2.loaders import split_template_path
from markupsafe import Markup

from greencomm.errors import ConfigError, GreencommError
from greencomm.write.bounded import BoundedEnvironment, limit_of, render_bounds
from greencomm.write.watchdog import OutOfTime


# ---------------------------------------------------------------- where templates are found
def templates_path(templates_dir: Path | None = None) -> Path:
    """The clerk's folder (`--templates`) when given; else the one installed with the package (a
    wheel gets the repo's templates/ there through hatch force-include); else the repo's
    templates/ beside src/ (an editable install)."""
    if templates_dir is not None:
        return templates_dir
    installed = resources.files("greencomm") / "templates"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[3] / "templates"


def search_path(templates_dir: Path | None) -> list[Path]:
    """A clerk's folder may hold only some templates; the rest are ours."""
    return [templates_path(templates_dir)] + ([templates_path()] if templates_dir else [])


def _confined(name: str, path: Path, folder: Path) -> None:
    """A template is read only if its real path, links resolved, is inside its folder: a link in
    the clerk's folder must not pull /etc/passwd (or /dev/zero) into a document."""
    try:
        real = path.resolve()
        inside = real.is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a link that points at itself
        real, inside = path, False
    if not inside:
        raise ConfigError(
            f"{name}: 模板链接到模板文件夹之外（{real}），不予读取，请把文件复制到 {folder} 中"
            f" / the template links outside its folder; copy the file into the folder instead"
        )


def _locate(name: str, folders: Sequence[Path]) -> Path | None:
    """The first regular file `name` in the folders, every candidate found on the way confined."""
    pieces = split_template_path(name)
    for folder in folders:
        path = folder.joinpath(*pieces)
        if path.is_symlink() or path.exists():
            _confined(name, path, folder)
            if path.is_file():
                return path
    return None


class _ConfinedLoader(FileSystemLoader):
    """FileSystemLoader that refuses, before reading it, a template (or an include) reached
    through a link out of its folder."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        _locate(template, [Path(folder) for folder in self.searchpath])
        return super().get_source(environment, template)


def find_template(name: str, templates_dir: Path | None = None) -> Path:
    path = _locate(name, search_path(templates_dir))
    if path is None:
        raise ConfigError(f"{name}: 找不到模板 / template not found")
    return path


# ---------------------------------------------------------------- filters
def chinese_date(day: dt.date) -> str:
    """2026年12月1日: no leading zeros, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def capital_yuan(amount: int | Decimal) -> str:
    """贰万元 — amounts in capital numerals, as the scheme writes them (共计贰万元)."""
    whole = int(Decimal(amount).to_integral_value(ROUND_HALF_UP))
    return "零元" if whole == 0 else f"{cn2an.an2cn(whole, 'up')}元"


def score(value: Any) -> str:
    """A score to exactly 2 decimals (half-up): 91.5 → 91.50."""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def thousands(value: int | Decimal) -> str:
    return f"{int(value):,}"


# What Markdown (CommonMark with tables) could read as markup, escaped only where it could (docs/rules.md#documents):
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<|~])")  # code, emphasis, links, HTML, table cells, strikethrough
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # & only where it would start an entity: &amp; &#169;
# at the start of a line: a heading's #, a quote's >, a bullet, a rule or underline, a numbered item's 1. or 1)
_MD_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|[-=]+\s*$|\d{1,9}[.)](?=\s|$))")


def _line_start(found: re.Match[str]) -> str:
    lead, mark = found[1], found[2]
    if mark[0].isdigit():  # a backslash before a digit would show: it goes before the . or )
        return f"{lead}{mark[:-1]}\\{mark[-1]}"
    return f"{lead}\\{mark}"


def markdown_text(value: Any) -> Markup:
    """Data in Markdown, shown exactly as written and readable in a plain editor: a backslash goes
    only before what Markdown would read as markup — code, emphasis, links, HTML, table pipes,
    an entity's &, and at the start of the value (which may start a line) a heading's #, a quote's
    >, a list's - + or 1. — so 29.8% and 0731-84567890 stay as they are. A line break stays one."""
    text = _MD_ENTITY.sub(r"\\&", _MD_ANYWHERE.sub(r"\\\1", str(value)))
    text = _MD_LINE_START.sub(_line_start, text, count=1)
    return Markup("<br>".join(text.splitlines()) if "\n" in text else text)


FILTERS: dict[str, Callable[..., Any]] = {
    "cn_date": chinese_date,
    "capital": capital_yuan,
    "score": score,
    "thousands": thousands,
}


def environment(templates_dir: Path | None = None, markdown: bool = False, word: bool = False) -> BoundedEnvironment:
    """The sandboxed, bounded environment. For Markdown every `{{ value }}` is escaped with
    markdown_text (autoescape through `finalize`), so templates need not remember to; for Word the
    `br` filter turns line breaks into Word's."""
    env = BoundedEnvironment(
        loader=_ConfinedLoader(search_path(templates_dir)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_markdown_finalize if markdown else None,
    )
    env.filters.update(FILTERS)
    env.filters["md"] = markdown_text
    if word:
        env.filters["br"] = _docx_breaks
    env.bound_filters()
    return env


def _markdown_finalize(value: Any) -> Any:
    if isinstance(value, Markup | int | float | Decimal):
        return value
    return markdown_text(value) if value is not None else ""


# ---------------------------------------------------------------- failures, named
def _where(exc: BaseException, name: str, folders: Sequence[Path]) -> tuple[str, int | None]:
    """The template and line a failure happened in: the innermost template frame of its traceback
    (Jinja's own frames, or the ones it rewrites to point at the template), else the template asked
    for. A MemoryError may be raised again while Jinja handles the first: its context is looked at."""
    for error in (exc, exc.__context__):
        found = _innermost_template(error.__traceback__, folders) if error is not None else None
        if found is not None:
            return (name if found[0] == "<template>" else found[0]), found[1]
    return name, None


def _innermost_template(tb: TracebackType | None, folders: Sequence[Path]) -> tuple[str, int] | None:
    found = None
    while tb is not None:
        frame_globals = tb.tb_frame.f_globals
        template = frame_globals.get("__jinja_template__")
        if template is not None:
            found = (
                template.name or template.filename or "<template>",
                template.get_corresponding_lineno(tb.tb_lineno),
            )
        elif "__jinja_exception__" in frame_globals:
            found = (_template_name(tb.tb_frame.f_code.co_filename, folders), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_name(filename: str, folders: Sequence[Path]) -> str:
    """`publicity.md.j2` for /…/mine/publicity.md.j2: the name as the templates folder has it."""
    for folder in folders:
        path = Path(filename)
        if path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
    return filename


def _template_error(name: str, exc: BaseException, folders: Sequence[Path] = ()) -> ConfigError:
    """A clerk's edited copy: name the file and line to fix, or the limit it went past."""
    if isinstance(exc, TemplateSyntaxError):
        return ConfigError(f"{exc.filename or name}: 第{exc.lineno}行: 模板语法错误（{exc.message}）/ template syntax")
    if isinstance(exc, TemplateNotFound):
        return ConfigError(f"{name}: 找不到模板 / template not found")
    where, line = _where(exc, name, folders)
    limit = limit_of(exc)
    if limit is not None:
        at = f"{where}: 第{line}行" if line else where
        return ConfigError(f"{at}: 模板运行超出限制（{limit[0]}）/ template exceeded a limit ({limit[1]})")
    detail = str(exc) if isinstance(exc, TemplateError) else f"{type(exc).__name__}: {exc}"
    return ConfigError(f"{where}: 模板出错（{f'第{line}行：' if line else ''}{detail}）/ template error")


def _in_template(exc: BaseException) -> bool:
    """Whether a failure came from running template code (else, for Word: the file is broken)."""
    return isinstance(exc, TemplateError) or limit_of(exc) is not None or _where(exc, "", ())[1] is not None


# ---------------------------------------------------------------- rendering
def render_text(name: str, context: dict[str, Any], templates_dir: Path | None = None, markdown: bool = False) -> str:
    env = environment(templates_dir, markdown)
    try:
        with render_bounds(env):
            return env.get_template(name).render(context)
    except GreencommError:
        raise
    except (Exception, OutOfTime) as exc:  # whatever a clerk's template does wrong is the template's
        raise _template_error(name, exc, search_path(templates_dir)) from exc


def render_docx(
    name: str,
    context: dict[str, Any],
    templates_dir: Path | None = None,
    images: dict[str, bytes] | None = None,
    image_width_mm: int = 150,
) -> bytes:
    """A Word template (Jinja inside .docx, docxtpl) rendered in the bounded sandbox; `&` and `<`
    in data are XML-escaped, line breaks become Word line breaks; `images` (name → PNG) reach the
    template as `charts.<name>`."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage  # imported here: only the documents need Word

    path = find_template(name, templates_dir)
    env = environment(templates_dir, word=True)
    try:
        with render_bounds(env):
            doc = DocxTemplate(str(path))
            pictures = {k: InlineImage(doc, io.BytesIO(v), width=Mm(image_width_mm)) for k, v in (images or {}).items()}
            doc.render({**context, "charts": {**context.get("charts", {}), **pictures}}, jinja_env=env, autoescape=True)
    except GreencommError:
        raise
    except (Exception, OutOfTime) as exc:
        if _in_template(exc):
            raise _template_error(name, exc, search_path(templates_dir)) from exc
        raise ConfigError(f"{path}: 不是可用的 Word 模板（{type(exc).__name__}: {exc}）/ not a usable .docx") from exc
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_breaks(value: Any) -> Markup:
    """For docxtpl with autoescape: escape the text, then turn line breaks into Word breaks."""
    from markupsafe import escape

    parts = [str(escape(line)) for line in str(value).splitlines()] or [""]
    return Markup('</w:t><w:br/><w:t xml:space="preserve">'.join(parts))
