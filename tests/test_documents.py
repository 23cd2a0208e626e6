"""publicize and report: the documents read back (python-docx, Markdown parsed), checked against the
shortlist; special characters survive; a hostile template is refused; PDFs via LibreOffice."""

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from conftest import WriteBook, convert, valid_row
from greencomm.cli import app
from greencomm.write.charts import cjk_font
from greencomm.write.jinja import capital_yuan, chinese_date
from greencomm.write.workdays import notice_period

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
FINAL = [str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"), "--register",
         str(SAMPLE / "register.xlsx"), "--year", "2026"]  # fmt: skip
runner = CliRunner()
PUB, REP = "2026年节能环保社区拟命名名单公示", "2026年节能环保社区创建工作总结"


def _docx_text(path: Path) -> list[str]:
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


class _Cells(HTMLParser):
    """Text of every table cell and paragraph of rendered Markdown, <br> as a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("td", "th", "p", "h1", "h2"):
            self.texts.append("")
            self._open = True
        elif tag == "br" and self._open:
            self.texts[-1] += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "p", "h1", "h2"):
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[-1] += data


def _md_text(path: Path) -> list[str]:
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(path.read_text("utf-8"))
    parser = _Cells()
    parser.feed(rendered)
    return [html.unescape(t) for t in parser.texts]


@pytest.fixture(scope="module")
def final_docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("docs")
    shortlist = runner.invoke(app, ["shortlist", *FINAL, "--json", "-q", "-o", str(out / "名单.xlsx")])
    assert shortlist.exit_code == 0
    pub = runner.invoke(app, ["publicize", str(out / "名单.xlsx"), "--year", "2026", "--start", "2026-09-28",
                              "-o", str(out), "-q"])  # fmt: skip
    rep = runner.invoke(app, ["report", str(out / "名单.xlsx"), "--year", "2026", "--date", "2026-12-20",
                              "-o", str(out), "-q"])  # fmt: skip
    assert pub.exit_code == 0, pub.stderr
    assert rep.exit_code == 0, rep.stderr
    return out, json.loads(shortlist.stdout)


def test_notice_period_over_national_day() -> None:
    assert notice_period(dt.date(2026, 9, 28), 5) == (dt.date(2026, 9, 28), dt.date(2026, 10, 9), False)
    # A start in the holiday moves to 8 Oct; Saturday 10 Oct is an adjusted working day (调休).
    assert notice_period(dt.date(2026, 10, 3), 5) == (dt.date(2026, 10, 8), dt.date(2026, 10, 13), True)
    assert chinese_date(dt.date(2026, 12, 1)) == "2026年12月1日"
    assert (capital_yuan(20000), capital_yuan(400000), capital_yuan(10000)) == ("贰万元", "肆拾万元", "壹万元")


def test_publicity_lists_dates_and_issuer(final_docs: tuple[Path, dict]) -> None:
    out, shortlist = final_docs
    demo = [c for c in shortlist["communities"] if c["status"] == "示范社区"]
    passed = [c for c in shortlist["communities"] if c["status"] == "节能环保社区"]
    districts = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
    for texts in (_docx_text(out / f"{PUB}.docx"), _md_text(out / f"{PUB}.md")):
        joined = "\n".join(texts)
        assert "关于2026年xx市节能环保示范社区和节能环保社区拟命名名单的公示" in joined
        assert f"一、xx市节能环保示范社区（{len(demo)}个）" in joined
        assert f"二、xx市节能环保社区（{len(passed)}个）" in joined
        assert "公示期为2026年9月28日至2026年10月9日（5个工作日）" in joined
        assert re.search(r"xx市创建节能环保社区工作领导小组办公室\s*2026年9月28日", joined)  # issuer, date signed
        assert "署真实姓名" in joined and "0731-00000000" in joined
        names = [t for t in texts if t.endswith("社区") and t not in ("社区名称",)]
        listed = {c["community"] for c in demo + passed}
        assert set(names) >= listed
    doc = Document(str(out / f"{PUB}.docx"))
    first_table = [[c.text for c in row.cells] for row in doc.tables[0].rows][1:]
    assert len(first_table) == len(demo)
    order = [districts.index(r[1]) for r in first_table]
    assert order == sorted(order), "示范 list is grouped in the programme's district order"
    assert {r[3] for r in first_table} == {c["community"] for c in demo}


def test_report_money_lists_activities_and_charts(final_docs: tuple[Path, dict]) -> None:
    out, shortlist = final_docs
    demo = {c["community"] for c in shortlist["communities"] if c["status"] == "示范社区"}
    expected_acts: dict[str, list[int]] = {}
    for path in sorted((SAMPLE / "submissions").glob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        if "创建活动" in book.sheetnames:
            for row in book["创建活动"].iter_rows(min_row=2, values_only=True):
                if row[1]:
                    expected_acts.setdefault(row[1], []).append(int(str(row[3]).strip()))
    for texts in (_docx_text(out / f"{REP}.docx"), _md_text(out / f"{REP}.md")):
        joined = "\n".join(texts)
        assert "奖励资金合计400,000元（肆拾万元）" in joined
        assert "每个共计贰万元（20,000元）" in joined
        assert demo <= set(texts)
        training = expected_acts.get("培训", [])
        assert f"培训{len(training)}批{sum(training)}人次" in joined
        assert "2026年12月20日" in joined
    doc = Document(str(out / f"{REP}.docx"))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    (district_table,) = [t for t in tables if t[0][:4] == ["区", "申报", "节能环保示范社区", "节能环保社区"]]
    by_district = district_table[1:]
    for name, applied, demonstration, passed, *_ in by_district:
        mine = [c for c in shortlist["communities"] if name == "合计" or c["district"] == name]
        assert int(applied) == len(mine), name
        assert int(demonstration) == sum(c["status"] == "示范社区" for c in mine), name
        assert int(passed) == sum(c["status"] == "节能环保社区" for c in mine), name
    assert len(doc.inline_shapes) == (4 if cjk_font() else 0)  # without a CJK font: no charts, a clear note
    md = (out / f"{REP}.md").read_text("utf-8")
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (out / link).is_file()


def test_notice_needs_the_final_list(tmp_path: Path) -> None:
    result = runner.invoke(app, ["publicize", str(SAMPLE / "submissions"), "--year", "2026", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "需要现场评审后的名单" in result.stderr


SPECIAL = ["R&D社区", "a|b社区", "<新>社区", "甲&乙\n丙社区"]


def test_names_survive_word_and_markdown(write_submission: WriteBook, tmp_path: Path) -> None:
    rows = [valid_row(community=name, street="街道&<|", target="节能环保示范社区", A2=3, A3=3, B3=3, F1=6)
            for name in SPECIAL]  # fmt: skip
    sub = write_submission(rows, title=False)
    reviews = openpyxl.Workbook()
    sheet = reviews.active
    sheet.append(["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"])
    for reviewer in ("王", "李", "张"):
        for name in SPECIAL:
            sheet.append([reviewer, "市直", "芙蓉区", name, 3, 3, 3, 6])
    reviews.save(tmp_path / "reviews.xlsx")
    args = [str(sub), "--reviews", str(tmp_path / "reviews.xlsx"), "--year", "2026", "-o", str(tmp_path / "d")]
    result = runner.invoke(app, ["publicize", *args, "--start", "2026-12-01"])
    assert result.exit_code == 0, result.stderr
    for texts in (_docx_text(tmp_path / "d" / f"{PUB}.docx"), _md_text(tmp_path / "d" / f"{PUB}.md")):
        for name in SPECIAL:
            assert name in texts, (name, texts)
        assert "街道&<|" in texts


def test_template_reaching_python_internals_is_refused(final_docs: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = final_docs
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "publicity.md.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    result = runner.invoke(app, ["publicize", str(out / "名单.xlsx"), "--year", "2026", "--templates", str(mine),
                                 "-o", str(tmp_path / "d")])  # fmt: skip
    assert result.exit_code == 1
    assert "publicity.md.j2: 模板出错" in result.stderr
    assert "unsafe" in result.stderr
    assert not (tmp_path / "d").exists()


def test_clerk_templates_folder_is_used(final_docs: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = final_docs
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "publicity.md.j2").write_text("# {{ title }}\n\n本办自拟格式：{{ period }}\n", encoding="utf-8")
    result = runner.invoke(app, ["publicize", str(out / "名单.xlsx"), "--year", "2026", "--templates", str(mine),
                                 "--start", "2026-12-01", "-o", str(tmp_path / "d")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "本办自拟格式：公示期为2026年12月1日至2026年12月7日" in (tmp_path / "d" / f"{PUB}.md").read_text("utf-8")
    assert (tmp_path / "d" / f"{PUB}.docx").exists()  # the built-in Word template fills the gap


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are installed by CI")  # fmt: skip
def test_documents_convert_to_pdf(final_docs: tuple[Path, dict], tmp_path: Path) -> None:
    out, shortlist = final_docs
    for stem in (PUB, REP):
        shutil.copy(out / f"{stem}.docx", tmp_path / f"{stem}.docx")
        convert([tmp_path / f"{stem}.docx"], "pdf", tmp_path, timeout=180)
        info = subprocess.run(["pdfinfo", str(tmp_path / f"{stem}.pdf")], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
        assert 2 <= pages <= 8
        text = subprocess.run(["pdftotext", str(tmp_path / f"{stem}.pdf"), "-"], capture_output=True,
                              text=True).stdout  # fmt: skip
        flat = re.sub(r"\s+", "", text)
        assert "2026年" in flat and "— 1 —".replace(" ", "") in flat
    flat_pub = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(tmp_path / f"{PUB}.pdf"), "-"],
                                                  capture_output=True, text=True).stdout)  # fmt: skip
    assert "2026年10月9日" in flat_pub
    first_demo = next(c for c in shortlist["communities"] if c["status"] == "示范社区")
    assert first_demo["community"] in flat_pub
