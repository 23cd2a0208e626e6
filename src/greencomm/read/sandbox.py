"""Reading sheets where a hostile workbook cannot take greencomm down with it (docs/rules.md#untrusted-input).

The Rust reader (fastexcel/calamine) lays a sheet out as a dense grid, so a single cell far out at
XFD1048576 asks for hundreds of gigabytes, and Rust answers a failed allocation by aborting the
whole process — nothing Python can catch. So sheets are read in a small worker process that only
imports the reader: its address space is capped (`[limits] max_read_mb`) and its time is bounded
(`[limits] max_read_seconds`). When it dies or is stopped, the read raises `ReadFailed` and the batch
goes on with the next file. The worker answers with the sheet as an Arrow IPC stream.

Workers are started on first use (about 0.1 s), reused for the following reads, and stopped when
greencomm exits. Protocol, one request at a time over the worker's stdin and stdout: a JSON line
(`path`, or `size` followed by that many bytes of a decrypted workbook; `sheet`; `token` naming the
workbook so a second sheet reuses the opened reader), answered by a JSON line (`ok`, or `error`)
followed, when ok, by the sheet as an Arrow IPC stream (which marks its own end).

A request's `mode` says what is wanted: `xlsx` (the default) the sheet from its first valued row —
when the request names the sheet's XML `part` and the limits, the worker first measures that XML
(greencomm.read.scan) and answers its `facts` and `head` cells, or `far` and no sheet when it reaches
beyond the limits, or `unsafe`/`broken` for XML it cannot trust or parse; `whole` (.xls, .xlsb,
.ods, which have no XML to measure) the sheet from row 1, the answer naming its first column
(`col0`) and its Excel error cells (`errors`); `list` no sheet, the answer naming the sheets and
whether each is visible.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from greencomm.errors import ReadFailed

Scan = tuple[str, Any]  # a sheet's XML part and its bounds (greencomm.read.scan.Extent): measure it first


@dataclass(frozen=True)
class Caps:
    max_read_mb: int = 2048
    max_read_seconds: int = 120


# ---------------------------------------------------------------- the parent's side
class _Worker:
    def __init__(self, caps: Caps, command: list[str] | None = None) -> None:
        self.caps = caps
        self.errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - the reader's last words; lives as long as the worker
        try:
            self.process = subprocess.Popen(
                command or [sys.executable, "-m", "greencomm.read.sandbox", str(caps.max_read_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
            )
        except OSError as exc:  # no Python to start, or no process left to start it with
            raise ReadFailed("crash", f"cannot start the reading process: {exc}") from exc

    def read(
        self, source: Path | bytes, sheet: str, token: str, mode: str = "xlsx", kind: str = "", scan: Scan | None = None
    ) -> pa.Table:
        """The sheet; the worker's answer (what `mode` asks besides) is left in `self.answer`."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        payload = source if isinstance(source, bytes) else b""
        request: dict[str, Any] = {"sheet": sheet, "token": token, "size": len(payload), "mode": mode, "kind": kind}
        if isinstance(source, Path):
            request["path"] = str(source.resolve())
        if scan is not None:
            request |= {"part": scan[0], "max_rows": scan[1].max_rows, "max_columns": scan[1].max_columns}
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            self.process.kill()

        timer = threading.Timer(self.caps.max_read_seconds, expire)
        timer.start()
        answer, table = None, None
        try:
            stdin.write(json.dumps(request).encode() + b"\n" + payload)
            stdin.flush()
            answer = json.loads(stdout.readline() or b"null")
            if answer and answer["ok"]:
                alone = mode == "list" or bool(answer.get("far"))  # names alone, or a refusal: no sheet follows
                table = pa.table({}) if alone else pa.ipc.open_stream(pa.PythonFile(stdout, mode="r")).read_all()
        except (OSError, ValueError, pa.ArrowInvalid):  # a broken pipe or a cut stream: the worker is gone
            answer = None
        finally:
            timer.cancel()
        if answer is None:
            self.stop()
            if timed_out.is_set():
                raise ReadFailed("time", f"{self.caps.max_read_seconds} s")
            said = self._said()
            out_of_memory = "memory allocation" in said or "MemoryError" in said or self.process.returncode == -9
            raise ReadFailed("memory" if out_of_memory else "crash", said)
        if table is None:
            raise ReadFailed(answer.get("kind", "reader"), answer["error"])
        self.answer: dict[str, Any] = answer
        return table

    def _said(self) -> str:
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return next((line for line in lines if "memory allocation" in line), lines[-1] if lines else "")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Pool:
    """Idle workers, one per reading thread at a time; a dead or cancelled one is replaced."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        atexit.register(self.shutdown)

    def acquire(self, caps: Caps) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive and worker.caps == caps:
                    return worker
                worker.stop()
        return _Worker(caps)

    def warm(self, caps: Caps) -> None:
        """Start a worker now, so it has imported its reader by the time the first sheet is asked for."""
        with self._lock:
            if any(w.caps == caps for w in self._idle):
                return
        with contextlib.suppress(ReadFailed):  # the read itself will say so
            self.release(_Worker(caps))

    def release(self, worker: _Worker) -> None:
        if worker.alive:
            with self._lock:
                self._idle.append(worker)

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


POOL = _Pool()


class Reading:
    """One sheet being read by a worker while the caller does something else (reads another)."""

    def __init__(
        self,
        source: Path | bytes,
        sheet: str,
        token: str,
        caps: Caps,
        mode: str = "xlsx",
        kind: str = "",
        scan: Scan | None = None,
    ) -> None:
        self._worker = POOL.acquire(caps)
        self._result: pa.Table | None = None
        self._error: ReadFailed | None = None
        self.answer: dict[str, Any] = {}  # what the worker said besides the sheet (see the modes above)

        def run() -> None:
            try:
                self._result = self._worker.read(source, sheet, token, mode, kind, scan)
                self.answer = self._worker.answer
            except ReadFailed as exc:
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> pa.Table:
        self._thread.join()
        if self._error is not None:
            raise self._error
        POOL.release(self._worker)
        assert self._result is not None
        return self._result

    def cancel(self) -> None:
        """Stop the read (the sheet was refused meanwhile); the worker is not reused."""
        self._worker.process.kill()
        self._thread.join()
        self._worker.stop()


def read_sheet(source: Path | bytes, sheet: str, token: str, caps: Caps) -> pa.Table:
    return Reading(source, sheet, token, caps).result()


GIVE_BACK_BYTES = 8 << 20  # a sheet larger than this leaves its memory to the system once sent
MAX_ERROR_CELLS = 100_000  # Excel error cells named in one answer: the parent reads it uncapped


# ---------------------------------------------------------------- the worker's side
def _serve(max_mb: int) -> None:
    try:
        import resource

        cap = max_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # no such limit on this system: isolation alone
        pass
    import fastexcel

    from greencomm.read import scan

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    opened: tuple[str, Any] | None = None
    while line := stdin.readline():
        request = json.loads(line)
        payload = stdin.read(request["size"]) if request["size"] else b""
        try:
            measured = _measure(payload or request["path"], request, scan) if request.get("part") else {}
            if measured.get("far"):  # refused unread: the reader would lay the whole grid out
                stdout.write(json.dumps(measured).encode() + b"\n")
                stdout.flush()
                continue
            if opened is None or opened[0] != request["token"]:
                opened = None  # let the previous workbook go before opening the next
                source = payload or request["path"]
                if isinstance(source, str) and not source.lower().endswith("." + request.get("kind", "xlsx")):
                    source = Path(source).read_bytes()  # named as another format: from bytes it goes by content
                opened = (request["token"], fastexcel.read_excel(source))
            batch, answer = _answer(opened[1], request)
            answer |= measured
        except _Refused as exc:
            stdout.write(json.dumps({"ok": False, "kind": exc.kind, "error": exc.detail}).encode() + b"\n")
        except Exception as exc:  # fastexcel raises its own error types for unreadable content
            stdout.write(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
        else:
            stdout.write(json.dumps(answer).encode() + b"\n")
            size = 0 if batch is None else batch.nbytes
            if batch is not None:
                with pa.ipc.new_stream(pa.PythonFile(stdout, mode="w"), batch.schema) as writer:
                    writer.write_batch(batch)
            del batch
            if size > GIVE_BACK_BYTES:  # a small sheet's memory is reused by the next read as it is
                give_back_memory()
        stdout.flush()


class _Refused(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def _measure(source: str | bytes, request: dict[str, Any], scan: Any) -> dict[str, Any]:
    """The sheet's XML measured before it is read: its facts and head cells, or how far it reaches."""
    extent = scan.Extent(request["max_rows"], request["max_columns"])
    try:
        head, facts = scan.scan_sheet(source if isinstance(source, bytes) else Path(source), request["part"], extent)
    except scan.UNSAFE as exc:  # before BROKEN: defusedxml's refusals are ValueErrors
        raise _Refused("unsafe", f"{type(exc).__name__}: {exc}") from exc
    except scan.BROKEN as exc:
        raise _Refused("broken", f"{type(exc).__name__}: {exc}") from exc
    if facts.far:
        return {"ok": True, "far": facts.far}
    return {"ok": True, "head": head, "facts": scan.facts_data(facts)}


def _answer(reader: Any, request: dict[str, Any]) -> tuple[pa.RecordBatch | None, dict[str, Any]]:
    """What a request asks of the opened workbook (see the modes in the module's docstring)."""
    mode = request.get("mode", "xlsx")
    if mode == "list":
        sheets = [[name, reader.load_sheet(name, header_row=None, n_rows=0).visible] for name in reader.sheet_names]
        return None, {"ok": True, "sheets": sheets}
    if mode == "xlsx":
        return reader.load_sheet(request["sheet"], header_row=None, dtypes="string").to_arrow(), {"ok": True}
    sheet = reader.load_sheet(request["sheet"], header_row=None, dtypes="string", skip_rows=0)
    batch, failed = sheet.to_arrow_with_errors()  # an error cell (#N/A) is no string: it is named here
    columns = sheet.available_columns()
    errors = [[*e.position, e.detail] for e in (failed.errors[:MAX_ERROR_CELLS] if failed else [])]
    return batch, {"ok": True, "col0": columns[0].absolute_index + 1 if columns else 1, "errors": errors}


def give_back_memory() -> None:
    """Return what reading used to the system: an idle worker holds no sheet's worth of memory while
    the main process scores it, nor the main process the sheets it has parsed."""
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
