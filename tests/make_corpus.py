"""Builds the bad-input corpus: files that are not what they claim, broken, encrypted or hostile.
No binary blob is committed; this script makes each case from a valid workbook or from scratch.

    python tests/make_corpus.py OUT_DIR

Each case is (file name, expected words in the message). Used by tests/test_bad_inputs.py.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

BOMB_MB = 20
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>&lol9;</sheets></workbook>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>&xxe;</sheets></workbook>'
)


def valid_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报汇总表"
    sheet.append(["所属区", "社区名称", "户数"])
    sheet.append(["芙蓉区", "韭菜园社区", 3200])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_part(data: bytes, part: str, content: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == part else source.read(item.filename))
    return out.getvalue()


def rewrite_part(path: Path, part: str, change: Callable[[str], str]) -> Path:
    """The workbook at `path` with one XML part changed in place (the tests' way to plant a case)."""
    data = path.read_bytes()
    path.write_bytes(_replace_part(data, part, change(zipfile.ZipFile(io.BytesIO(data)).read(part).decode())))
    return path


def with_shared_strings(path: Path, sheet: str = "xl/worksheets/sheet1.xml") -> Path:
    """The workbook rewritten with its text in xl/sharedStrings.xml, as Excel and WPS write it
    (openpyxl writes text inline, in each cell)."""
    import re
    from html import unescape
    from xml.sax.saxutils import escape

    source = zipfile.ZipFile(path)
    parts = {i.filename: source.read(i.filename) for i in source.infolist()}
    source.close()
    strings: list[str] = []

    def shared(match: re.Match[str]) -> str:
        strings.append(unescape(match[3]))
        return f'<c {match[1]}t="s"{match[2]}><v>{len(strings) - 1}</v></c>'

    xml = re.sub(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>', shared, parts[sheet].decode())

    items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    parts[sheet] = xml.encode()
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    relation = f'<Relationship Id="rIdShared" Type="{kind}" Target="sharedStrings.xml"/></Relationships>'
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", relation.encode()
    )
    content = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content}"/></Types>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override.encode())
    path.write_bytes(zip_parts(parts))
    return path


def zip_parts(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _sheet_with(rows: str) -> bytes:
    """The valid workbook with rows of raw XML appended to its sheet data."""
    data = valid_workbook()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
    return _replace_part(data, SHEET, xml.replace("</sheetData>", rows + "</sheetData>"))


def _far_cell() -> bytes:
    return _sheet_with('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')


def _far_cell_single_quotes() -> bytes:
    """Legal XML in another spelling (single quotes, spaces around =, a namespace prefix): the extent
    scan reads it as it reads the usual one."""
    return _sheet_with(
        "<row r='1048576'><x:c xmlns:x='http://schemas.openxmlformats.org/spreadsheetml/2006/main'"
        " t=\"inlineStr\" r = 'XFD1048576'><x:is><x:t>x</x:t></x:is></x:c></row>"
    )


def _far_cell_character_reference() -> bytes:
    """Legal XML the extent scan does not decode (references written with character references,
    &#88; for X): the reader refuses it, and the batch goes on."""
    return _sheet_with('<row r="&#49;048576"><c t="inlineStr" r="&#88;FD1048576"><is><t>x</t></is></c></row>')


def huge_within_limits() -> bytes:
    """A sheet that stays within the limits the scan checks (200,100 rows, 200 columns) and still
    makes a dense grid of 40 million cells: about 1.5 GB for the reader. Only its memory cap stops it."""
    return _sheet_with('<row r="200090"><c r="GR200090" t="inlineStr"><is><t>x</t></is></c></row>')


def _too_many_rows() -> bytes:
    return _sheet_with("".join(f'<row r="{r}"><c r="C{r}"><v>{r}</v></c></row>' for r in range(3, 250_003)))


def _encrypted(password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid_workbook())).encrypt(password, out)
    return out.getvalue()


def _word() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("这是一份说明，不是申报表")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "csv-named.xlsx": (lambda: "所属区,社区名称,户数\n芙蓉区,韭菜园社区,3200\n".encode(), "文本/CSV"),
    "html-named.xlsx": (lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页（HTML）"),
    "word-named.xlsx": (_word, "Word 文档"),
    "empty.xlsx": (lambda: b"", "空文件"),
    "truncated.xlsx": (lambda: valid_workbook()[:1500], "不完整或已损坏"),
    # an OLE signature and nothing of an OLE file behind it: .xls files are read, this one is not one
    "legacy.xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048, "Office 97-2003 文件的容器无法打开"),
    "encrypted.xlsx": (lambda: _encrypted("secret"), "已加密"),
    "ods-named.xlsx": (
        lambda: zip_parts({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
        "不完整或已损坏",  # .ods files are read by content: this one has no sheet the reader can find
    ),
    "no-workbook.xlsx": (lambda: zip_parts({"readme.txt": "hello"}), "没有工作簿"),
    "bomb.xlsx": (
        lambda: zip_parts({"xl/workbook.xml": "<w/>", "xl/worksheets/sheet1.xml": "\0" * BOMB_MB * 2**20}),
        "压缩炸弹",
    ),
    "entity-expansion.xlsx": (lambda: _replace_part(valid_workbook(), "xl/workbook.xml", LAUGHS), "不安全的 XML"),
    "external-entity.xlsx": (lambda: _replace_part(valid_workbook(), "xl/workbook.xml", XXE), "不安全的 XML"),
    "binary-noise.xlsx": (lambda: bytes(range(256)) * 8, "无法识别"),
    "far-cell.xlsx": (_far_cell, "单元格 XFD1048576 超出上限"),
    "far-cell-single-quotes.xlsx": (_far_cell_single_quotes, "单元格 XFD1048576 超出上限"),
    "far-cell-character-reference.xlsx": (_far_cell_character_reference, "读取工作表出错"),
    "too-many-rows.xlsx": (_too_many_rows, "单元格 C200101 超出上限"),
}


# the problem code each case is refused with (a code per kind of refusal, so a script can tell them apart)
CODES = {
    "csv-named.xlsx": "not-a-workbook",
    "html-named.xlsx": "not-a-workbook",
    "word-named.xlsx": "not-a-workbook",
    "empty.xlsx": "empty-file",
    "truncated.xlsx": "damaged-file",
    "legacy.xls": "damaged-file",
    "encrypted.xlsx": "encrypted-workbook",
    "ods-named.xlsx": "damaged-file",
    "no-workbook.xlsx": "not-a-workbook",
    "bomb.xlsx": "zip-bomb",
    "entity-expansion.xlsx": "unsafe-xml",
    "external-entity.xlsx": "unsafe-xml",
    "binary-noise.xlsx": "not-a-workbook",
    "far-cell.xlsx": "sheet-too-large",
    "far-cell-single-quotes.xlsx": "sheet-too-large",
    "far-cell-character-reference.xlsx": "sheet-unreadable",
    "too-many-rows.xlsx": "sheet-too-large",
}


def build(out: Path) -> dict[str, str]:
    """Write every case into `out`; returns file name → words its message must contain."""
    out.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (make, words) in CASES.items():
        (out / name).write_bytes(make())
        expected[name] = words
    return expected


if __name__ == "__main__":
    for name, words in build(Path(sys.argv[1])).items():
        print(f"{name}: {words}")
