"""Writing files so that nothing is lost (docs/rules.md#nothing-lost): a temporary file in the same
folder, flushed to disk and renamed into place; never over an input; a file locked by Excel gets a
message a clerk can act on. A failure at any point removes the temp file; one left by a run that
was killed outright is removed by the next write into that folder.

A rename puts a new file in place, so the file's permissions are set on purpose: a replaced file
keeps its own (colleagues on a shared folder read it as before), a new one gets what any program
would give it (0o666 less the umask), never the temp file's private 0o600. A file the clerk made
read-only is never replaced: the rename would go round the protection without a word."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from greencomm.errors import OutputError

TEMP_PREFIX = ".greencomm-"
STALE_SECONDS = 3600  # a temp file this old was left by a run that died: no run writes for an hour


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except OSError:
        return None


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    resolved = _resolved(target)  # once, not once for each of a folder's hundreds of inputs
    for source in inputs:
        if resolved is not None and _resolved(source) == resolved:
            raise OutputError(f"{target}: 输出文件与输入文件相同，已拒绝覆盖 / the output is an input file; refused")


def read_only(path: Path) -> bool:
    """Whether `path` is a file the clerk protected from writing: no write bit for its owner (read-only
    in Explorer, `chmod 444` — which root, whom the system lets write anything, respects here too),
    or a file this user may not write (a colleague's on a shared folder)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and (not mode & stat.S_IWUSR or not os.access(path, os.W_OK))


def _refuse_read_only(target: Path) -> None:
    if read_only(target):
        raise OutputError(f"{target}: 是只读文件，未覆盖 / {target} is read-only; not replaced")


def _new_file_mode() -> int:
    """What open() gives a new file: 0o666 less the umask. The umask is read by setting it and
    setting it back; for the instant between, it is 0o077, so a file another thread creates then
    is private rather than open to all — a race that cannot expose anything."""
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def _mode_for(target: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else a new file's."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return _new_file_mode()


def _make_folder(target: Path) -> None:
    """Create the folder `target` goes into. A path in the way that is a file is named: mkdir
    would only say "File exists" or "Not a directory"."""
    for folder in (target.parent, *target.parent.parents):
        if folder.is_dir():
            break
        if folder.exists():
            raise OutputError(
                f"{folder}: 这是一个文件而不是文件夹，无法在其中写入 {target.name}"
                f" / {folder} is a file, not a folder; cannot write {target.name} into it"
            )
    target.parent.mkdir(parents=True, exist_ok=True)


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temp files a killed run left in `folder` (not those of a run writing right now)."""
    removed = []
    for stray in folder.glob(TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if time.time() - stray.stat().st_mtime > STALE_SECONDS:
                stray.unlink()
                removed.append(stray)
    return removed


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[tuple[BinaryIO, Path]]:
    _make_folder(target)
    clean_stale(target.parent)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _said(target: Path) -> Iterator[None]:
    """The system's word on a failed write, as a message a clerk can act on."""
    try:
        yield
    except PermissionError as exc:
        raise OutputError(
            f"{target}: 文件被占用或无写入权限，请在 Excel/WPS 中关闭该文件后重新运行"
            f" / the file is open or not writable: close it in Excel and run again"
        ) from exc
    except OSError as exc:
        raise OutputError(f"{target}: 写入失败（{exc.strerror or exc}）/ cannot write") from exc


@dataclass(frozen=True)
class Staged:
    """A file written in full and flushed to disk beside its target, not yet in place: `commit`
    renames it over the target, `discard` removes it."""

    temp: Path
    target: Path

    def commit(self) -> Path:
        with _said(self.target):
            try:
                os.replace(self.temp, self.target)
            except BaseException:
                self.temp.unlink(missing_ok=True)
                raise
        return self.target

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)


def stage(target: Path, write: Callable[[BinaryIO], None], inputs: Iterable[Path] = ()) -> Staged:
    """Write through `write(handle)` into a temp file beside `target` and fsync it, to be put in
    place by `commit` (with the permissions of the file it replaces). A read-only `target` is
    refused."""
    refuse_inputs(target, inputs)
    _refuse_read_only(target)
    mode = _mode_for(target)
    with _said(target), _temp_beside(target) as (handle, temp):
        write(handle)
        handle.flush()
        os.chmod(temp, mode)
        os.fsync(handle.fileno())
    return Staged(temp, target)


def atomic_write(target: Path, write: Callable[[BinaryIO], None], inputs: Iterable[Path] = ()) -> Path:
    """Write through `write(handle)` into a temp file beside `target`, fsync, and rename over it;
    the file keeps the permissions of the one it replaces. A read-only `target` is refused."""
    return stage(target, write, inputs).commit()


def stage_bytes(target: Path, data: bytes, inputs: Iterable[Path] = ()) -> Staged:
    def write(handle: BinaryIO) -> None:
        handle.write(data)

    return stage(target, write, inputs)


def write_bytes(target: Path, data: bytes, inputs: Iterable[Path] = ()) -> Path:
    return stage_bytes(target, data, inputs).commit()
