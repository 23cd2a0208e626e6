"""A stamp in every .docx and .md greencomm writes, the hash of its own content (docs/rules.md#nothing-lost):
a document the clerk edited in Word is never replaced without a word.

The clerk edits the 公示 and the 年度总结 in Word; the stamp is the SHA-256 of the file's content:

- .md: a last line `<!-- greencomm sha256:… -->` (invisible when the Markdown is shown), the hash
  of every byte before it;
- .docx: the core property 标识符 (dc:identifier) `greencomm-sha256:…`, the hash of every part of
  the package but docProps/core.xml (the properties Word rewrites on every save: author, times).

A file whose content no longer matches its stamp was changed; a file with no stamp was not
written by greencomm. Either is replaced only when the clerk says so (`--overwrite`). Word and WPS
rewrite the package when they save, so a file merely opened and saved also counts as changed: the
check errs on the side of the clerk's work.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from greencomm.errors import OutputError

MD_STAMP = re.compile(rb"\n<!-- greencomm sha256:([0-9a-f]{64}) -->\n?\Z")
DOCX_STAMP = re.compile(rb"<dc:identifier>greencomm-sha256:([0-9a-f]{64})</dc:identifier>")
CORE = "docProps/core.xml"
_BLANK = "greencomm-sha256:" + "0" * 64
MAX_STAMPED_MB = 256  # a larger file in the output folder is no document of ours: counted as changed


def stamp(name: str, data: bytes) -> bytes:
    """The file's content with its stamp; files other than .md and .docx (the charts) as they are."""
    if name.endswith(".md"):
        return _stamp_markdown(data)
    if name.endswith(".docx"):
        return _stamp_docx(data)
    return data


def _stamp_markdown(data: bytes) -> bytes:
    body = data if data.endswith(b"\n") else data + b"\n"
    return body + f"<!-- greencomm sha256:{hashlib.sha256(body).hexdigest()} -->\n".encode("ascii")


def _docx_digest(package: zipfile.ZipFile) -> str:
    """Every part but the core properties, by name, in name order."""
    digest = hashlib.sha256()
    for name in sorted(package.namelist()):
        if name != CORE:
            digest.update(name.encode("utf-8") + b"\0" + package.read(name) + b"\0")
    return digest.hexdigest()


def _stamp_docx(data: bytes) -> bytes:
    """The stamp goes into the core properties: python-docx writes a placeholder of the stamp's
    length (creating the part if a clerk's template has none), then the part is patched in place."""
    from docx import Document

    document = Document(io.BytesIO(data))
    document.core_properties.identifier = _BLANK
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        digest = _docx_digest(package)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as stamped:
            for info in package.infolist():
                content = package.read(info.filename)
                if info.filename == CORE:
                    content = content.replace(_BLANK.encode("ascii"), f"greencomm-sha256:{digest}".encode("ascii"))
                stamped.writestr(info, content)
    return out.getvalue()


def unchanged(path: Path) -> bool:
    """Whether `path` is exactly as greencomm wrote it: its stamp matches its content. A file that
    cannot be read, is no package, or has no stamp is not."""
    try:
        if path.stat().st_size > MAX_STAMPED_MB * 2**20:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if path.suffix == ".md":
        found = MD_STAMP.search(data)
        return found is not None and hashlib.sha256(data[: found.start() + 1]).hexdigest() == found.group(1).decode()
    if path.suffix == ".docx":
        return _docx_unchanged(data)
    return True


def _docx_unchanged(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(i.file_size for i in package.infolist()) > MAX_STAMPED_MB * 2**20:
                return False  # no document of ours inflates to this: not read
            found = DOCX_STAMP.search(package.read(CORE))
            return found is not None and _docx_digest(package) == found.group(1).decode()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, ValueError):
        return False


def refuse_changed(targets: Iterable[Path], hint: tuple[str, str]) -> None:
    """Nothing is written over a document changed since greencomm wrote it (or not written by it):
    an OutputError naming every such file, with what to do (`hint`, in Chinese and English)."""
    changed = [t for t in targets if t.suffix in (".md", ".docx") and t.exists() and not unchanged(t)]
    if not changed:
        return
    names = "、".join(str(t) for t in changed)
    raise OutputError(
        f"{names}: 文件在 greencomm 写出后已被修改（或不是 greencomm 写出的），未覆盖，本次未写出任何文件。"
        f"{hint[0]}，或加 --overwrite 重新运行以覆盖 / {names}: changed since greencomm wrote it (or not written"
        f" by greencomm); not replaced, and nothing was written. {hint[1]}, or run again with --overwrite to"
        f" replace it"
    )
