"""The one Jinja environment: where templates are found, the filters every template may use, and
rendering to text (Markdown, the instructions sheet) and to Word (docxtpl).

Templates a clerk edits run in Jinja's sandbox, so a template cannot reach Python's internals;
data is escaped for the format it lands in, so `&`, `<`, `|` and line breaks in a community's name
come out exactly as written.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import cn2an
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from greencomm.errors import ConfigError


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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~])")


def markdown_text(value: Any) -> Markup:
    """Data in Markdown, shown exactly as written: every punctuation character that Markdown could
    read as markup is backslash-escaped (CommonMark), and a line break stays a line break."""
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    return Markup("<br>".join(text.splitlines()) if "\n" in text else text)


FILTERS: dict[str, Callable[..., Any]] = {
    "cn_date": chinese_date,
    "capital": capital_yuan,
    "score": score,
    "thousands": thousands,
}


def environment(templates_dir: Path | None = None, markdown: bool = False) -> SandboxedEnvironment:
    """The sandboxed environment. For Markdown every `{{ value }}` is escaped with markdown_text
    (autoescape through `finalize`), so templates need not remember to."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(search_path(templates_dir)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_markdown_finalize if markdown else None,
    )
    env.filters.update(FILTERS)
    env.filters["md"] = markdown_text
    return env


def _markdown_finalize(value: Any) -> Any:
    if isinstance(value, Markup | int | float | Decimal):
        return value
    return markdown_text(value) if value is not None else ""


def _template_error(name: str, exc: Exception) -> ConfigError:
    """A clerk's edited copy: name the file and line to fix."""
    if isinstance(exc, TemplateSyntaxError):
        return ConfigError(f"{exc.filename or name}: 第{exc.lineno}行: 模板语法错误（{exc.message}）/ template syntax")
    if isinstance(exc, TemplateNotFound):
        return ConfigError(f"{name}: 找不到模板 / template not found")
    return ConfigError(f"{name}: 模板出错（{exc}）/ template error")


def render_text(name: str, context: dict[str, Any], templates_dir: Path | None = None, markdown: bool = False) -> str:
    try:
        return environment(templates_dir, markdown).get_template(name).render(context)
    except TemplateError as exc:
        raise _template_error(name, exc) from exc


def find_template(name: str, templates_dir: Path | None = None) -> Path:
    for folder in search_path(templates_dir):
        if (folder / name).is_file():
            return folder / name
    raise ConfigError(f"{name}: 找不到模板 / template not found")


def render_docx(
    name: str,
    context: dict[str, Any],
    templates_dir: Path | None = None,
    images: dict[str, bytes] | None = None,
    image_width_mm: int = 150,
) -> bytes:
    """A Word template (Jinja inside .docx, docxtpl) rendered in the sandbox; `&` and `<` in data
    are XML-escaped, line breaks become Word line breaks; `images` (name → PNG) reach the template
    as `charts.<name>`."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage  # imported here: only the documents need Word

    path = find_template(name, templates_dir)
    env = environment(templates_dir)
    env.filters["br"] = _docx_breaks
    try:
        doc = DocxTemplate(str(path))
        pictures = {k: InlineImage(doc, io.BytesIO(v), width=Mm(image_width_mm)) for k, v in (images or {}).items()}
        doc.render({**context, "charts": {**context.get("charts", {}), **pictures}}, jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise _template_error(name, exc) from exc
    except Exception as exc:  # a file that is not a Word document, or a broken one
        raise ConfigError(f"{path}: 不是可用的 Word 模板（{type(exc).__name__}: {exc}）/ not a usable .docx") from exc
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_breaks(value: Any) -> Markup:
    """For docxtpl with autoescape: escape the text, then turn line breaks into Word breaks."""
    from markupsafe import escape

    parts = [str(escape(line)) for line in str(value).splitlines()] or [""]
    return Markup('</w:t><w:br/><w:t xml:space="preserve">'.join(parts))
