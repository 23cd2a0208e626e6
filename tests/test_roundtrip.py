"""Whatever text a district writes comes back out exactly: through our xlsx writers (Rust and
openpyxl) and both readers, and through the Word and Markdown renderers — `&`, `<`, `|`, `=`,
`_x0041_`, line breaks and every script included."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from greencomm.read.workbook import read_workbook
from greencomm.write.jinja import render_docx, render_text
from greencomm.write.result_books import ResultSheet, write_book
from greencomm.write.xlsx import set_value
from test_documents import _docx_text, _md_text

# A line of text as a person types it in a cell: any letter, mark, digit, punctuation, symbol or
# space (the control characters are refused on input, so data never holds them); lines joined by
# Alt+Enter's line break; no white space at either end (names are trimmed when read).
LINE = st.text(st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")), min_size=1, max_size=12)
TEXT = st.lists(LINE, min_size=1, max_size=3).map("\n".join).map(str.strip).filter(bool)
TRICKY = ["=1+1", "+86", "-x", "@SUM(A1)", "_x0041_", "a_x000D_b", "R&D <新> a|b", "甲&乙\n丙", "#N/A", "*强调*", "1."]
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_back(path: Path, sheet: str) -> list[str | None]:
    books = [read_workbook(path, engine=engine).sheet(sheet) for engine in ("fastexcel", "openpyxl")]
    columns = [book.columns[0].to_pylist() for book in books]
    assert columns[0] == columns[1], "both readers read the same"
    return columns[0]


@SLOW
@given(texts=st.lists(TEXT, min_size=1, max_size=5))
@example(texts=TRICKY)
def test_text_round_trips_through_the_result_workbooks(texts: list[str], tmp_path: Path) -> None:
    path = tmp_path / "rust.xlsx"
    path.write_bytes(write_book([ResultSheet("名单", pd.DataFrame({"社区名称": texts}))]))
    assert _read_back(path, "名单") == ["社区名称", *texts]


@SLOW
@given(texts=st.lists(TEXT, min_size=1, max_size=5))
@example(texts=TRICKY)
def test_text_round_trips_through_openpyxl_writing(texts: list[str], tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "问题清单"
    for row, text in enumerate(texts, start=1):
        set_value(sheet.cell(row, 1), text)
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)
    assert _read_back(path, "问题清单") == texts


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Word and a Markdown template that show a name the way ours do (a table cell, a paragraph)."""
    folder = tmp_path_factory.mktemp("templates")
    doc = Document()
    doc.add_paragraph("{{ name|br }}")
    table = doc.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "{{ name|br }}"
    doc.save(str(folder / "t.docx"))
    (folder / "t.md.j2").write_text("| 社区 |\n| --- |\n| {{ name }} |\n\n{{ name }}\n", encoding="utf-8")
    return folder


@SLOW
@given(text=TEXT)
@example(text="R&D <新> a|b")
@example(text="甲&乙\n丙")
@example(text="*强调* _x_ `code` [链接](http://x) # 1. - + \\")
def test_text_round_trips_through_word_and_markdown(text: str, templates: Path, tmp_path: Path) -> None:
    docx = tmp_path / "t.docx"
    docx.write_bytes(render_docx("t.docx", {"name": text}, templates))
    assert _docx_text(docx) == [text, text]
    md = tmp_path / "t.md"
    md.write_text(render_text("t.md.j2", {"name": text}, templates, markdown=True), encoding="utf-8")
    shown = _md_text(md)
    assert shown[-2:] == [text, text], (text, shown)
