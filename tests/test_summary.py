"""The year's summary as the office sends it (docs/rules.md#documents): sections with the clerk's prose
from the narrative file, figures in the summary's own phrasing, both programmes from settings alone,
and no document the clerk edited ever replaced without --overwrite. Documents are read back as a
person reads them: python-docx paragraphs and tables, the Markdown rendered (markdown-it)."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from markdown_it import MarkdownIt
from typer.testing import CliRunner, Result

from conftest import WriteBook, valid_row
from greencomm.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
FINAL = [
    str(SAMPLE / "submissions"),
    "--reviews",
    str(SAMPLE / "reviews"),
    "--register",
    str(SAMPLE / "register.xlsx"),
    "--year",
    "2026",
]
REP, PUB = "2026年节能环保社区创建工作总结", "2026年节能环保社区拟命名名单公示"
GREEN_REP = "2026年绿色社区创建工作总结"
runner = CliRunner()

NARRATIVE = """# 2026年度总结素材

<!-- 这一行是备注，不写入总结 -->

## 组织领导

市创建办牵头协调，各区成立了区级创建领导小组。

各街道相应成立了领导（协调）小组，**两级领导小组**分别从不同层面领导、协调。

## 一、（三）培训交流

全年对社区管理人员开展培训，面向居民开展知识讲解。

### 考评验收

评审组听取汇报、查阅资料、现场检查。

## 二、创建成效

- 一是社区环境面貌明显改善；
- 二是居民环境意识逐步提高。

## 下一步工作打算

加强督促指导，抓好示范带动。

## 附记：来年再议

这一段不属于总结的任何一节。
"""
OWN_WORDS = {
    "（一）组织领导": [
        "市创建办牵头协调，各区成立了区级创建领导小组。",
        "各街道相应成立了领导（协调）小组，两级领导小组分别从不同层面领导、协调。",
    ],
    "（三）培训交流": ["全年对社区管理人员开展培训，面向居民开展知识讲解。"],
    "（五）考评验收": ["评审组听取汇报、查阅资料、现场检查。"],
    "二、创建成效": ["一是社区环境面貌明显改善；", "二是居民环境意识逐步提高。"],
    "四、下一步工作": ["加强督促指导，抓好示范带动。"],
}


# ---------------------------------------------------------------- reading the documents back
def docx_sections(path: Path) -> dict[str, list[str]]:
    """Paragraph texts under each heading (Heading 1 and 2), in order; "" holds those before the first."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for p in Document(str(path)).paragraphs:
        if p.style is not None and p.style.name in ("Heading 1", "Heading 2"):
            current = p.text
            out[current] = []
        elif p.text.strip():
            out[current].append(p.text)
    return out


def docx_all(path: Path) -> str:
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(texts)


class _Blocks(HTMLParser):
    """(tag, text) of every heading, paragraph, list item and table cell of rendered Markdown."""

    TAGS = ("h1", "h2", "h3", "p", "li", "td", "th")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.TAGS:
            if tag == "p" and self.blocks and self.blocks[-1][0] == "li" and self._depth:
                return  # a paragraph inside a (loose) list item is that item's text
            self.blocks.append([tag, ""])
            self._depth += tag == "li"
        elif tag == "br" and self.blocks:
            self.blocks[-1][1] += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self.blocks:
            self.blocks[-1][1] += data


def md_blocks(path: Path) -> list[tuple[str, str]]:
    text = path.read_text("utf-8")
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    parser = _Blocks()
    parser.feed(rendered)
    return [(tag, html.unescape(body).strip()) for tag, body in parser.blocks]


def md_sections(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"": []}
    current = ""
    for tag, body in md_blocks(path):
        if tag in ("h2", "h3"):
            current = body
            out[current] = []
        elif tag in ("p", "li") and body:
            out[current].append(body)
    return out


def md_all(path: Path) -> str:
    return "\n".join(body for _, body in md_blocks(path))


# ---------------------------------------------------------------- the sample year
@pytest.fixture(scope="module")
def shortlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    result = runner.invoke(app, ["shortlist", *FINAL, "-q", "-o", str(out / "名单.xlsx")])
    assert result.exit_code == 0, result.stderr
    return out / "名单.xlsx"


def report(names: Path, out: Path, *extra: str) -> Result:
    args = ["report", str(names), "--year", "2026", "--date", "2026-12-20", "-o", str(out), "-q", *extra]
    return runner.invoke(app, args)


def test_narrative_headings_are_matched_by_their_words() -> None:
    from greencomm.write.narrative import SectionWords, heading_words, match_section, parse
    from greencomm.write.summary_figures import amount

    sections = [
        SectionWords("organisation", "组织领导", ("领导小组",)),
        SectionWords("training", "培训交流", ("培训",)),
        SectionWords("plans", "下一步工作", ("下一步",)),
    ]
    for heading in ("组织领导", "一、（一）组织领导", "（一） 组织领导", "1. 加强组织领导", "第一部分：组织领导"):
        assert match_section(heading, sections) == "organisation", heading
    assert heading_words("一、（三）培训交流") == "培训交流"
    assert match_section("下一步工作打算", sections) == "plans"
    assert match_section("附记", sections) is None
    blocks = parse("## 组织领导\n\n第一行\n接着写。\n\n- 一是；\n- 二是。\n\n1. 甲\n2. 乙\n")
    assert [(p.text, p.bullet) for p in blocks[0].paragraphs] == [
        ("第一行接着写。", False),
        ("一是；", True),
        ("二是。", True),
        ("1. 甲", False),
        ("2. 乙", False),
    ]
    quoted = parse("##组织领导\n\n> 引用的一段\n\n---\n\n见[通知](http://example.org)。\n")
    assert [(b.heading, [p.text for p in b.paragraphs]) for b in quoted] == [("组织领导", ["引用的一段", "见通知。"])]
    assert (amount(40000), amount(15000), amount(536), amount(12345)) == ("4万", "1.5万", "536", "12345")


def test_the_narrative_goes_into_its_sections_of_both_documents(shortlist: Path, tmp_path: Path) -> None:
    narrative = tmp_path / "年度总结素材.md"
    narrative.write_text(NARRATIVE, encoding="utf-8")
    out = tmp_path / "年度总结"
    for _ in range(2):  # a second run replaces the documents it wrote and keeps the clerk's words
        result = report(shortlist, out, "--narrative", str(narrative))
        assert result.exit_code == 0, result.stderr
        assert "附记：来年再议" in result.stderr and "第28行" in result.stderr  # the unmatched heading, warned about
        for sections in (docx_sections(out / f"{REP}.docx"), md_sections(out / f"{REP}.md")):
            for heading, paragraphs in OWN_WORDS.items():
                assert all(p in sections[heading] for p in paragraphs), (heading, sections[heading])
            assert sections["（二）宣传发动"][0].startswith("【待填写：本年度宣传发动情况")  # a section it lacks
            assert sections["三、存在问题"] == ["【待填写：创建工作中存在的问题与不足……】"]
            everything = "\n".join(p for ps in sections.values() for p in ps)
            assert "这一段不属于总结的任何一节" not in everything and "备注" not in everything
            assert "社区环境面貌" not in sections["（一）组织领导"]
    md = (out / f"{REP}.md").read_text("utf-8")
    assert "- 一是社区环境面貌明显改善；" in md  # a list item stays a list item in Markdown


def test_without_a_narrative_every_section_says_what_to_write(shortlist: Path, tmp_path: Path) -> None:
    result = report(shortlist, tmp_path / "d")
    assert result.exit_code == 0, result.stderr
    assert "8 节待填写" in result.stderr
    sections = docx_sections(tmp_path / "d" / f"{REP}.docx")
    for heading in ("（一）组织领导", "（四）经费投入", "二、创建成效", "四、下一步工作"):
        assert any(p.startswith("【待填写：") for p in sections[heading]), heading
    assert list(sections)[1:] == [
        "一、创建工作开展情况",
        "（一）组织领导",
        "（二）宣传发动",
        "（三）培训交流",
        "（四）经费投入",
        "（五）考评验收",
        "二、创建成效",
        "三、存在问题",
        "四、下一步工作",
    ]


@pytest.mark.parametrize(
    "content", [None, b"PK\x03\x04\x00\x00binary", b"\xff\xfe\x00\xd8\x00"], ids=["missing", "a Word file", "not text"]
)
def test_a_narrative_that_cannot_be_read_stops_the_run(shortlist: Path, tmp_path: Path, content: bytes | None) -> None:
    narrative = tmp_path / "素材.md"
    if content is not None:
        narrative.write_bytes(content)
    result = report(shortlist, tmp_path / "d", "--narrative", str(narrative))
    assert result.exit_code == 1, result.output
    assert str(narrative) in result.stderr and "年度总结素材文件" in result.stderr
    assert not (tmp_path / "d").exists(), "nothing is written"


def test_a_narrative_saved_by_old_notepad_in_gbk_is_read(shortlist: Path, tmp_path: Path) -> None:
    narrative = tmp_path / "素材.md"
    narrative.write_bytes("## 存在问题\n\n部分社区居民参与不够。\n".encode("gb18030"))
    result = report(shortlist, tmp_path / "d", "--narrative", str(narrative))
    assert result.exit_code == 0, result.stderr
    assert docx_sections(tmp_path / "d" / f"{REP}.docx")["三、存在问题"] == ["部分社区居民参与不够。"]


# ---------------------------------------------------------------- a document the clerk edited
def _edit_docx(path: Path) -> None:
    doc = Document(str(path))
    doc.add_paragraph("科长修改意见：此段请补充。")
    doc.save(str(path))


def _edit_md(path: Path) -> None:
    path.write_text(path.read_text("utf-8").replace("【待填写", "【科长已改", 1), encoding="utf-8")


@pytest.mark.parametrize("edit", [_edit_docx, _edit_md], ids=["docx", "md"])
def test_an_edited_summary_is_never_replaced_silently(
    shortlist: Path, tmp_path: Path, edit: Callable[[Path], None]
) -> None:
    out = tmp_path / "年度总结"
    assert report(shortlist, out).exit_code == 0
    suffix = ".docx" if edit is _edit_docx else ".md"
    edited, other = out / f"{REP}{suffix}", out / f"{REP}{'.md' if suffix == '.docx' else '.docx'}"
    edit(edited)
    before, other_before = edited.read_bytes(), other.read_bytes()
    result = report(shortlist, out, "--date", "2026-12-21")
    assert result.exit_code == 1, result.output
    said = re.sub(r"\s+", "", result.stderr)
    assert re.sub(r"\s+", "", str(edited)) in said and "--narrative" in said and "--overwrite" in said
    assert edited.read_bytes() == before and other.read_bytes() == other_before, "nothing is written"
    result = report(shortlist, out, "--date", "2026-12-21", "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert edited.read_bytes() != before
    text = docx_all(edited) if suffix == ".docx" else md_all(edited)
    assert "科长" not in text and "2026年12月21日" in text
    assert report(shortlist, out, "--date", "2026-12-22").exit_code == 0


def test_a_file_greencomm_did_not_write_is_not_replaced(shortlist: Path, tmp_path: Path) -> None:
    out = tmp_path / "年度总结"
    out.mkdir()
    (out / f"{REP}.md").write_text("# 科室自己写的总结\n", encoding="utf-8")
    result = report(shortlist, out)
    assert result.exit_code == 1
    assert (out / f"{REP}.md").read_text("utf-8") == "# 科室自己写的总结\n"
    assert not (out / f"{REP}.docx").exists()


@pytest.mark.parametrize("suffix", [".docx", ".md"])
def test_an_edited_notice_is_never_replaced_silently(shortlist: Path, tmp_path: Path, suffix: str) -> None:
    args = ["publicize", str(shortlist), "--year", "2026", "--start", "2026-12-01", "-o", str(tmp_path), "-q"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0  # as written: replaced freely
    path = tmp_path / f"{PUB}{suffix}"
    _edit_docx(path) if suffix == ".docx" else path.write_text(path.read_text("utf-8") + "\n补充说明。\n", "utf-8")
    before = path.read_bytes()
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert re.sub(r"\s+", "", str(path)) in re.sub(r"\s+", "", result.stderr) and "--overwrite" in result.stderr
    assert path.read_bytes() == before
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.stderr
    assert "补充说明" not in md_all(tmp_path / f"{PUB}.md") and "科长" not in docx_all(tmp_path / f"{PUB}.docx")


# ---------------------------------------------------------------- the default programme's figures
def test_the_sample_year_says_proposed_until_the_register_holds_the_titles(shortlist: Path, tmp_path: Path) -> None:
    result = report(shortlist, tmp_path / "before")
    assert result.exit_code == 0, result.stderr
    for text in (docx_all(tmp_path / "before" / f"{REP}.docx"), md_all(tmp_path / "before" / f"{REP}.md")):
        assert "全年共拟命名市级“节能环保示范社区”20个、“节能环保社区”46个" in text
        assert "奖励资金合计400,000元（肆拾万元）" in text and "每个共计贰万元（20,000元）" in text
        assert "组织培训8批1189人次" in text and "5位专家（其中市直专家1位）组成评审组对33个社区进行现场评审" in text
        assert "专家对本区社区回避评分23人次" in text
        assert "未通过的55个社区中，一票否决的7个（V1“入住率低于60%”2个" in text
        assert "总分低于80分的40个" in text
        assert "2026年为拟命名" in text and "全年共命名" not in text
    register = tmp_path / "历年命名名录.xlsx"
    shutil.copy(SAMPLE / "register.xlsx", register)
    added = runner.invoke(app, ["register", "add", str(shortlist), "--register", str(register), "--year", "2026"])
    assert added.exit_code == 0, added.stderr
    result = report(shortlist, tmp_path / "after", "--register", str(register))
    assert result.exit_code == 0, result.stderr
    for text in (docx_all(tmp_path / "after" / f"{REP}.docx"), md_all(tmp_path / "after" / f"{REP}.md")):
        assert "全年共命名市级“节能环保示范社区”20个、“节能环保社区”46个" in text
        assert "拟命名" not in text
        assert "2020年至2026年分别命名12个、15个、19个、21个、23个、25个和66个，2020年以来累计181个" in text


# ---------------------------------------------------------------- a one-tier year, from settings alone
GREEN_TOML = """
programme = "绿色社区"
city = "广州市"
year = 2026
districts = ["越秀区", "海珠区", "荔湾区"]
payers = []

[quotas]
demonstration = 0

[[activity_types]]
name = "培训"
[[activity_types]]
name = "讲座"
[[activity_types]]
name = "交流"
[[activity_types]]
name = "宣传海报"
unit = "张"
"""
LOW = {"C1": "50%", "C3": "50%", "B1": "50%", "D1": "25%", "E2": 2, "B2": "无", "B4": "无"}  # a total below 80


def _reviews(path: Path, rows: list[dict[str, object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "现场评审评分表"
    sheet.append(["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"])
    for who, where in (("王", "市直"), ("李", "市直"), ("张", "市直"), ("赵", "越秀区")):
        for row in rows:
            sheet.append([who, where, row["district"], row["community"], 3, 3, 3, 6])
    book.save(path)
    return path


def _city_activities(path: Path) -> Path:
    """The city office's own workbook: only a 创建活动 sheet (credited to the city level)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "创建活动"
    sheet.append(["日期", "类型", "名称", "参加人次", "数量"])
    sheet.append([dt.date(2026, 3, 1), "宣传海报", "第一批社区环保宣传海报", None, 20000])
    sheet.append([dt.date(2026, 6, 5), "宣传海报", "第二批社区环保宣传海报", None, 20000])
    sheet.append([dt.date(2026, 4, 23), "交流", "第一次情况交流会", None, None])  # the count nobody kept
    sheet.append([dt.date(2026, 9, 24), "交流", "第二次工作交流会", 96, None])
    sheet.append([dt.date(2026, 5, 10), "培训", "全市创建骨干培训", 300, None])
    book.save(path)
    return path


@pytest.fixture
def green_year(write_submission: WriteBook, tmp_path: Path) -> Path:
    """A 绿色社区 year through `shortlist --reviews`: 5 titled, 4 not (V1, Q4, below 80, not reviewed)."""
    (tmp_path / "greencomm.toml").write_text(GREEN_TOML, encoding="utf-8")
    inbox = tmp_path / "收件箱"
    good = [
        valid_row(district=d, community=f"{d[:2]}{n}号社区", target=t, A2=3, A3=3, B3=3, F1=6)
        for d, n, t in (
            ("越秀区", 1, None),
            ("越秀区", 2, "绿色社区"),
            ("海珠区", 1, None),
            ("海珠区", 2, None),
            ("荔湾区", 1, "绿色社区"),
        )
    ]
    failing = [
        valid_row(district="越秀区", community="越秀9号社区", occupancy="55%"),  # V1
        valid_row(district="海珠区", community="海珠9号社区", recommendation="不同意推荐"),  # Q4
        valid_row(district="荔湾区", community="荔湾8号社区", **LOW),  # below the level
        valid_row(district="荔湾区", community="荔湾9号社区"),  # not reviewed
    ]
    rows = good + failing
    for district in ("越秀区", "海珠区", "荔湾区"):
        mine = [
            {**r, "target": r["target"] if r["target"] != "节能环保社区" else None}
            for r in rows
            if r["district"] == district
        ]
        acts = {
            "越秀区": [
                (dt.date(2026, 5, 19), "培训", "楼栋长培训", 120),
                (dt.date(2026, 6, 2), "讲座", "垃圾分类讲座", 60),
            ],
            "海珠区": [
                (dt.date(2026, 7, 1), "培训", "物业节能培训", 80),
                (dt.date(2026, 8, 3), "交流", "观摩交流", 45),
            ],
            "荔湾区": None,
        }[district]
        write_submission(mine, name=f"{district}.xlsx", folder=inbox, activities=acts)
    _city_activities(inbox / "市创建办创建活动.xlsx")
    reviews = _reviews(tmp_path / "评审.xlsx", [r for r in rows if r["community"] != "荔湾9号社区"])
    config = ["--config", str(tmp_path / "greencomm.toml"), "--year", "2026"]
    result = runner.invoke(
        app, ["shortlist", str(inbox), "--reviews", str(reviews), *config, "-q", "-o", str(tmp_path / "名单.xlsx")]
    )
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(
        app, ["report", str(tmp_path / "名单.xlsx"), *config, "--date", "2026-12-20", "-o", str(tmp_path / "年度总结")]
    )
    assert result.exit_code == 0, result.stderr
    return tmp_path / "年度总结"


def test_a_one_tier_year_is_told_in_its_own_words(green_year: Path) -> None:
    word, md = green_year / f"{GREEN_REP}.docx", green_year / f"{GREEN_REP}.md"
    for text in (docx_all(word), md_all(md)):
        assert "广州市2026年度绿色社区创建工作总结" in text
        assert "全年共拟命名市级“绿色社区”5个" in text
        assert (
            "未通过的4个社区中，一票否决的1个（V1“入住率低于60%”1个）；不符合申报资格的1个（Q4“区级未同意推荐”1个）；"
            "总分低于80分的1个；符合条件但未参加现场评审的1个。"
        ) in text
        assert "4位专家（其中市直专家3位）组成评审组对8个社区进行现场评审" in text
        assert "专家对本区社区回避评分3人次" in text
        assert "全年市创建办共发放宣传海报2批4万张。" in text
        assert (
            "据市创建办和2个区报送的创建活动统计，全年共组织培训3批500人次；讲座1批60人次；"
            "交流3批，其中1批人次不详，其余2批141人次。"
        ) in text
        assert (
            "市创建办组织培训1批300人次；交流2批，其中1批人次不详，其余1批96人次；"
            "各区组织培训2批200人次、讲座1批60人次、交流1批45人次。"
        ) in text
        assert "未提供历年命名名录，暂无历年对比。" in text
        for foreign in ("节能环保", "示范", "xx市", "零元", "经费投入", "奖励资金"):
            assert foreign not in text, foreign
    assert [[c.text for c in t.rows[0].cells] for t in Document(str(word)).tables] == [
        ["区", "申报", "绿色社区", "未通过", "通过率"],
        ["社区类型", "申报", "绿色社区", "未通过", "通过率"],
    ]
    charts = sorted(p.name.rsplit("-", 1)[1] for p in (green_year / "图表").glob("*.png"))
    assert charts in ([], ["categories.png", "districts.png", "scores.png"])  # no trend with one year


def _pdf(docx: Path, folder: Path) -> list[str]:
    """The document printed by LibreOffice: each page's text in the order it is drawn (a caption
    beside a table is not read as a column of its own), white space taken out."""
    shutil.copy(docx, folder / "r.docx")
    command = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(folder / "r.docx")]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-raw", str(folder / "r.pdf"), "-"], capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are installed by CI")  # fmt: skip
def test_the_summary_prints_as_an_official_document(
    green_year: Path, shortlist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pdf(green_year / f"{GREEN_REP}.docx", tmp_path)
    assert 3 <= len(pages) <= 6
    flat = "".join(pages)
    for words in ("广州市2026年度绿色社区创建工作总结", "一、创建工作开展情况", "（四）考评验收", "二、创建成效",
                  "四、下一步工作", "【待填写：", "宣传海报2批4万张"):  # fmt: skip
        assert words in flat, words
    assert all(f"—{n}—" in page for n, page in enumerate(pages, start=1))  # page numbers "— 1 —"
    monkeypatch.chdir(shortlist.parent)  # away from the one-tier year's greencomm.toml
    assert report(shortlist, tmp_path / "sample").exit_code == 0
    sample = _pdf(tmp_path / "sample" / f"{REP}.docx", tmp_path / "sample")
    assert 5 <= len(sample) <= 9
    assert "表4　2026年度节能环保示范社区名单".replace("　", "") in "".join(sample)
    for document in (pages, sample):  # the last page is never the signature alone
        last = document[-1]
        assert "2026年12月20日" in last and "四、下一步工作" in last, last
