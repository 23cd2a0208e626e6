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

A sheet's extent is measured before its cells are read (greencomm.read.scan, in the reading
process): one cell at XFD1048576 would make the reader lay out a grid of 17 billion cells.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import IO, NamedTuple

from greencomm.errors import InputError, UsageError
from greencomm.programme.settings import Limits  # the [limits] of the settings, one definition
from greencomm.read.scan import CONTAINER_BROKEN

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 files, and encrypted OOXML
ZIP = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


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


def _check_zip(path: Path, source: IO[bytes] | bytes, limits: Limits) -> tuple[str, tuple[bytes, bytes] | None]:
    """The zip's format once its container is measured, and an OOXML workbook's parts that say
    what it holds (`BOOK_PARTS`), read while it is open."""
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
        return XLSX, _book_parts(archive)
    if "xl/workbook.bin" in names:
        return XLSB, None
    if "word/document.xml" in names:
        raise _not_a_workbook(path, "docx")
    if "mimetype" in names and _read_small(archive, "mimetype").strip() == ODS_MIMETYPE:
        return ODS, None
    raise _not_a_workbook(path, "no-book")


BOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")  # what an OOXML workbook holds, and where


def read_book_parts(archive: zipfile.ZipFile) -> tuple[bytes, bytes]:
    """`BOOK_PARTS`, read; a missing one raises KeyError, a broken one one of CONTAINER_BROKEN."""
    return archive.read(BOOK_PARTS[0]), archive.read(BOOK_PARTS[1])


def _book_parts(archive: zipfile.ZipFile) -> tuple[bytes, bytes] | None:
    """`BOOK_PARTS`, read (None when one is missing or broken: reading the workbook says so)."""
    try:
        return read_book_parts(archive)
    except (*CONTAINER_BROKEN, KeyError):
        return None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except CONTAINER_BROKEN:
        return b""


# files let through as they are (not decrypted), while unchanged: a folder's workbooks are looked at
# to tell submissions from greencomm's own outputs, then opened to be read
_PASSED: dict[tuple[object, ...], str] = {}
PASSED_MAX = 4096


class Opened(NamedTuple):
    """A workbook the guard let through: the content to read (the file itself, or its decrypted
    bytes), its format (XLSX, XLSB, ODS, XLS), and an OOXML workbook's `BOOK_PARTS` when the guard
    read them with its zip open — the file opened and its zip's directory parsed once (None when it
    did not: a file let through before, or a part missing or broken)."""

    source: Path | bytes
    kind: str
    parts: tuple[bytes, bytes] | None = None


def open_checked(path: Path, limits: Limits | None = None, password: str | None = None) -> Path | bytes:
    """The content to read: the file itself, or its decrypted bytes. Raises InputError otherwise."""
    return open_book(path, limits, password).source


def open_book(path: Path, limits: Limits | None = None, password: str | None = None) -> Opened:
    """The content to read (the file itself, or its decrypted bytes), its format (XLSX, XLSB, ODS,
    XLS), and what an OOXML one holds when it was read (see `Opened`). Raises InputError when it is
    no workbook greencomm may read."""
    limits = limits or Limits()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: 文件或文件夹不存在 / no such file or folder") from exc
    size = stat.st_size
    if size == 0:
        raise InputError("empty-file", path.name)
    if size > limits.max_file_mb * 2**20:
        raise InputError("file-too-large", path.name, size=f"{size / 2**20:.0f}", limit=limits.max_file_mb)
    seen = (path, stat.st_mtime_ns, size, limits.max_entries, limits.max_uncompressed_mb, limits.max_ratio)
    if (known := _PASSED.get(seen)) is not None:
        return Opened(path, known)
    parts = None
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head.startswith(ZIP):  # measured through the handle open: the file opened once
            handle.seek(0)
            kind, parts = _check_zip(path, handle, limits)
    if head.startswith(OLE):
        data, kind = _ole(path, path.read_bytes(), password)
        if kind == XLSX:
            assert data is not None
            return Opened(data, *_check_zip(path, data, limits))
        if data is not None:
            return Opened(data, kind)
    elif not head.startswith(ZIP):
        raise _sniff_text(path, head)
    if len(_PASSED) >= PASSED_MAX:
        _PASSED.clear()
    _PASSED[seen] = kind
    return Opened(path, kind, parts)
