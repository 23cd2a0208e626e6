"""Mutated sample workbooks fed to `validate` (annotated copy included) and to the scores: whatever
the damage, greencomm answers with problems or with its own error — never another exception, never a
hung or dead process, never a score out of bounds."""

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greencomm.api import evaluate, validate
from greencomm.errors import GreencommError
from greencomm.programme import Programme, load_programme
from make_corpus import zip_parts

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "submissions" / "2026年芙蓉区节能环保社区申报汇总表.xlsx"
PARTS = ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml",
         "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def programme() -> Programme:
    return load_programme(year=2026)


def _parts() -> dict[str, bytes]:
    with zipfile.ZipFile(SAMPLE) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _mutate(content: bytes, kind: str, at: float, length: int, noise: bytes) -> bytes:
    n = int(at * len(content))
    if kind == "cut":
        return content[:n]
    if kind == "delete":
        return content[:n] + content[n + length :]
    if kind == "insert":
        return content[:n] + noise + content[n:]
    if kind == "duplicate":
        return content[:n] + content[n : n + length] + content[n:]
    return content[:n] + noise + content[n + len(noise) :]  # overwrite


def _check(programme: Programme, data: bytes, tmp_path: Path) -> None:
    """validate with its annotated copy and problem list, then the scores of whatever was read."""
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(data)
    try:
        report = validate([path], programme, output=tmp_path / "校验结果")
        results = evaluate([path], programme)
    except GreencommError:
        return
    assert isinstance(report.problems, list)
    assert results.table.total.map(lambda t: 0 <= t <= 100).all()


@FUZZ
@given(
    part=st.sampled_from(PARTS),
    kind=st.sampled_from(["cut", "delete", "insert", "duplicate", "overwrite"]),
    at=st.floats(0, 1),
    length=st.integers(1, 400),
    noise=st.sampled_from([b"<", b">", b'"', b"&", b"<c r=\"XFD1048576\"><v>1</v></c>", b"<row>", b"</row>",
                           b'<f>1/0</f>', b't="e"', b"\x00", b"\xff\xfe", b"<!DOCTYPE x>", b'<mergeCell ref="A1:B"/>',
                           b'<c r="A0">', b'<c r="ZZZZ1">', b'r="A99999999999"', b"&#0;", b"_x0000_"]),
)  # fmt: skip
def test_mutated_xml_gets_problems_or_our_error(programme: Programme, tmp_path: Path, part: str, kind: str,
                                               at: float, length: int, noise: bytes) -> None:  # fmt: skip
    parts = _parts()
    if part not in parts:
        return
    parts[part] = _mutate(parts[part], kind, at, length, noise)
    _check(programme, zip_parts(parts), tmp_path)


@FUZZ
@given(at=st.floats(0, 1), noise=st.binary(min_size=1, max_size=64))
def test_damaged_bytes_get_problems_or_our_error(programme: Programme, tmp_path: Path, at: float, noise: bytes) -> None:
    data = SAMPLE.read_bytes()
    _check(programme, _mutate(data, "overwrite", at, 0, noise), tmp_path)


@FUZZ
@given(drop=st.sampled_from(PARTS))
def test_a_missing_part_gets_problems_or_our_error(programme: Programme, tmp_path: Path, drop: str) -> None:
    parts = _parts()
    parts.pop(drop, None)
    _check(programme, zip_parts(parts), tmp_path)


_TEXT = re.compile(rb"<t>([^<]*)</t>")
_NUMBER = re.compile(rb"<v>(-?[0-9.E+-]+)</v>")


@FUZZ
@given(
    texts=st.lists(
        st.tuples(
            st.floats(0, 1),
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(
                    ["#N/A", "-", "1e308", "-0", "1,2,3", "9" * 40, "2026-02-30", "是否", "%", " ", "=1+1"]
                ),
            ),
        ),
        max_size=8,
    ),
    numbers=st.lists(st.tuples(st.floats(0, 1), st.floats(allow_nan=False, allow_infinity=False)), max_size=8),
    retype=st.sampled_from([b"", b"", b"", b' t="e"', b' t="str"', b' t="n"']),
)
def test_mutated_values_get_problems_or_our_error(programme: Programme, tmp_path: Path,
                                                  texts: list[tuple[float, str]], numbers: list[tuple[float, float]],
                                                  retype: bytes) -> None:  # fmt: skip
    """Well-formed XML with any text in any text cell and any number in any number cell: the
    parsers, not the XML, are under test."""
    parts = _parts()
    sheet = parts["xl/worksheets/sheet1.xml"]
    for pattern, changes in ((_TEXT, texts), (_NUMBER, numbers)):
        found = list(pattern.finditer(sheet))
        for at, value in changes:
            match = found[int(at * (len(found) - 1))]
            shown = escape("".join(c for c in str(value) if c in "\t\n" or (c >= " " and c not in "\ufffe\uffff")))
            sheet = sheet.replace(match[0], match[0].replace(match[1], shown.encode(), 1), 1)
    if retype:
        sheet = re.sub(rb'(<c r="[A-Z]+1[0-9]")( t="[a-z]+")?', lambda m: m[1] + retype, sheet, count=3)
    parts["xl/worksheets/sheet1.xml"] = sheet
    _check(programme, zip_parts(parts), tmp_path)
