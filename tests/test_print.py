"""Pages that print (issue 15): every workbook and document greencomm writes, converted to PDF by
LibreOffice as the office prints them — no text cut at a page's edge or by the next column, the
填报说明 on at most two A4 pages, the names on every page of 评分汇总, the signature of the
documents after GB/T 9704 (four characters in from the right, the issuer centred over the date)."""

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.shared import Pt
from typer.testing import CliRunner

from conftest import convert
from greencomm.cli import app
from greencomm.write.xlsx import display_width

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
YEAR = ["--year", "2026"]
FINAL = [str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"), "--register",
         str(SAMPLE / "register.xlsx"), *YEAR]  # fmt: skip
ROWS_CHECKED = 150  # rows of each sheet whose every cell is looked for on the pages
FOOTER = re.compile(r"(\S+)\s+第\s*\d+\s*页，共\s*\d+\s*页")
runner = CliRunner()
pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="LibreOffice and poppler are installed by CI",
)


def _run(*args: str) -> None:
    result = runner.invoke(app, [*args, "-q"])
    assert result.exit_code in (0, 1), result.stderr  # 1: the sample data has problems, by design


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One of every kind of file greencomm writes, each beside its PDF."""
    out = tmp_path_factory.mktemp("print")
    _run("template", *YEAR, "-o", str(out / "模板.xlsx"))
    _run("validate", str(SAMPLE / "flawed"), *YEAR, "-o", str(out / "校验"))
    _run("score", *FINAL, "-o", str(out / "评分结果.xlsx"))
    _run("rank", *FINAL, "-o", str(out / "排名.xlsx"))
    _run("shortlist", *FINAL, "-o", str(out / "名单.xlsx"))
    _run("shortlist", str(SAMPLE / "submissions"), *YEAR, "-o", str(out / "评审前名单.xlsx"))
    names = out / "名单.xlsx"
    _run("publicize", str(names), *YEAR, "--start", "2026-12-01", "-o", str(out))
    _run("report", str(names), *YEAR, "--date", "2026-12-20", "--narrative", str(SAMPLE / "年度总结素材.md"),
         "-o", str(out))  # fmt: skip
    _run("report", str(names), *YEAR, "--date", "2026-12-20", "-o", str(out / "无素材"))
    annotated = sorted((out / "校验").glob("*_问题标注.xlsx"))[0]
    shutil.copy(annotated, out / "标注副本.xlsx")
    shutil.copy(out / "校验" / "问题清单.xlsx", out / "问题清单.xlsx")
    shutil.copy(next((out / "无素材").glob("*.docx")), out / "总结无素材.docx")
    files = sorted([*out.glob("*.xlsx"), *out.glob("*.docx")])
    convert(files, "pdf", out, timeout=600)
    return out


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:count]
    assert len(pages) == count
    return pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sheet_of(page: str) -> str:
    found = FOOTER.findall(page)
    return found[-1] if found else ""


def _workbooks(printed: Path) -> list[Path]:
    return sorted(printed.glob("*.xlsx"))


def _shown(value: object) -> str | None:
    """A cell's text as printed, for text cells (numbers print in their own formats)."""
    return value if isinstance(value, str) and value.strip() else None


def _in_order(text: str, page: str) -> bool:
    """The characters of a wrapped text on one page, in order and close together: its lines come
    out one at a time, between the lines of the cells beside it."""
    window = 2 * len(text) + 400
    start = page.find(text[0])
    while start != -1:
        at = start
        for ch in text[1:]:
            at = page.find(ch, at + 1, start + window)
            if at == -1:
                break
        else:
            return True
        start = page.find(text[0], start + 1)
    return False


def test_every_workbook_prints_every_cell_whole(printed: Path) -> None:
    """Each text cell of each sheet appears whole on one page: none is split across a page's edge
    (a cell on one line as it is; a wrapped one line by line)."""
    for book_path in _workbooks(printed):
        pages = [_flat(p) for p in _pages(book_path.with_suffix(".pdf"))]
        book = openpyxl.load_workbook(book_path)
        for sheet in book.worksheets:
            texts = {(_flat(t), bool(c.alignment.wrap_text)) for row in sheet.iter_rows(max_row=ROWS_CHECKED)
                     for c in row if (t := _shown(c.value))}  # fmt: skip
            missing = sorted(
                t for t, wrapped in texts
                if not any(_in_order(t, page) if wrapped else t in page for page in pages)
            )  # fmt: skip
            assert not missing, f"{book_path.name} {sheet.title}: cut or missing on paper: {missing[:5]}"


def test_no_text_is_cut_off_by_the_next_column(printed: Path) -> None:
    """A text wider than its column wraps, or has an empty cell to run into: PDF text keeps what a
    neighbour hides, so this is checked on the workbook (a wide character counts two units)."""
    for book_path in _workbooks(printed):
        book = openpyxl.load_workbook(book_path)
        for sheet in book.worksheets:
            if book_path.name == "标注副本.xlsx" and sheet.title != "问题清单":
                continue  # the district's own sheets keep the district's widths
            merged = {c for r in sheet.merged_cells.ranges for row in sheet[r.coord] for c in row}
            widths = {n: d.width for d in sheet.column_dimensions.values() if d.min for n in range(d.min, d.max + 1)}
            for row in sheet.iter_rows(max_row=ROWS_CHECKED):
                for cell in row:
                    text = _shown(cell.value)
                    if text is None or cell in merged or cell.alignment.wrap_text:
                        continue
                    width = widths.get(cell.column) or 8.43  # a <col> may cover several columns
                    beside = sheet.cell(cell.row, cell.column + 1).value
                    assert display_width(text) < width or beside in (None, ""), (
                        f"{book_path.name} {sheet.title}!{cell.coordinate}: {text!r} is cut by {beside!r}"
                    )


def test_instructions_on_at_most_two_a4_pages(printed: Path) -> None:
    pdf = printed / "模板.pdf"
    pages = _pages(pdf)
    mine = [n for n, page in enumerate(pages, start=1) if _sheet_of(page) == "填报说明"]
    assert 1 <= len(mine) <= 2, mine
    for n in mine:
        info = subprocess.run(["pdfinfo", "-f", str(n), "-l", str(n), str(pdf)], capture_output=True, text=True)
        width, height = map(float, re.search(r"size:\s+([\d.]+) x ([\d.]+)", info.stdout).groups())  # type: ignore[union-attr]
        assert (round(width), round(height)) == (595, 842), "A4 portrait"


def test_names_on_every_page_of_the_summary(printed: Path) -> None:
    pages = _pages(printed / "评分结果.pdf")
    summary = [page for page in pages if _sheet_of(page) == "评分汇总"]
    assert len(summary) > 1
    book = openpyxl.load_workbook(printed / "评分结果.xlsx")["评分汇总"]
    headers = [c.value for c in book[1]]
    names = {r[headers.index("社区名称")] for r in book.iter_rows(min_row=2, values_only=True)}
    for page in summary:
        assert "社区名称" in page and sum(name in page for name in names) >= 5  # the header and rows of names


def test_lists_have_a_title_above_a_centred_header(printed: Path) -> None:
    book = openpyxl.load_workbook(printed / "名单.xlsx")
    for name in ("示范社区", "节能环保社区", "未通过"):
        sheet = book[name]
        assert re.fullmatch(rf"2026年xx市.*名单（{sheet.max_row - 2}个）", sheet["A1"].value), sheet["A1"].value
        assert sheet["A2"].value == "序号" and sheet["A2"].alignment.vertical == "center"
        assert sheet.print_title_rows == "$2:$2" and sheet.freeze_panes == "A3"
    before = openpyxl.load_workbook(printed / "评审前名单.xlsx")["推荐现场评审"]
    assert before["A1"].value.startswith("2026年xx市推荐现场评审社区名单（现场评审前）")


def test_failed_rows_coloured_in_every_column(printed: Path) -> None:
    """A failing row is red from its 序号 to its 原因, the score included; its scores keep 2 decimals."""
    text = "\n".join(_pages(printed / "名单.pdf"))
    sheet = openpyxl.load_workbook(printed / "名单.xlsx")["未通过"]
    for row in sheet.iter_rows(min_row=3):
        assert {c.fill.fgColor.rgb for c in row} == {"FFFFC7CE"}
    total = sheet.cell(3, [c.value for c in sheet[2]].index("总分") + 1).value
    assert f"{total:.2f}" in text


def test_detail_keeps_maximum_apart_from_the_value(printed: Path) -> None:
    sheet = openpyxl.load_workbook(printed / "评分结果.xlsx")["得分明细"]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(2, headers.index("满分") + 1).alignment.horizontal == "center"
    assert sheet.print_title_cols == "$A:$C"  # 所属区, 社区名称, 编号 on every page


def test_annotated_problem_list_names_the_community(printed: Path) -> None:
    sheet = openpyxl.load_workbook(printed / "标注副本.xlsx")["问题清单"]
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "社区名称"
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if str(r[2]).startswith("申报汇总表!")]
    assert rows and all(r[-1] for r in rows if r[3] != "社区名称")  # a row without a name has none to show


@pytest.mark.parametrize("stem", ["2026年节能环保社区拟命名名单公示", "2026年节能环保社区创建工作总结", "总结无素材"])
def test_signature_indented_and_centred(printed: Path, stem: str) -> None:
    """GB/T 9704 7.3.5: the longer of issuer and date ends four characters from the right margin,
    the other is centred over (or under) it; the last page carries text besides the signature."""
    doc = Document(str(printed / f"{stem}.docx"))
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    issuer, date = paragraphs[-2], paragraphs[-1]
    assert re.fullmatch(r"2026年\d+月\d+日", date.text)

    def width(text: str) -> float:
        return sum(0.5 if ch.isascii() else 1 for ch in text)

    indents = [p.paragraph_format.right_indent / Pt(16) for p in (issuer, date)]  # in characters
    assert min(indents) == pytest.approx(4)
    centres = [i + width(p.text) / 2 for i, p in zip(indents, (issuer, date), strict=True)]
    assert centres[0] == pytest.approx(centres[1], abs=0.5)
    last = _pages(printed / f"{stem}.pdf")[-1]
    rest = _flat(last).replace(_flat(issuer.text), "").replace(_flat(date.text), "")
    assert len(re.sub(r"[—\d]", "", rest)) > 10, "the last page holds more than the signature"


def test_report_tables_keep_their_widths_and_figures_their_captions(printed: Path) -> None:
    stem = "2026年节能环保社区创建工作总结"
    doc = Document(str(printed / f"{stem}.docx"))
    for table in doc.tables:
        grid = [c.w for c in table._tbl.tblGrid.gridCol_lst]
        assert len(set(grid)) > 1 or len(grid) == 1, "columns as designed, not equal"
    text = _flat("".join(_pages(printed / f"{stem}.pdf")))
    assert "老城区社区" in text  # not wrapped into 老城区社/区
    for n in range(1, 5):
        assert re.search(rf"图{n}[^\d]", text), f"图{n}"
