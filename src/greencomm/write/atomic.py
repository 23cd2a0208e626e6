"""Writing files so that nothing is lost (docs/rules.md#nothing-lost): a temporary file in the same
folder, flushed to disk and renamed into place; never over an input; a file locked by Excel gets a
message a clerk can act on. A failure at any point removes the temp file; one left by a run that
was killed outright is removed by the next write into that folder."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from greencomm.errors import OutputError

TEMP_PREFIX = ".greencomm-"
STALE_SECONDS = 3600  # a temp file this old was left by a run that died: no run writes for an hour


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    for source in inputs:
        if _same(target, source):
            raise OutputError(f"{target}: 输出文件与输入文件相同，已拒绝覆盖 / the output is an input file; refused")


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
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target.parent)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write(target: Path, write: Callable[[BinaryIO], None], inputs: Iterable[Path] = ()) -> Path:
    """Write through `write(handle)` into a temp file beside `target`, fsync, and rename over it."""
    refuse_inputs(target, inputs)
    try:
        with _temp_beside(target) as (handle, temp):
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except PermissionError as exc:
        raise OutputError(
            f"{target}: 文件被占用或无写入权限，请在 Excel/WPS 中关闭该文件后重新运行"
            f" / the file is open or not writable: close it in Excel and run again"
        ) from exc
    except OSError as exc:
        raise OutputError(f"{target}: 写入失败（{exc.strerror or exc}）/ cannot write") from exc
    return target


def write_bytes(target: Path, data: bytes, inputs: Iterable[Path] = ()) -> Path:
    def write(handle: BinaryIO) -> None:
        handle.write(data)

    return atomic_write(target, write, inputs)
