"""What a sheet's XML says before its cells are read — how far it reaches, and the cells a person
must look at (merged ranges, Excel error values, formulas without a calculated value) — read by
streaming the XML (docs/rules.md#untrusted-input); XML that may declare a document type is also
parsed as defusedxml parses, for its refusals.

One cell at XFD1048576 would make the Rust reader lay out a grid of 17 billion cells, so the scan
looks for a cell or row reference beyond `[limits] max_rows`/`max_columns`, in the form every
spreadsheet program writes (` r="XFD1048576"`), before the reader sees the sheet. Whatever slips past
it still meets the memory cap of the isolated reader (greencomm.read.sandbox), which runs this scan
first: this module needs the standard library and defusedxml alone, so the reading process imports
it in no time, and the scan of one file runs beside the reading of another. A large piece of XML is
first passed over by RE2 (Arrow's, which the reading process has loaded for its reader): where it
finds nothing the searches look for (a far reference, an unusual spelling, a merged range, an error
cell, a formula), they are left out.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Protocol, cast
from xml.etree import ElementTree
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from isal import isal_zlib

# what zipfile raises for a damaged container: bad headers, bad deflate data, a method or an
# encryption it does not know, a short file
_INFLATE_ERROR = cast(type[Exception], isal_zlib.error)  # ISA-L's word for broken deflate data (typed as an instance)
CONTAINER_BROKEN = (zipfile.BadZipFile, zlib.error, _INFLATE_ERROR, NotImplementedError, RuntimeError, ValueError,
                    EOFError, OSError)  # fmt: skip
UNSAFE = (
    EntitiesForbidden,
    DTDForbidden,
    ExternalReferenceForbidden,
)  # defusedxml's refusals: ValueErrors, caught first
BROKEN = (*CONTAINER_BROKEN, KeyError, ElementTree.ParseError, UnicodeDecodeError)  # and broken XML
HEADER_ROWS = 100  # rows a sheet may have above its data: title, notes, the header itself
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


class Bounds(Protocol):
    """How far a sheet may reach: the [limits] of the settings, or the two numbers alone."""

    @property
    def max_rows(self) -> int: ...

    @property
    def max_columns(self) -> int: ...


@dataclass(frozen=True)
class Extent:
    """Bounds as two numbers (what the reading process is told)."""

    max_rows: int
    max_columns: int


def cell_position(ref: str) -> tuple[int, int] | None:
    """(Excel row, column number) of `B7`; None for anything else."""
    found = _CELL.match(ref)
    return (int(found[2]), column_number(found[1])) if found else None


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=20_000)
def column_letters(number: int) -> str:
    """`AB` for 28: asked for every column of every table (a folder of 200 workbooks, 10,000 times)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _above(limit: str, digit: str, first: str, last: str) -> str:
    """A regex for the strings of `digit` characters that count past `limit` (decimal row numbers,
    or column letters A–Z as bijective base 26): longer ones, or equally long and larger."""
    width = len(limit)
    longer = f"[{first}-{last}]{digit}{{{width},}}"
    same = [
        re.escape(limit[:i]) + f"[{chr(ord(ch) + 1)}-{last}]" + (f"{digit}{{{width - i - 1}}}" if i < width - 1 else "")
        for i, ch in enumerate(limit)
        if ch != last
    ]
    return "(?:" + "|".join([longer, *same]) + ")"


def _far_reference(max_row: int, max_column: int, whole: bool) -> str:
    """A reference's text (letters, then a row number) beyond the limits. `whole`: each run of
    letters and of zeros taken whole, never given back (possessive, with a lookahead that fails most
    references at once: a third faster in Python's engine); without, as RE2 takes it — the same
    strings, since what follows the letters is no letter and a row past the limit starts at its
    first digit other than 0."""
    digits = len(str(max_row))  # a row past the limit has at least as many
    rows = (f"0*+(?=[0-9]{{{digits}}})" if whole else "0*") + _above(str(max_row), r"\d", "1", "9")
    columns = _above(column_letters(max_column), "[A-Z]", "A", "Z")
    return f"(?:{columns}[0-9]+|[A-Z]*{'+' if whole else ''}{rows})"


@lru_cache(maxsize=8)
def _far_pattern(max_row: int, max_column: int, usual: bool = True) -> re.Pattern[bytes]:
    """A cell or row reference beyond the limits. `usual`: written as every spreadsheet program
    writes it (` r="XFD7"`), which a search finds fastest by its literal start; otherwise in any
    spelling XML allows (single quotes, spaces round `=`)."""
    far = _far_reference(max_row, max_column, whole=True)
    if usual:
        return re.compile(f' r="({far})"'.encode())
    return re.compile(rf"""\sr\s*=\s*["']({far})["']""".encode())


_UNUSUAL = re.compile(rb"r(?:[ \t\r\n]+=|=[ \t\r\n']+)")  # any other spelling of r="…"
RE2_BYTES = 1 << 20  # a piece of a sheet's XML this large is looked at by RE2 first for all the searches
RE2_FAR_BYTES = 1 << 16  # and this large for a far reference (RE2 is the faster from about 32 KB)


@lru_cache(maxsize=8)
def _far_searching(max_row: int, max_column: int) -> str:
    """RE2's pattern for what sends a piece of XML to the search for a far reference: a reference
    spelled otherwise than ` r="…"`, or one so spelled beyond the limits."""
    far = _far_reference(max_row, max_column, whole=False)
    return _UNUSUAL.pattern.decode() + f'| r="{far}"'


@lru_cache(maxsize=8)
def _worth_searching(max_row: int, max_column: int) -> str:
    """RE2's pattern for what sends a piece of XML to any of the searches below: what
    `_far_searching` looks for, or what `_facts_of` starts from (a merged range, an error cell's
    type, a formula)."""
    return f"""{_far_searching(max_row, max_column)}|mergeCell|"e"|'e'|<f|:f"""


def _clear(text: bytes, pattern: str) -> bool:
    """Whether RE2 (Arrow's, a DFA) finds none of `pattern` in `text`: a sheet of 100,000 rows holds
    5 million references, each a start Python's engine tries (0.1 s per 37 MB) and RE2 passes over
    (0.02 s). Only ever a shortcut: False (search as before) when it finds one, or cannot say."""
    match = _re2()
    if match is None:
        return False
    import pyarrow as pa

    offsets = pa.py_buffer(struct.pack("<ii", 0, len(text)))
    whole = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(text)])  # not copied
    return not match(whole, pattern)


@lru_cache(maxsize=1)
def _re2() -> Callable[[Any, str], bool] | None:
    """Whether RE2 finds a pattern in a one-value array: by Arrow's compute kernel, reached through
    pyarrow._compute (8 ms to import) rather than pyarrow.compute (70 ms, which the reading process
    needs for nothing else) when this pyarrow has it. None without Arrow: the reading process has
    it (its reader gives Arrow tables); a caller may not."""
    try:
        from pyarrow._compute import MatchSubstringOptions, call_function
    except ImportError:
        try:
            import pyarrow.compute as pc
        except ImportError:
            return None
        return lambda whole, pattern: bool(pc.match_substring_regex(whole, pattern)[0].as_py())
    return lambda whole, pattern: bool(
        call_function("match_substring_regex", [whole], MatchSubstringOptions(pattern))[0].as_py()
    )


def _spelling(text: bytes) -> bool:
    """Whether the XML writes its references the usual way only (` r="…"`), so the fast pattern can
    be used: one search rules out every other spelling."""
    return _UNUSUAL.search(text) is None


@dataclass
class SheetFacts:
    """What a sheet's XML says that its values do not: where it reaches, and the cells a person
    must look at — merged ranges, Excel error values, formulas without a calculated value."""

    far: str | None = None  # a cell (`XFD1048576`) or row (`1048576`) beyond the limits
    merged: list[str] = field(default_factory=list)  # "A3:A20"
    errors: dict[str, str] = field(default_factory=dict)  # cell → "#DIV/0!"
    formulas: dict[str, bool] = field(default_factory=dict)  # cell → has a calculated value


# The sheet's XML as any writer may spell it: an element may carry a namespace prefix (`<x:c>`, as
# the .NET Open XML SDK writes), an attribute may be single- or double-quoted, with spaces round `=`.
_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_Q = rb"[\"']"  # either quote
_EQ = rb"\s*=\s*"
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\b[^>]*?\bref" + _EQ + _Q + rb"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)" + _Q)
_ERROR_CELL = re.compile(rb"<" + _P + rb"c\b[^>]*?\bt" + _EQ + _Q + rb"e" + _Q + rb"[^>]*>")
_ERROR_TYPE = re.compile(rb"t" + _EQ + _Q + rb"e" + _Q)
_FORMULA = re.compile(rb"<" + _P + rb"f[\s>/]")
_FORMULA_USUAL = re.compile(rb"<f[\s>/]")  # without a prefix: found by its literal start, fast
_REF = re.compile(rb"\br" + _EQ + _Q + rb"([A-Z]+[0-9]+)" + _Q)
_VALUE = re.compile(rb"<" + _P + rb"v>([^<]*)</" + _P + rb"v>")
_CELL_OPEN = re.compile(rb"<" + _P + rb"c[\s>/]")
_CELL_CLOSE = re.compile(rb"</" + _P + rb"c>")
CARRY_MAX = 1 << 24


def _last(pattern: re.Pattern[bytes], text: bytes, end: int) -> int:
    """Where the last match of `pattern` that starts before `end` starts; -1 when none."""
    position = text.rfind(b"<", 0, end)
    while position >= 0:
        if pattern.match(text, position):
            return position
        position = text.rfind(b"<", 0, position)
    return -1


def _cut(text: bytes) -> int:
    """Where a segment of the stream may end: before a cell still open, else after the last tag."""
    opened = _last(_CELL_OPEN, text, len(text))
    closed = _last(_CELL_CLOSE, text, len(text))
    return opened if opened > closed else text.rfind(b">") + 1


def _cell_at(text: bytes, position: int) -> tuple[str, bytes] | None:
    """The reference and the body (up to its closing tag) of the cell whose content holds `position`."""
    start = _last(_CELL_OPEN, text, position)
    if start < 0:
        return None
    tag_end = text.find(b">", start)
    ref = _REF.search(text, start, tag_end)
    end = _CELL_CLOSE.search(text, position)
    if ref is None:
        return None
    return ref[1].decode("ascii"), text[tag_end + 1 : end.start() if end else len(text)]


FEW_F = 64  # letters f looked at one by one before the text is searched for `<f` and `:f` as it is


def _may_hold_formulas(text: bytes) -> bool:
    """Whether `<f` or `:f` is in the text, found by its rare letter: a sheet's XML holds few f's
    outside formulas (its namespaces), and a byte is found at memory speed, where the two-byte
    searches went at a third of it. Text with many f's is searched as it is."""
    position = text.find(b"f", 1)
    for _ in range(FEW_F):
        if position < 0:
            return False
        if text[position - 1] in b"<:":
            return True
        position = text.find(b"f", position + 1)
    return b"<f" in text or b":f" in text


def _facts_of(text: bytes, facts: SheetFacts) -> None:
    if b"mergeCell" in text:
        facts.merged.extend(m[1].decode("ascii") for m in _MERGE.finditer(text))
    # literal searches first (fast), a single quote looked for at memory speed before 'e' is
    if (b'"e"' in text or (b"'" in text and b"'e'" in text)) and _ERROR_TYPE.search(text):
        for tag in _ERROR_CELL.finditer(text):
            cell = _cell_at(text, tag.end())
            if cell is not None:
                value = _VALUE.search(cell[1])
                facts.errors[cell[0]] = value[1].decode("utf-8", "replace") if value else "#N/A"
    if not _may_hold_formulas(text):
        return
    prefixed = b":f" in text  # a prefixed <x:f> needs the slower pattern
    formula = _FORMULA if prefixed else _FORMULA_USUAL
    if first := formula.search(text):
        for found in formula.finditer(text, first.start()):
            cell = _cell_at(text, found.start())
            if cell is not None:
                value = _VALUE.search(cell[1])
                facts.formulas[cell[0]] = bool(value and value[1])


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def measure_sheet(stream: Readable, limits: Bounds, chunk_size: int = 1 << 22) -> SheetFacts:
    """A sheet's facts, read from its XML as a stream, stopping at the first reference beyond the
    limits (a far row is named by its far cell when it has one). About two thirds of a second per
    200 MB of XML; the cell-level facts cost nothing in a sheet without formulas, errors or merges."""
    usual = _far_pattern(limits.max_rows + HEADER_ROWS, limits.max_columns)
    any_spelling = _far_pattern(limits.max_rows + HEADER_ROWS, limits.max_columns, usual=False)
    worth = _worth_searching(limits.max_rows + HEADER_ROWS, limits.max_columns)
    far = _far_searching(limits.max_rows + HEADER_ROWS, limits.max_columns)
    facts = SheetFacts()
    carry = b""
    while True:
        chunk = stream.read(chunk_size)
        text = carry + chunk
        if chunk:  # process up to the end of the last whole cell (or tag), carry the rest
            cut = _cut(text)
            if len(text) - cut > CARRY_MAX:  # no end in sight: a hostile run of bytes, scanned as it is
                cut = len(text)
            text, carry = text[:cut], text[cut:]
        if len(text) >= RE2_BYTES and _clear(text, worth):  # nothing any search below would find
            if not chunk:
                return facts
            continue
        found = None
        if len(text) < RE2_FAR_BYTES or not _clear(text, far):  # else no reference reaches too far
            pattern = usual if _spelling(text) else any_spelling
            found = pattern.search(text)
        if found:
            ref: bytes = found[1]
            cell = pattern.search(text, found.end(), found.end() + 256) if ref.isdigit() else None
            facts.far = (cell[1] if cell and not cell[1].isdigit() else ref).decode("ascii")
            return facts
        _facts_of(text, facts)
        if not chunk:
            return facts


class _Enough(Exception):
    """The first valued row is read: the parser stops there."""


class _FirstRow:
    """A parser target that notes the valued cells (a `v` or `is` child) of the first row that
    has any, and stops the parse at that row's end. No element is built: a sheet's head is read
    for every file of a folder of hundreds."""

    def __init__(self) -> None:
        self.found: list[tuple[int, int]] = []
        self.depth = 0
        self.cells: list[list[Any]] = []  # the open cells: reference, depth, valued

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        local = tag.rsplit("}", 1)[-1]
        if self.cells and self.depth == self.cells[-1][1] + 1 and local in ("v", "is"):
            self.cells[-1][2] = True
        if local == "c":
            self.cells.append([attrib.get("r", ""), self.depth, False])

    def end(self, tag: str) -> None:
        local = tag.rsplit("}", 1)[-1]
        self.depth -= 1
        if local == "c" and self.cells and self.cells[-1][1] == self.depth + 1:
            ref, _, valued = self.cells.pop()
            position = cell_position(ref)
            if position and valued:
                self.found.append(position)
        elif local == "row" and self.found:
            raise _Enough

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _head_cells(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int]]:
    """(row, column) of the valued cells of the sheet's first row that has any, read from its XML as
    a stream: however many empty rows come first (a row element may be there for its height or
    style alone), the first row a reader sees is found. Parsed by expat as defusedxml has
    ElementTree parse (entity declarations and external references refused, an undefined entity
    broken XML) but without ElementTree's Python layer over each element, a few kilobytes at a
    time, until that row ends: a folder of hundreds of workbooks asks it of each."""
    target = _FirstRow()
    parser = defused_expat(target.start, target.end)
    with archive.open(part) as stream:
        try:
            while chunk := stream.read(2048):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Enough:
            pass
        except expat.ExpatError as exc:
            raise ElementTree.ParseError(str(exc)) from exc
    return target.found


def defused_expat(start: Callable[[str, dict[str, str]], None], end: Callable[[str], None] | None = None) -> Any:
    """An expat parser calling `start(tag, attributes)` (and `end(tag)`) for each element, a name
    as "namespace}local" as ElementTree has it, that refuses what defusedxml refuses: an entity
    declared or an external reference (one of UNSAFE), an undefined entity (broken XML). No element
    is built: what it parses is read for a few names alone."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    parser.EntityDeclHandler = _entity_declared
    parser.UnparsedEntityDeclHandler = _unparsed_entity_declared
    parser.ExternalEntityRefHandler = _external_reference
    parser.SkippedEntityHandler = _undefined_entity
    return parser


def parse_defused(
    data: bytes, start: Callable[[str, dict[str, str]], None], end: Callable[[str], None] | None = None
) -> None:
    """A whole piece of XML through `defused_expat`; broken XML raises ElementTree's ParseError."""
    try:
        defused_expat(start, end).Parse(data, True)
    except expat.ExpatError as exc:
        raise ElementTree.ParseError(str(exc)) from exc


def _entity_declared(name: str, _parameter: bool, value: str | None, base: str | None, sysid: str | None,
                     pubid: str | None, notation: str | None) -> None:  # fmt: skip
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_entity_declared(name: str, base: str | None, sysid: str | None, pubid: str | None,
                              notation: str | None) -> None:  # fmt: skip
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external_reference(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _undefined_entity(name: str, _parameter: bool) -> None:
    raise ElementTree.ParseError(f"undefined entity &{name};")


# what a sheet's XML that declares nothing begins with: a byte order mark, the XML declaration (in
# UTF-8), white space, and its root element — no document type, so no entity it could declare
_PLAIN_START = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?[ \t\r\n]*(?:<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*["'][0-9.]+["']"""
    rb"""(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*["'](?i:utf-8)["'])?"""
    rb"""(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*["'](?:yes|no)["'])?[ \t\r\n]*\?>)?[ \t\r\n]*<[A-Za-z_]"""
)
PROLOG_BYTES = 1024  # the start of a sheet's XML looked at for what comes before its root


def scan_sheet(source: Path | bytes, part: str, limits: Bounds) -> SheetFacts:
    """The facts of a sheet, from the XML part `part` of the workbook. Raises one of UNSAFE for
    unsafe XML, one of BROKEN for broken XML. A sheet whose XML may declare a document type (its
    start is anything but the XML declaration and the root element) is also parsed as defusedxml
    parses, up to its first valued row (`_head_cells`): an entity declared, an external reference
    and an undefined entity are refused there. One that declares none is left to the reader."""
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        info = archive.getinfo(part)
        if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 1:  # not encrypted
            with io.BytesIO(source) if isinstance(source, bytes) else source.open("rb") as raw:
                stream = _Inflating(raw, info)
                facts = measure_sheet(stream, limits)
                start = stream.start
        else:
            with archive.open(part) as plain:
                start = plain.read(PROLOG_BYTES)
            with archive.open(part) as plain:
                facts = measure_sheet(plain, limits)
        if not facts.far and not _PLAIN_START.match(start):
            _head_cells(archive, part)
    return facts


def stored_start(raw: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the stored (compressed) bytes of a zip entry begin in its file: past its local header."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: no local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return int(info.header_offset + 30 + name_length + extra_length)


class _Inflating:
    """A deflated part of a zip read as its contents, a piece at a time (never whole: a small part
    may inflate to gigabytes), by ISA-L — three times zlib's speed, a sheet of 100,000 rows is
    37 MB of XML — and its CRC checked at the end, as zipfile checks it."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo) -> None:
        raw.seek(stored_start(raw, info))
        self.raw, self.left, self.info = raw, info.compress_size, info
        self.inflater = isal_zlib.decompressobj(-15)
        self.pending = b""  # deflated bytes read, not yet inflated
        self.crc = self.size = 0
        self.start = b""  # its first bytes (up to PROLOG_BYTES), kept as they are read

    def read(self, size: int) -> bytes:
        pieces: list[bytes] = []
        wanted = size
        while wanted > 0 and not self.inflater.eof:
            if not self.pending:
                self.pending = self.raw.read(min(self.left, 1 << 20))
                self.left -= len(self.pending)
            piece = self.inflater.decompress(self.pending, wanted)  # with no more input: what it holds
            if not piece and not self.pending and not self.inflater.eof:
                raise zipfile.BadZipFile(f"{self.info.filename}: the deflated data ends early")
            self.pending = self.inflater.unconsumed_tail
            pieces.append(piece)
            wanted -= len(piece)
        data = b"".join(pieces)
        if len(self.start) < PROLOG_BYTES:
            self.start += data[: PROLOG_BYTES - len(self.start)]
        self.crc, self.size = isal_zlib.crc32(data, self.crc), self.size + len(data)
        if self.inflater.eof and not data and (self.crc != self.info.CRC or self.size != self.info.file_size):
            raise zipfile.BadZipFile(f"{self.info.filename}: bad CRC-32 or size")
        return data


def facts_from(data: dict[str, Any]) -> SheetFacts:
    """SheetFacts as the reading process sends them (`asdict`, through JSON)."""
    return SheetFacts(data["far"], list(data["merged"]), dict(data["errors"]), dict(data["formulas"]))


def facts_data(facts: SheetFacts) -> dict[str, Any]:
    return asdict(facts)
