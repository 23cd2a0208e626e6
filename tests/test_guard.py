"""The sheet scan: references past the limits found exactly, and the same facts whatever the chunk
a stream is read in."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.read import scan
from greencomm.read.guard import Limits
from greencomm.read.scan import _far_pattern, column_letters, column_number, measure_sheet, scan_sheet


def test_column_letters() -> None:
    numbers = (1, 26, 27, 52, 200, 702, 703, 16384)
    assert [column_letters(n) for n in numbers] == ["A", "Z", "AA", "AZ", "GR", "ZZ", "AAA", "XFD"]


@pytest.mark.parametrize("limit", [1, 26, 27, 200, 702, 703])
def test_a_column_past_the_limit_and_no_other(limit: int) -> None:
    pattern = _far_pattern(10, limit)
    for n in range(1, 2000):
        assert bool(pattern.search(f' r="{column_letters(n)}1"'.encode())) == (n > limit), n


@pytest.mark.parametrize("limit", [1, 9, 10, 99, 100, 190, 200_100])
def test_a_row_past_the_limit_and_no_other(limit: int) -> None:
    pattern = _far_pattern(limit, 16384)
    for n in [*range(1, 1200), limit - 1, limit, limit + 1, 10 * limit, 1_048_576]:
        if n > 0:
            for text in (f' r="A{n}"', f' r="A000{n}"', f'<row r="{n}"'):
                assert bool(pattern.search(text.encode())) == (n > limit), (text, limit)


@settings(max_examples=300, deadline=None)
@given(
    st.text("ABCGHSXZ", max_size=3),
    st.text("0", max_size=3),
    st.integers(0, 3_000_000),
    st.integers(1, 2_000_000),
    st.integers(1, 20_000),
    st.booleans(),
)
def test_a_reference_is_far_exactly_when_past_a_limit(
    letters: str, zeros: str, row: int, max_row: int, max_column: int, usual: bool
) -> None:
    """Either spelling of the pattern (its runs of letters and zeros taken whole) against the
    numbers themselves."""
    ref = f"{letters}{zeros}{row}"
    text = f'<c r="{ref}">' if usual else f"<c r = '{ref}'>"
    found = _far_pattern(max_row, max_column, usual=usual).search(text.encode())
    far = (bool(letters) and column_number(letters) > max_column) or row > max_row
    assert bool(found) == far, (ref, max_row, max_column)
    assert found is None or found[1].decode() == ref


SHEET = (
    b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f>A1*2</f></c></row>'
    + b"".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="e"><v>#N/A</v></c></row>'.encode()
               for r in range(2, 40))
    + b'<row r="40"><c r="C40"><f t="shared" si="0"/><v>3</v></c><c r="D40"><f>1/0</f><v></v></c></row>'
    + b'</sheetData><mergeCells count="2"><mergeCell ref="A2:A5"/><mergeCell ref="B7:C7"/></mergeCells></worksheet>'
)  # fmt: skip


@pytest.mark.parametrize("chunk", [1 << 22, 4096, 97, 13])
def test_the_facts_do_not_depend_on_the_chunks(chunk: int) -> None:
    facts = measure_sheet(io.BytesIO(SHEET), Limits(), chunk)
    assert facts.far is None
    assert facts.merged == ["A2:A5", "B7:C7"]
    assert facts.errors == {f"B{r}": "#N/A" for r in range(2, 40)}
    assert facts.formulas == {"B1": False, "C40": True, "D40": False}


@pytest.mark.parametrize("chunk", [1 << 22, 97])
def test_facts_in_single_quotes_are_found(chunk: int) -> None:
    """A writer that quotes its attributes with ' (the only ' in the part, or one of many)."""
    single = SHEET.replace(b'"', b"'")
    assert b'"' not in single
    facts = measure_sheet(io.BytesIO(single), Limits(), chunk)
    assert facts.errors == {f"B{r}": "#N/A" for r in range(2, 40)} and facts.merged == ["A2:A5", "B7:C7"]
    assert facts.formulas == {"B1": False, "C40": True, "D40": False}


@pytest.mark.parametrize("chunk", [1 << 22, 50, 13])
def test_a_far_cell_is_named_whatever_the_chunks(chunk: int) -> None:
    far = SHEET.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    assert measure_sheet(io.BytesIO(far), Limits(), chunk).far in ("XFD1048576", "1048576")
    assert measure_sheet(io.BytesIO(far), Limits(), 1 << 22).far == "XFD1048576"


@settings(max_examples=300, deadline=None)
@given(
    st.text("ABCGHSXZ", max_size=3),
    st.text("0", max_size=3),
    st.integers(0, 3_000_000),
    st.integers(1, 2_000_000),
    st.integers(1, 20_000),
    st.sampled_from(['<c r="{}">', "<c r = '{}'>", '<c r ="{}">', "<c r='{}'>", '<row\tr=\n"{}"', '<c r="{}">']),
    st.binary(max_size=40)
    | st.sampled_from(
        [
            b"<mergeCell ref='A1:B2'/>",
            b'<c r="B2" t="e"><v>#N/A</v></c>',
            b"<c r='B2' t='e'>",
            b"<f>A1</f>",
            b"<x:f>1</x:f>",
            b"mergeCells",
        ]
    ),
)
def test_re2_lets_through_only_what_the_searches_would_not_find(
    letters: str, zeros: str, row: int, max_row: int, max_column: int, spelled: str, noise: bytes
) -> None:
    """The shortcut for a large piece of XML (RE2, over the whole piece) says "clear" only when
    Python's searches find no reference beyond the limits in any spelling and no fact (merged
    range, error cell, formula) — whatever bytes are around it (invalid UTF-8 included) — and
    says "clear" of a usual reference within them among plain bytes."""
    text = noise + spelled.format(f"{letters}{zeros}{row}").encode() + noise
    pattern = scan._worth_searching(max_row, max_column)
    clear = scan._clear(text, pattern)
    python = scan._far_pattern(max_row, max_column, usual=scan._spelling(text)).search(text)
    if scan._clear(text, scan._far_searching(max_row, max_column)):  # the shortcut of the far search alone
        assert python is None and scan._spelling(text), text
    if clear:
        assert python is None and scan._spelling(text), text
        facts = scan.SheetFacts()
        scan._facts_of(text, facts)
        assert facts == scan.SheetFacts(), text
    far = (bool(letters) and column_number(letters) > max_column) or row > max_row
    plain = not any(part in noise for part in (b"mergeCell", b'"e"', b"'e'", b"<f", b":f"))
    if spelled == '<c r="{}">' and not far and scan._spelling(noise) and plain:
        assert clear, text


@pytest.mark.parametrize("shortcut", ["RE2_BYTES", "RE2_FAR_BYTES"])
@pytest.mark.parametrize("chunk", [1 << 22, 4096, 97])
def test_the_facts_are_the_same_with_the_re2_shortcut(
    monkeypatch: pytest.MonkeyPatch, chunk: int, shortcut: str
) -> None:
    """Every piece looked at by RE2 first (the size it starts at lowered to one byte, for all the
    searches or for the far reference alone): the same facts, far references named the same, in
    either spelling."""
    far = SHEET.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    plain = b"<worksheet><sheetData>" + SHEET.split(b"<sheetData>")[1].split(b"<row r=")[0]  # no facts at all
    plain += b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(1, 400))
    plain += b"</sheetData></worksheet>"
    documents = [SHEET, SHEET.replace(b'"', b"'"), far, far.replace(b'"', b"'"), far.replace(b' r="X', b' r = "X'),
                 plain, plain.replace(b"</sheetData>", b'<row r="2000000"/></sheetData>')]  # fmt: skip
    monkeypatch.setattr(scan, "RE2_BYTES", 1 << 40)
    monkeypatch.setattr(scan, "RE2_FAR_BYTES", 1 << 40)
    expected = [measure_sheet(io.BytesIO(xml), Limits(), chunk) for xml in documents]
    monkeypatch.setattr(scan, shortcut, 1)
    assert [measure_sheet(io.BytesIO(xml), Limits(), chunk) for xml in documents] == expected
    assert expected[2].far is not None and expected[4].far is not None and expected[6].far == "2000000"
    assert expected[5] == scan.SheetFacts()


def _zipped(xml: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return buffer.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("chunk", [1 << 22, 4096, 13])
def test_a_sheet_is_scanned_from_its_workbook_as_from_its_xml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: int, chunk: int
) -> None:
    """Inflated by ISA-L a piece at a time (or read as zipfile reads it, when stored), the sheet's
    XML gives the facts it gives read whole, and its start is kept as it is, for what comes before
    its root; from a file or from bytes (decrypted)."""
    original = scan.measure_sheet
    monkeypatch.setattr(scan, "measure_sheet", lambda stream, limits: original(stream, limits, chunk))
    parsed: list[str] = []
    monkeypatch.setattr(scan, "_head_cells", lambda archive, part: parsed.append(part))
    book = tmp_path / "book.xlsx"
    declared = b'<!DOCTYPE worksheet [<!ENTITY a "b">]>' + b" " * scan.PROLOG_BYTES
    for xml, parses in ((SHEET, False), (b'<?xml version="1.0"?>\n' + SHEET, False), (declared + SHEET, True)):
        book.write_bytes(_zipped(xml, method))
        for source in (book, book.read_bytes()):
            parsed.clear()
            facts = scan_sheet(source, "xl/worksheets/sheet1.xml", Limits())
            assert facts == measure_sheet(io.BytesIO(SHEET), Limits())
            assert parsed == ["xl/worksheets/sheet1.xml"] * parses


def test_a_sheet_whose_contents_do_not_match_its_crc_is_broken() -> None:
    data = bytearray(_zipped(SHEET))
    crc_at = data.index(b"PK\x03\x04") + 14  # the local header's CRC-32, then the central directory's
    central = data.index(b"PK\x01\x02") + 16
    for at in (crc_at, central):
        data[at] ^= 0xFF
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        scan_sheet(bytes(data), "xl/worksheets/sheet1.xml", Limits())


_STARTS = [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet>', True),
    (b"<?xml version='1.0' encoding='utf-8'?><x:worksheet>", True),
    (b"\xef\xbb\xbf  <worksheet>", True),
    (b"<worksheet>", True),
    (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]><worksheet>', False),
    (b"<!DOCTYPE w><worksheet>", False),
    (b"<!-- a comment --><worksheet>", False),
    (b'<?xml version="1.0" encoding="UTF-16"?><worksheet>', False),
    ('<?xml version="1.0"?><worksheet>'.encode("utf-16"), False),
    (b'<?xml version="1.0"?><?other?><worksheet>', False),
    (b" " * 2000 + b"<worksheet>", False),
]


@pytest.mark.parametrize(("start", "plain"), _STARTS)
def test_only_xml_that_declares_nothing_before_its_root_is_left_unparsed(start: bytes, plain: bool) -> None:
    """A sheet is parsed for defusedxml's refusals unless its start is the XML declaration (in
    UTF-8) and its root element alone: anything else before the root — a document type, a comment,
    another encoding, more than the bytes looked at — may declare an entity, so it is parsed."""
    assert bool(scan._PLAIN_START.match(start[: scan.PROLOG_BYTES])) == plain


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200) | st.text("f<:x/> ", max_size=200).map(str.encode))
def test_formulas_are_looked_for_as_the_two_searches_would(text: bytes) -> None:
    assert scan._may_hold_formulas(text) == (b"<f" in text or b":f" in text)


def test_a_text_of_many_fs_is_searched_as_it_is() -> None:
    many = b"<t>of fifty forms</t>" * (scan.FEW_F + 1)
    assert not scan._may_hold_formulas(many)
    assert scan._may_hold_formulas(many + b"<x:f>1</x:f>") and scan._may_hold_formulas(b"f" * 100 + b"<f>")


def _head_by_elementtree(xml: bytes) -> list[tuple[int, int]] | str:
    """The head cells as defusedxml's ElementTree parser finds them (what the reader did before it
    used expat itself): the reference, or the kind of refusal."""
    from defusedxml.ElementTree import DefusedXMLParser

    target = scan._FirstRow()
    parser = DefusedXMLParser(target=target)
    try:
        for start in range(0, len(xml), 7):
            parser.feed(xml[start : start + 7])
        parser.close()
    except scan._Enough:
        pass
    except scan.UNSAFE as exc:
        return type(exc).__name__
    except ElementTree.ParseError:
        return "broken"
    return target.found


_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADS = [
    f'<worksheet {_MAIN}><sheetData><row r="1"><c r="B1" t="inlineStr"><is><t>序号</t></is></c>'
    '<c r="C1"><v>1</v></c><c r="D1" s="2"/></row><row r="2"><c r="A2"><v>2</v></c></row></sheetData></worksheet>',
    f'<worksheet {_MAIN}><sheetData><row r="1" ht="30"/><row r="3"><c r="A3" s="1"/></row>'
    '<row r="4"><c r="E4"><v></v></c><c r="F4"><f>1+1</f></c></row></sheetData></worksheet>',
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    "<x:row r='2'><x:c r='C2' t='s'><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>",
    f'<!DOCTYPE worksheet><worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    "</worksheet>",
    f'<!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>&a;</v></c></row>'
    "</sheetData></worksheet>",
    f'<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet {_MAIN}><sheetData><row r="1">'
    '<c r="A1"><v>&e;</v></c></row></sheetData></worksheet>',
    f'<!DOCTYPE w SYSTEM "http://example.com/x.dtd"><worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>&u;</v></c>'
    "</row></sheetData></worksheet>",
    f'<worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>&u;</v></c></row></sheetData></worksheet>',
    f'<worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>1</c></row></sheetData></worksheet>',
    f"<worksheet {_MAIN}><sheetData></sheetData></worksheet>",
    f'<worksheet {_MAIN}><sheetData><row r="1"><c r="A1"><v>1</v></c>',
]


@pytest.mark.parametrize("xml", HEADS)
def test_the_head_is_found_and_refused_as_defusedxml_finds_and_refuses_it(xml: str) -> None:
    data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", data)
    expected = _head_by_elementtree(data)
    with zipfile.ZipFile(buffer) as archive:
        try:
            found: list[tuple[int, int]] | str = scan._head_cells(archive, "xl/worksheets/sheet1.xml")
        except scan.UNSAFE as exc:
            found = type(exc).__name__
        except ElementTree.ParseError:
            found = "broken"
    assert found == expected


def test_re2_is_asked_without_loading_all_of_arrows_compute_functions() -> None:
    """The reading process asks RE2 through pyarrow._compute: it never imports pyarrow.compute
    (70 ms, for every reading process of a folder of small workbooks), and finds what
    pyarrow.compute's own function finds."""
    import pyarrow.compute as pc

    code = (
        "import sys; from greencomm.read import scan; "
        "print(scan._clear(b'<c r=\"A1\"/>', 'XFD'), scan._clear(b'<c r=\"XFD9\"/>', 'XFD'), "
        "'pyarrow.compute' in sys.modules)"
    )
    said = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert said == ["True", "False", "False"]
    for text in (b"", b"abc", b'<c r="XFD1048576">', "合 mergeCell".encode()):
        for pattern in ("mergeCell", ' r="X', "^$", "b.c"):
            whole = pa.array([text], pa.binary())
            assert scan._clear(text, pattern) == (not pc.match_substring_regex(whole, pattern)[0].as_py())


def _contents_by_elementtree(book: bytes, rels: bytes) -> tuple[list[str], dict[str, str], set[str], bool] | str:
    """What xl/workbook.xml and its rels say as defusedxml's ElementTree finds it (how the reader
    read them before it used expat itself), or the kind of refusal."""
    import posixpath

    from defusedxml import ElementTree as SafeTree

    main = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        root = SafeTree.fromstring(book)
        targets = {r.get("Id"): r.get("Target", "") for r in SafeTree.fromstring(rels)}
    except scan.UNSAFE as exc:
        return type(exc).__name__
    except ElementTree.ParseError:
        return "broken"
    names, parts, hidden = [], {}, set()
    for sheet in root.iterfind("m:sheets/m:sheet", main):
        target = targets.get(sheet.get(rel), "")
        name = sheet.get("name", "")
        names.append(name)
        parts[name] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if sheet.get("state", "visible") != "visible":
            hidden.add(name)
    calc = root.find("m:calcPr", main)
    return names, parts, hidden, calc is not None and calc.get("fullCalcOnLoad", "0") in ("1", "true")


_NSR = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
         '<Relationship Id="rId2" Target="/xl/worksheets/s2.xml"/>'
         '<Other Id="rId3" Target="worksheets/../worksheets/sheet3.xml"/><Relationship Id="rId2" Target="x/dup.xml"/>'
         "</Relationships>")  # fmt: skip
BOOKS = [
    f'<workbook {_MAIN} {_NSR}><sheets><sheet name="申报汇总表" sheetId="1" r:id="rId1"/>'
    '<sheet name="说明" state="hidden" r:id="rId2"/><sheet name="x" state="veryHidden" r:id="rId3"/>'
    '<sheet name="无" r:id="rId9"/></sheets><calcPr calcId="1" fullCalcOnLoad="1"/></workbook>',
    f'<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {_NSR}><x:sheets>'
    '<x:sheet name="A" r:id="rId1"/></x:sheets><x:calcPr fullCalcOnLoad="true"/><x:calcPr fullCalcOnLoad="0"/>'
    "</x:workbook>",
    f'<workbook {_MAIN} {_NSR}><sheets><sheet name="A" r:id="rId1"/></sheets><extLst><sheets><sheet name="B" '
    'r:id="rId2"/></sheets></extLst><sheets><sheet name="C" r:id="rId3" state="visible"/></sheets>'
    '<calcPr fullCalcOnLoad="0"/></workbook>',
    f'<workbook {_MAIN}><sheets><sheet name="A"/><other><sheet name="B"/></other></sheets></workbook>',
    f'<!DOCTYPE w [<!ENTITY a "b">]><workbook {_MAIN}><sheets><sheet name="&a;"/></sheets></workbook>',
    f'<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook {_MAIN}><sheets><sheet name="&e;"/>'
    "</sheets></workbook>",
    f'<!DOCTYPE w SYSTEM "http://example.com/x.dtd"><workbook {_MAIN}><sheets><sheet name="&u;"/></sheets></workbook>',
    f'<!DOCTYPE w><workbook {_MAIN}><sheets><sheet name="A"/></sheets></workbook>',
    f'<workbook {_MAIN}><sheets><sheet name="&u;"/></sheets></workbook>',
    f'<workbook {_MAIN}><sheets><sheet name="A"></sheets></workbook>',
    "",
]


_BROKEN_RELS = '<Relationships><R Id="rId1" Target="a.xml"></Relationships>'


@pytest.mark.parametrize("book", BOOKS)
@pytest.mark.parametrize("rels", [_RELS, "<Relationships/>", _BROKEN_RELS])
def test_what_a_workbook_holds_is_read_and_refused_as_defusedxml_reads_and_refuses_it(book: str, rels: str) -> None:
    """xl/workbook.xml and its rels, parsed by expat with defusedxml's refusals and no element
    built: the sheets (in order, their parts and the hidden ones) and whether the workbook asks to
    be recalculated, as ElementTree finds them, and the same refusals, from the guard's parts or
    from the file."""
    from greencomm.read import workbook

    data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + book).encode() if book else b""
    expected = _contents_by_elementtree(data, rels.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", data)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
    for parts in ((data, rels.encode()), None):
        try:
            found = workbook._read_contents(buffer.getvalue(), parts)
            said: tuple[list[str], dict[str, str], set[str], bool] | str = (
                found.names, found.parts, found.hidden, found.recalculate)  # fmt: skip
        except scan.UNSAFE as exc:
            said = type(exc).__name__
        except ElementTree.ParseError:
            said = "broken"
        assert said == expected
