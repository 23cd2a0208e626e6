"""Data in the Markdown documents (docs/rules.md#documents): shown exactly as written when rendered
— at the start of a line, inside a paragraph, in a table cell — and escaped only where Markdown
would read it as markup, so the raw .md reads well in a plain editor too."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from greencomm.write.jinja import markdown_text

MD = MarkdownIt("commonmark", {"html": True}).enable("table")
SPECIALS = "\\`*_[]<>|~#+-=.!()&;:{}\"'0123456789 "
LINE = (
    st.text(alphabet=st.sampled_from([*SPECIALS, "社", "区", "a", "x", "#", "1"]), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
VALUE = st.lists(LINE, min_size=1, max_size=3).map("\n".join)


def _shown(rendered: str) -> str:
    """The text a reader sees: tags dropped, <br> as a line break, entities decoded."""
    text = re.sub(r"<br\s*/?>\n?", "\n", rendered)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_any_value_renders_as_written_on_a_line_of_its_own(value: str) -> None:
    assert _shown(MD.render(str(markdown_text(value)))) == value


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_any_value_renders_as_written_inside_a_paragraph(value: str) -> None:
    assert _shown(MD.render(f"名称：{markdown_text(value)}。")) == f"名称：{value}。"


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_any_value_renders_as_written_in_a_table_cell(value: str) -> None:
    table = f"| 序号 | 社区名称 |\n| ---: | --- |\n| 1 | {markdown_text(value)} |\n"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", MD.render(table), re.S)
    assert [_shown(c) for c in cells] == ["1", value]


def test_ordinary_figures_and_phones_are_not_escaped() -> None:
    for plain in ("通过率29.8%", "0731-84567890", "（一）组织领导", "A&B社区", "3.5分", "e-mail: cjb@example.gov.cn"):
        assert str(markdown_text(plain)) == plain
    assert str(markdown_text("1. 第一")) == "1\\. 第一"  # would start a numbered list
    assert str(markdown_text("- 一项")) == "\\- 一项"  # a bullet
    assert str(markdown_text("a|b")) == "a\\|b"  # a table cell's end
    assert str(markdown_text("&amp;")) == "\\&amp;"  # an entity
