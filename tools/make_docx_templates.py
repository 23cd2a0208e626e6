"""Builds templates/publicity.docx, templates/report.docx, templates/decision.docx, templates/sample.docx and
templates/recheck.docx: Word templates (Jinja inside .docx, rendered by docxtpl) laid out after GB/T 9704 — A4; margins
37/35/28/26 mm; body 仿宋 三号 (16 pt) with a fixed 28.95 pt line (22 lines a page); title 小标宋
二号 (22 pt); headings 黑体 / 楷体; page numbers 四号 "— 1 —", odd pages right, even pages left.

A clerk may restyle the generated files in Word or WPS and pass their folder with --templates.
Run: .venv/bin/python tools/make_docx_templates.py   (make templates)
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
BODY_FONT, TITLE_FONT, HEI, KAI, SONG = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
LATIN = "Times New Roman"
BODY_PT, TITLE_PT, TABLE_PT, PAGE_PT = 16, 22, 12, 14
LINE_PT = 28.95


def _fonts(element: object, east_asian: str, latin: str = LATIN) -> None:
    r_pr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian)):
        fonts.set(qn(attr), name)


def _styles(doc: DocumentObject) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(BODY_PT * 2)  # 首行缩进两字
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, font, size in (("Title", TITLE_FONT, TITLE_PT), ("Heading 1", HEI, BODY_PT), ("Heading 2", KAI, BODY_PT)):
        style = doc.styles[name]
        style.font.size, style.font.bold, style.font.italic = Pt(size), False, False
        style.font.color.rgb = None
        _fonts(style.element, font)
        f = style.paragraph_format
        f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT if size == BODY_PT else 36)
        f.space_before = f.space_after = Pt(0)
        f.first_line_indent = Pt(0 if name == "Title" else BODY_PT * 2)
        f.alignment = WD_ALIGN_PARAGRAPH.CENTER if name == "Title" else WD_ALIGN_PARAGRAPH.LEFT
        f.keep_with_next = True
        borders = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
        if borders is not None:  # Word's Title has a rule under it; an official title has none
            style.element.pPr.remove(borders)
    caption = doc.styles["Caption"]
    caption.font.size, caption.font.bold, caption.font.italic = Pt(TABLE_PT), False, False
    caption.font.color.rgb = None
    _fonts(caption.element, HEI)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)


def _page_number(paragraph: Paragraph) -> None:
    """— PAGE — in 宋体 四号 (GB/T 9704 7.5)."""

    def run(text: str | None = None, field: str | None = None) -> None:
        r = paragraph.add_run(text or "")
        r.font.size = Pt(PAGE_PT)
        _fonts(r._r, SONG)
        if field:
            for kind, instr in (("begin", None), (None, field), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = instr
                r._r.append(el)

    run("— ")
    run(field=" PAGE ")
    run(" —")


def _setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28 - 7)  # page number 7 mm below the text block
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, indent in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                  (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):  # fmt: skip
        p = footer.paragraphs[0]
        p.alignment = align
        p.paragraph_format.first_line_indent = Pt(0)
        setattr(p.paragraph_format, f"{indent}_indent", Pt(PAGE_PT))  # 一字距离
        _page_number(p)
    _styles(doc)


def _p(doc: DocumentObject, text: str, style: str | None = None, align: str | None = None, indent: bool = True
       ) -> Paragraph:  # fmt: skip
    p = doc.add_paragraph(text, style=style)
    if align:
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                       "left": WD_ALIGN_PARAGRAPH.LEFT}[align]  # fmt: skip
    if not indent or align in ("center", "right"):
        p.paragraph_format.first_line_indent = Pt(0)
    return p


def _chart(doc: DocumentObject, name: str) -> None:
    """A picture needs its own height: the body's exact line spacing would clip it to one line. Its
    caption (图1　…) goes below it, as a figure's does, kept on the same page."""
    p = _p(doc, f"{{{{ charts.{name} }}}}", align="center")
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.keep_with_next = True
    caption = _p(doc, f"{{{{ figures.{name} }}}}", "Caption")
    caption.paragraph_format.keep_with_next = False
    caption.paragraph_format.space_after = Pt(LINE_PT / 2)


def _table(doc: DocumentObject, headers: list[str], cells: list[str], loop: str, widths: list[float],
           whole_rows: bool = False) -> None:  # fmt: skip
    """A table with a header row and one templated row repeated by `{%tr for … %}`; with
    `whole_rows`, no row is cut across two pages."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # the widths below, not equal columns that wrap 老城区社/区
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Mm(width)  # LibreOffice lays a table out by its grid, Word by its cells: both set
    _borders(table._tbl.tblPr)
    rows = [headers, [f"{{%tr for {loop} %}}"] + [""] * (len(headers) - 1), cells,
            ["{%tr endfor %}"] + [""] * (len(headers) - 1)]  # fmt: skip
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Mm(widths[c])
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(value)
            run.font.size = Pt(TABLE_PT)
            if r == 0:
                _fonts(run._r, HEI)
    header = table.rows[0]._tr
    tr_pr = header.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on each page
    tr_pr.append(repeat)
    for row in (table.rows[0], table.rows[2]) if whole_rows else ():
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _borders(tbl_pr: object) -> None:
    """Every edge of the table drawn by the table itself, not its style: the last row of a table
    whose loop rows were removed kept no bottom line in LibreOffice."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for attr, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
            line.set(qn(attr), value)
        borders.append(line)
    tbl_pr.append(borders)  # type: ignore[attr-defined]


def publicity() -> DocumentObject:
    doc = Document()
    _setup(doc)
    _p(doc, "{{ title }}", "Title")
    _p(doc, "")
    _p(doc, "{{ basis }}")
    _p(doc, "{{ process }}")
    _p(doc, "{%p for part in lists %}", indent=False)
    _p(doc, "{{ part.heading }}（{{ part.count }}个）", "Heading 1")
    _table(doc, ["序号", "所属区", "所属街道", "社区名称"],
           ["{{ row.seq }}", "{{ row.district|br }}", "{{ row.street|br }}", "{{ row.community|br }}"],
           "row in part.rows", [18, 35, 50, 50])  # fmt: skip
    _p(doc, "{%p endfor %}", indent=False)
    _p(doc, "{{ period }}")
    _p(doc, "{{ objection }}")
    _p(doc, "联系地址：{{ contact.address }}", align="left")
    _p(doc, "联系电话：{{ contact.phone }}", align="left")
    _p(doc, "电子邮箱：{{ contact.email }}", align="left")
    _signature(doc)
    return doc


def _letter(doc: DocumentObject) -> None:
    """The head of a document addressed to the districts: title, addressee, the body's paragraphs."""
    _p(doc, "{{ title }}", "Title")
    _p(doc, "")
    _p(doc, "{{ addressee }}", indent=False)
    _p(doc, "{%p for paragraph in body %}", indent=False)
    _p(doc, "{{ paragraph }}")
    _p(doc, "{%p endfor %}", indent=False)


def decision() -> DocumentObject:
    """The naming decision: title, addressee, the body, the signature, then the lists by title and
    district (附件), each list starting on a page of its own as official annexes do."""
    doc = Document()
    _setup(doc)
    _letter(doc)
    _p(doc, "附件：{% for part in lists %}{{ part.heading }}{% if not loop.last %}；{% endif %}{% endfor %}")
    _signature(doc)
    _p(doc, "{%p for part in lists %}", indent=False)
    heading = _p(doc, "{{ part.heading }}", "Heading 1")
    heading.paragraph_format.page_break_before = True
    _p(doc, "{%p for district in part.districts %}", indent=False)
    _p(doc, "{{ district.heading }}", "Heading 2").paragraph_format.keep_with_next = True
    _p(doc, "{{ district.communities }}")
    _p(doc, "{%p endfor %}", indent=False)
    _p(doc, "{%p endfor %}", indent=False)
    return doc


def _prose(doc: DocumentObject, key: str, last: bool = False) -> None:
    """The clerk's paragraphs of a section: a placeholder (【待填写：…】) highlighted so it is seen
    and filled; with `last`, the final paragraph (placeholder or not) keeps with the signature
    after it, so the last page is never the signature alone."""
    _p(doc, f"{{%p for para in sections.{key}.narrative %}}", indent=False)
    branches = [("para.placeholder and loop.last", True, True), ("para.placeholder", True, False),
                ("loop.last", False, True)] if last else [("para.placeholder", True, False)]  # fmt: skip
    for n, (condition, marked, keep) in enumerate(branches):
        _p(doc, f"{{%p {'if' if n == 0 else 'elif'} {condition} %}}", indent=False)
        paragraph = _p(doc, "")
        run = paragraph.add_run("{{ para.text }}")
        if marked:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        paragraph.paragraph_format.keep_with_next = keep or None
    _p(doc, "{%p else %}", indent=False)
    _p(doc, "{{ para.text }}")
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{%p endfor %}", indent=False)


def _when(doc: DocumentObject, condition: str, *texts: str) -> None:
    """Paragraphs shown only when `condition` holds (a figure the data may not have)."""
    _p(doc, f"{{%p if {condition} %}}", indent=False)
    for text in texts:
        _p(doc, text)
    _p(doc, "{%p endif %}", indent=False)


def _chart_if(doc: DocumentObject, name: str) -> None:
    _p(doc, f"{{%p if charts.{name} %}}", indent=False)
    _chart(doc, name)
    _p(doc, "{%p endif %}", indent=False)


def _titles_table(doc: DocumentObject, first: str, rows: str) -> None:
    """Applications and titles per district or community type: a demonstration column only in a
    two-tier programme, the titles named as the programme names them."""
    _p(doc, "{%p if two_tier %}", indent=False)
    _table(doc, [first, "申报", "{{ demonstration_title }}", "{{ programme }}", "待审定", "未通过", "通过率"],
           ["{{ r.name|br }}", "{{ r.applied }}", "{{ r.demonstration }}", "{{ r.passed }}", "{{ r.pending }}",
            "{{ r.failed }}", "{{ r.rate }}"], f"r in {rows}", [35, 13, 26, 30, 17, 17, 18], True)  # fmt: skip
    _p(doc, "{%p else %}", indent=False)
    _table(doc, [first, "申报", "{{ programme }}", "未通过", "通过率"],
           ["{{ r.name|br }}", "{{ r.applied }}", "{{ r.passed }}", "{{ r.failed }}", "{{ r.rate }}"],
           f"r in {rows}", [44, 26, 34, 26, 26], True)  # fmt: skip
    _p(doc, "{%p endif %}", indent=False)


def report() -> DocumentObject:
    """一、创建工作开展情况 ((一) 组织领导 … 考评验收), 二、创建成效, 三、存在问题, 四、下一步工作: headings
    and numbering come from the data (a section may be absent), the prose from the narrative file."""
    doc = Document()
    _setup(doc)
    caption = doc.styles["Caption"].paragraph_format
    caption.keep_with_next = True  # a table's caption stays with its table
    caption.space_before = Pt(LINE_PT / 2)
    _p(doc, "{{ title }}", "Title")
    _p(doc, "")
    _p(doc, "{{ opening }}")
    _p(doc, "{{ sections.work.heading }}", "Heading 1")
    _prose(doc, "work")
    for key, figure in (("organisation", None), ("publicity", "publicity_text"), ("training", "training_text")):
        _p(doc, f"{{{{ sections.{key}.heading }}}}", "Heading 2")
        _prose(doc, key)
        if figure:
            _when(doc, figure, f"{{{{ {figure} }}}}")
    _p(doc, "{%p if sections.funding.present %}", indent=False)
    _p(doc, "{{ sections.funding.heading }}", "Heading 2")
    _prose(doc, "funding")
    _when(doc, "money_text", "{{ money_text }}")
    _p(doc, "{%p if money %}", indent=False)
    _p(doc, "表{{ table_no.money }}　奖励资金", "Caption")
    _table(doc, ["出资单位", "奖励社区（个）", "每个（元）", "合计（元）", "合计（大写）"],
           ["{{ m.payer|br }}", "{{ m.count }}", "{{ m.per|thousands }}", "{{ m.total|thousands }}", "{{ m.capital }}"],
           "m in money", [36, 28, 28, 30, 34], True)  # fmt: skip
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{{ sections.review.heading }}", "Heading 2")
    _prose(doc, "review")
    _p(doc, "{{ review_text }}")
    _p(doc, "{{ scores_text }}{{ categories_text }}")
    _chart_if(doc, "scores")
    _chart_if(doc, "categories")
    _p(doc, "{{ failures_text }}")
    _p(doc, "{{ sections.results.heading }}", "Heading 1")
    _p(doc, "{{ results_text }}")
    _p(doc, "表{{ table_no.districts }}　各区申报与命名情况", "Caption")
    _titles_table(doc, "区", "by_district")
    _chart_if(doc, "districts")
    _p(doc, "表{{ table_no.types }}　各类型社区申报与命名情况", "Caption")
    _titles_table(doc, "社区类型", "by_type")
    _p(doc, "{%p if demonstrations %}", indent=False)
    _p(doc, "表{{ table_no.demonstrations }}　{{ year }}年度{{ demonstration_title }}名单", "Caption")
    _table(doc, ["序号", "所属区", "所属街道", "社区名称", "总分"],
           ["{{ d.seq }}", "{{ d.district|br }}", "{{ d.street|br }}", "{{ d.community|br }}", "{{ d.total }}"],
           "d in demonstrations", [16, 30, 42, 46, 22], True)  # fmt: skip
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{{ trend_text }}")
    _chart_if(doc, "trend")
    _when(doc, "target_text", "{{ target_text }}")
    _prose(doc, "results")
    _p(doc, "{{ sections.problems.heading }}", "Heading 1")
    _prose(doc, "problems")
    _p(doc, "{{ sections.plans.heading }}", "Heading 1")
    _prose(doc, "plans", last=True)
    _signature(doc)
    return doc


# How wide the issuer and the date are, in characters of the body font (digits and Latin letters
# count half), measured when the document is rendered: the blank line before the signature sets them.
HALF_WIDTH = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .-()"
SIGNATURE_WIDTHS = (
    "{% set sig_issuer = issuer|string %}{% set sig_date = issued|cn_date %}"
    f'{{% set sig_half = "{HALF_WIDTH}" %}}'
    "{% set sig_wi = (sig_issuer|length) - (sig_issuer|select('in', sig_half)|list|length) / 2 %}"
    "{% set sig_wd = (sig_date|length) - (sig_date|select('in', sig_half)|list|length) / 2 %}"
    "{% set sig_wide = [sig_wi, sig_wd]|max %}"
)
SIGNATURE_INDENT = 4  # characters from the right margin (GB/T 9704 7.3.5: 成文日期右空四字)
TWIPS_PER_CHAR = BODY_PT * 20


def _signature(doc: DocumentObject) -> None:
    """The issuer over the date, GB/T 9704 7.3.5: the date four characters in from the right
    margin, the issuer centred over it (a longer issuer four characters in, the date centred under
    it); kept together, and with the text before them. Each line is right-aligned with its right
    indent worked out from the two widths when the document is rendered."""
    blank = _p(doc, SIGNATURE_WIDTHS)
    blank.paragraph_format.keep_with_next = True
    for text, width, keep in (("{{ issuer }}", "sig_wi", True), ("{{ issued|cn_date }}", "sig_wd", False)):
        line = _p(doc, text, align="right")
        line.paragraph_format.keep_with_next = keep
        line.paragraph_format.right_indent = Pt(0)  # the element the rendered indent is written into
        indent = line.paragraph_format.element.pPr.find(qn("w:ind"))
        chars = f"{SIGNATURE_INDENT} + (sig_wide - {width}) / 2"
        indent.set(qn("w:right"), f"{{{{ (({chars}) * {TWIPS_PER_CHAR})|round|int }}}}")


def sample() -> DocumentObject:
    """The notice of the spot-check sample (抽查审核): title, addressee, the body (how the sample was
    drawn, its seed), the signature, then the list under 附件 on a page of its own; 申报类别 only in a
    two-tier programme."""
    doc = Document()
    _setup(doc)
    _letter(doc)
    _p(doc, "附件：{{ heading }}")
    _signature(doc)
    _p(doc, "附件", "Heading 1", indent=False).paragraph_format.page_break_before = True
    _p(doc, "{{ heading }}", "Title")
    _p(doc, "{%p if two_tier %}", indent=False)
    _table(doc, ["序号", "所属区", "所属街道", "社区名称", "申报类别"],
           ["{{ r.seq }}", "{{ r.district|br }}", "{{ r.street|br }}", "{{ r.community|br }}", "{{ r.target|br }}"],
           "r in rows", [14, 26, 38, 40, 38], True)  # fmt: skip
    _p(doc, "{%p else %}", indent=False)
    _table(doc, ["序号", "所属区", "所属街道", "社区名称"],
           ["{{ r.seq }}", "{{ r.district|br }}", "{{ r.street|br }}", "{{ r.community|br }}"],
           "r in rows", [18, 35, 50, 50], True)  # fmt: skip
    _p(doc, "{%p endif %}", indent=False)
    return doc


def recheck() -> DocumentObject:
    """The notice of a re-check's outcomes (复查结果通报): 文号 when given, title, addressee, the body,
    the signature, then under 附件 on a page of its own one list per outcome, a 原因 column where a
    list has reasons; rows are never cut across pages."""
    doc = Document()
    _setup(doc)
    _p(doc, "{%p if doc %}", indent=False)
    _p(doc, "{{ doc }}", align="center")
    _p(doc, "{%p endif %}", indent=False)
    _letter(doc)
    _p(doc, "{%p if lists %}", indent=False)
    _p(doc, "附件：{{ annex }}")
    _p(doc, "{%p endif %}", indent=False)
    _signature(doc)
    _p(doc, "{%p if lists %}", indent=False)
    _p(doc, "附件", "Heading 1", indent=False).paragraph_format.page_break_before = True
    _p(doc, "{{ annex }}", "Title")
    _p(doc, "{%p for part in lists %}", indent=False)
    _p(doc, "{{ part.heading }}", "Heading 1")
    _p(doc, "{%p if part.note %}", indent=False)
    _p(doc, "{{ part.note }}").paragraph_format.keep_with_next = True
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{%p if part.reasons %}", indent=False)
    _table(doc, ["序号", "所属区", "社区名称", "称号", "总分", "原因"],
           ["{{ row.seq }}", "{{ row.district|br }}", "{{ row.community|br }}", "{{ row.title|br }}",
            "{{ row.total }}", "{{ row.reason|br }}"], "row in part.rows", [14, 22, 30, 32, 22, 36], True)  # fmt: skip
    _p(doc, "{%p else %}", indent=False)
    _table(doc, ["序号", "所属区", "社区名称", "称号", "总分"],
           ["{{ row.seq }}", "{{ row.district|br }}", "{{ row.community|br }}", "{{ row.title|br }}",
            "{{ row.total }}"], "row in part.rows", [14, 28, 44, 48, 22], True)  # fmt: skip
    _p(doc, "{%p endif %}", indent=False)
    _p(doc, "{%p endfor %}", indent=False)
    _p(doc, "{%p endif %}", indent=False)
    return doc


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def main(out: Path = TEMPLATES) -> int:
    """Builds the templates; a file whose parts would come out the same is left as it is (a zip
    differs by its timestamps alone, and an unchanged template should not show as changed)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, build in (("publicity.docx", publicity), ("report.docx", report), ("decision.docx", decision),
                        ("sample.docx", sample), ("recheck.docx", recheck)):  # fmt: skip
        doc = build()
        doc.core_properties.author = "greencomm"
        doc.core_properties.title = name
        buffer = io.BytesIO()
        doc.save(buffer)
        target = out / name
        if target.exists() and _parts(target.read_bytes()) == _parts(buffer.getvalue()):
            print(f"unchanged {target}")
            continue
        target.write_bytes(buffer.getvalue())
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES))
