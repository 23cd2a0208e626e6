"""The guard in front of every reader: districts' workbooks are untrusted.

Before anything parses a file it is checked here: its real format by signature (not its name), an
encrypted workbook decrypted with the password given (msoffcrypto-tool) or reported as encrypted,
and the zip container measured — entry count, uncompressed size, compression ratio — so a
decompression bomb is refused before a byte of it is inflated. Each refusal is an InputError with
its own problem code (`not-a-workbook`, `encrypted-workbook`, `zip-bomb` …), whose message names the
file and says what to do (docs/rules.md#untrusted-input).

Four formats are read (`open_book` says which): OOXML (.xlsx/.xlsm), and the ones only the Rust
reader reads — Excel 97-2003 (.xls, an OLE file with a Workbook stream, told apart from an
encrypted OOXML, also an OLE file), Excel binary (.xlsb, a zip holding xl/workbook.bin) and
OpenDocument (.ods, a zip whose mimetype says so). The zip formats meet the same container limits.

A sheet's extent is measured before its cells are read (`measure_sheet`): one cell at XFD1048576
would make the reader lay out a grid of 17 billion cells. The scan streams the sheet's XML and looks
for a cell or row reference beyond `[limits] max_rows`/`max_columns`, in the form every spreadsheet
program writes (` r="XFD1048576"`). Whatever slips past it still meets the memory cap of the
isolated reader (greencomm.read.sandbox).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

from greencomm.errors import InputError, UsageError
from greencomm.programme.settings import Limits  # the [limits] of the settings, one definition

# what zipfile raises for a damaged container: bad headers, bad deflate data, a method or an
# encryption it does not know, a short file
CONTAINER_BROKEN = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError, OSError)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 files, and encrypted OOXML
ZIP = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


HEADER_ROWS = 100  # rows a sheet may have above its data: title, notes, the header itself


# what a file that is not a workbook looks like, for the not-a-workbook message
LOOKS_LIKE = {
    "html": ("这是网页（HTML）文件，只是扩展名为 {suffix}", "an HTML page named {suffix}"),
    "text": ("这是文本/CSV 文件，只是扩展名为 {suffix}", "a CSV or text file named {suffix}"),
    "unknown": ("无法识别的文件格式", "the format is not recognised"),
    "docx": ("这是 Word 文档，只是扩展名为 {suffix}", "a Word document named {suffix}"),
    "no-book": ("压缩包中没有工作簿", "a zip file with no workbook inside"),
    "ole": ("这是 Office 97-2003 文件（如 Word .doc），不含工作簿", "an Office 97-2003 file with no workbook"),
}
XLSX, XLSB, ODS, XLS = "xlsx", "xlsb", "ods", "xls"  # the formats read; all but xlsx by the Rust reader alone
BINARY = frozenset({XLSB, ODS, XLS})  # no OOXML to scan: cells only the XML shows are not checked


def _not_a_workbook(path: Path, looks: str) -> InputError:
    suffix = path.suffix or path.name  # an HTML page saved as .xls by a web system is as common as one named .xlsx
    zh, en = (text.format(suffix=suffix) for text in LOOKS_LIKE[looks])
    return InputError("not-a-workbook", path.name, kind=zh, kind_en=en)


def _sniff_text(path: Path, head: bytes) -> InputError:
    """A file that is not a workbook: say what it looks like."""
    text = ""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html", "<table")) or "<html" in lowered[:500]:
        return _not_a_workbook(path, "html")
    if text and ("," in text or "\t" in text) and "\x00" not in text:
        return _not_a_workbook(path, "text")
    return _not_a_workbook(path, "unknown")


def _ole(path: Path, data: bytes, password: str | None) -> tuple[bytes | None, str]:
    """An OLE file: an encrypted OOXML workbook (an EncryptedPackage stream), decrypted; or an
    Excel 97-2003 workbook (a Workbook stream; Book in Excel 5/95), decrypted when encrypted, else
    None (read from the file); anything else is refused."""
    import olefile  # type: ignore[import-untyped]  # msoffcrypto-tool's own dependency, untyped

    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except Exception as exc:  # olefile raises its own types, and struct/IndexErrors, for a damaged file
        raise InputError("damaged-file", path.name, detail="Office 97-2003 文件的容器无法打开",
                         detail_en="the Office 97-2003 container cannot be opened") from exc  # fmt: skip
    if "EncryptedPackage" in streams:
        return _decrypt(path, data, password), XLSX
    if not streams & {"Workbook", "Book"}:
        raise _not_a_workbook(path, "ole")
    return (_decrypt(path, data, password) if _encrypted(data) else None), XLS


def _encrypted(data: bytes) -> bool:
    import msoffcrypto  # only OLE files need it

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # msoffcrypto raises its own types for OLE files it does not know
        return False


def _decrypt(path: Path, data: bytes, password: str | None) -> bytes:
    import msoffcrypto

    if password is None:
        raise InputError("encrypted-workbook", path.name)
    out = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        office.decrypt(out)
    except Exception as exc:  # a wrong password raises msoffcrypto's InvalidKeyError
        raise InputError("wrong-password", path.name) from exc
    return out.getvalue()


LOAD_MAX_MB = 64  # sheets' XML a whole-workbook load (openpyxl, ~20 times as much in memory) may take on


def sheets_megabytes(source: Path | bytes) -> float:
    """The uncompressed size of a workbook's sheets and strings: what loading all of it costs (an
    Excel 97-2003 file: its own size, four times over, as its records are about that much smaller
    than the XML of the same cells)."""
    if not _starts(source, ZIP):
        return 4 * (len(source) if isinstance(source, bytes) else source.stat().st_size) / 2**20
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        parts = archive.infolist()
    sheets = ("xl/worksheets/", "xl/sharedStrings", "content.xml")  # content.xml: an .ods's cells
    return sum(p.file_size for p in parts if p.filename.startswith(sheets)) / 2**20


def _starts(source: Path | bytes, signature: bytes) -> bool:
    if isinstance(source, bytes):
        return source.startswith(signature)
    with source.open("rb") as handle:
        return handle.read(len(signature)) == signature


def book_format(source: Path | bytes) -> str:
    """The format of a workbook the guard let through (`open_book`'s answer, asked again)."""
    if not _starts(source, ZIP):
        return XLS
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        names = set(archive.namelist())
    return XLSX if "xl/workbook.xml" in names else XLSB if "xl/workbook.bin" in names else ODS


def _check_zip(path: Path, source: Path | bytes, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        entries = archive.infolist()
    except CONTAINER_BROKEN as exc:
        raise InputError("damaged-file", path.name, detail="压缩包无法打开", detail_en="the zip cannot be opened") \
            from exc  # fmt: skip
    if len(entries) > limits.max_entries:
        raise InputError("zip-bomb", path.name, detail=f"{len(entries)} 个部件，上限 {limits.max_entries}",
                         detail_en=f"{len(entries)} parts, at most {limits.max_entries}")  # fmt: skip
    total = sum(e.file_size for e in entries)
    if total > limits.max_uncompressed_mb * 2**20:
        mb = f"{total / 2**20:.0f}"
        raise InputError("zip-bomb", path.name, detail=f"解压后 {mb} MB，上限 {limits.max_uncompressed_mb} MB",
                         detail_en=f"{mb} MB uncompressed, at most {limits.max_uncompressed_mb} MB")  # fmt: skip
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > limits.max_ratio * max(entry.compress_size, 1):
            ratio, name = entry.file_size // max(entry.compress_size, 1), entry.filename
            raise InputError("zip-bomb", path.name, detail=f"{name} 压缩比 {ratio} 倍，上限 {limits.max_ratio}",
                             detail_en=f"{name} compressed {ratio} times, at most {limits.max_ratio}")  # fmt: skip
    names = {e.filename for e in entries}
    if "xl/workbook.xml" in names:
        return XLSX
    if "xl/workbook.bin" in names:
        return XLSB
    if "word/document.xml" in names:
        raise _not_a_workbook(path, "docx")
    if "mimetype" in names and _read_small(archive, "mimetype").strip() == ODS_MIMETYPE:
        return ODS
    raise _not_a_workbook(path, "no-book")


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except CONTAINER_BROKEN:
        return b""


def open_checked(path: Path, limits: Limits | None = None, password: str | None = None) -> Path | bytes:
    """The content to read: the file itself, or its decrypted bytes. Raises InputError otherwise."""
    return open_book(path, limits, password)[0]


def open_book(path: Path, limits: Limits | None = None, password: str | None = None) -> tuple[Path | bytes, str]:
    """The content to read (the file itself, or its decrypted bytes) and its format (XLSX, XLSB,
    ODS, XLS). Raises InputError when it is no workbook greencomm may read."""
    limits = limits or Limits()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: 文件或文件夹不存在 / no such file or folder") from exc
    if size == 0:
        raise InputError("empty-file", path.name)
    if size > limits.max_file_mb * 2**20:
        raise InputError("file-too-large", path.name, size=f"{size / 2**20:.0f}", limit=limits.max_file_mb)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(OLE):
        data, kind = _ole(path, path.read_bytes(), password)
        if kind == XLSX:
            assert data is not None
            return data, _check_zip(path, data, limits)
        return (path if data is None else data), kind
    if not head.startswith(ZIP):
        raise _sniff_text(path, head)
    return path, _check_zip(path, path, limits)


# ---------------------------------------------------------------- a sheet's extent
def column_letters(number: int) -> str:
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


@lru_cache(maxsize=8)
def _far_pattern(max_row: int, max_column: int, usual: bool = True) -> re.Pattern[bytes]:
    """A cell or row reference beyond the limits. `usual`: written as every spreadsheet program
    writes it (` r="XFD7"`), which a search finds fastest by its literal start; otherwise in any
    spelling XML allows (single quotes, spaces round `=`)."""
    digits = len(str(max_row))  # a row past the limit has at least as many: the lookahead fails most refs fast
    rows = f"0*(?=[0-9]{{{digits}}})" + _above(str(max_row), r"\d", "1", "9")
    columns = _above(column_letters(max_column), "[A-Z]", "A", "Z")
    if usual:
        return re.compile(f' r="((?:{columns}[0-9]+|[A-Z]*{rows}))"'.encode())
    return re.compile(rf"""\sr\s*=\s*["']((?:{columns}[0-9]+|[A-Z]*{rows}))["']""".encode())


_UNUSUAL = re.compile(rb"r(?:[ \t\r\n]+=|=[ \t\r\n']+)")  # any other spelling of r="…"


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


def _facts_of(text: bytes, facts: SheetFacts) -> None:
    if b"mergeCell" in text:
        facts.merged.extend(m[1].decode("ascii") for m in _MERGE.finditer(text))
    if (b'"e"' in text or b"'e'" in text) and _ERROR_TYPE.search(text):  # literal searches first: fast
        for tag in _ERROR_CELL.finditer(text):
            cell = _cell_at(text, tag.end())
            if cell is not None:
                value = _VALUE.search(cell[1])
                facts.errors[cell[0]] = value[1].decode("utf-8", "replace") if value else "#N/A"
    formula = _FORMULA_USUAL if b":f" not in text else _FORMULA  # a prefixed <x:f> needs the slower pattern
    if first := formula.search(text):
        for found in formula.finditer(text, first.start()):
            cell = _cell_at(text, found.start())
            if cell is not None:
                value = _VALUE.search(cell[1])
                facts.formulas[cell[0]] = bool(value and value[1])


def measure_sheet(stream: IO[bytes], limits: Limits, chunk_size: int = 1 << 22) -> SheetFacts:
    """A sheet's facts, read from its XML as a stream, stopping at the first reference beyond the
    limits (a far row is named by its far cell when it has one). About two thirds of a second per
    200 MB of XML; the cell-level facts cost nothing in a sheet without formulas, errors or merges."""
    usual = _far_pattern(limits.max_rows + HEADER_ROWS, limits.max_columns)
    any_spelling = _far_pattern(limits.max_rows + HEADER_ROWS, limits.max_columns, usual=False)
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
