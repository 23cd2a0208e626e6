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
workbook so a second sheet reuses the opened reader), answered by a JSON line (`ok`, or `error`;
`bytes`, the size of the sheet that follows) followed, when ok, by the sheet as an Arrow IPC stream
of that many bytes, which the parent reads in one go.

A request's `mode` says what is wanted: `xlsx` (the default) the sheet from its first valued row,
the answer naming that row (`row0`) and the sheet's first column (`col0`) — when the request names
the sheet's XML `part` and the limits, the worker first measures that XML (greencomm.read.scan) and
answers its `facts`, or `far` and no sheet when it reaches beyond the limits, or `unsafe`/`broken`
for XML it cannot trust or parse; `whole` (.xls, .xlsb,
.ods, which have no XML to measure) the sheet from row 1, the answer naming its first column
(`col0`) and its Excel error cells (`errors`); `list` no sheet, the answer naming the sheets and
whether each is visible.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

import pyarrow as pa

from greencomm.errors import ReadFailed

if sys.platform != "win32":
    import fcntl

Scan = tuple[str, Any]  # a sheet's XML part and its bounds (greencomm.read.scan.Extent): measure it first


@dataclass(frozen=True)
class Caps:
    max_read_mb: int = 2048
    max_read_seconds: int = 120

    @classmethod
    def of(cls, limits: Any) -> Caps:
        """The caps `[limits]` of the settings set (greencomm.programme.settings.Limits)."""
        return cls(limits.max_read_mb, limits.max_read_seconds)


# ---------------------------------------------------------------- the parent's side
class _Watchdog:
    """Stops a worker whose read runs past its time: one thread for every read, looking at the
    reads under way a few times a second (a thread of its own for each read would cost a start
    and a hand-over of Python's lock, per file, in a folder of hundreds)."""

    TICK = 0.2  # seconds between looks: the limit is kept within this

    def __init__(self) -> None:
        self._due: dict[_Worker, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, worker: _Worker, seconds: float) -> None:
        with self._lock:
            self._due[worker] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="greencomm-read-watchdog", daemon=True)
                self._thread.start()

    def done(self, worker: _Worker) -> None:
        with self._lock:
            self._due.pop(worker, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                overdue = [w for w, due in self._due.items() if due <= now]
                for worker in overdue:
                    del self._due[worker]
                    worker.timed_out = True
                    worker.process.kill()


_WATCHDOG = _Watchdog()
PIPE_BYTES = 1 << 20  # the answer's pipe, as large as Linux allows by default: a sheet crosses in few reads


@dataclass(eq=False)
class Request:
    """A sheet asked of a worker: from the file (a path) or from a decrypted workbook's bytes, and
    what `mode` asks besides (see the module's docstring). `key` names it among requests sent ahead."""

    source: Path | bytes
    sheet: str
    token: str
    caps: Caps = field(default_factory=Caps)
    mode: str = "xlsx"
    kind: str = ""
    scan: Scan | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.token, self.sheet, self.mode

    @functools.cached_property
    def weight(self) -> int:
        """The workbook's size in bytes: about how long a worker takes over it."""
        if isinstance(self.source, bytes):
            return len(self.source)
        try:
            return self.source.stat().st_size
        except OSError:  # gone meanwhile: the worker says so
            return 0

    def encoded(self) -> bytes:
        payload = self.source if isinstance(self.source, bytes) else b""
        request: dict[str, Any] = {"sheet": self.sheet, "token": self.token, "size": len(payload), "mode": self.mode,
                                   "kind": self.kind}  # fmt: skip
        if isinstance(self.source, Path):  # the worker's folder may be another: absolute, as the kernel finds it
            request["path"] = str(self.source.absolute())
        if self.scan is not None:
            request |= {
                "part": self.scan[0],
                "max_rows": self.scan[1].max_rows,
                "max_columns": self.scan[1].max_columns,
            }
        return json.dumps(request).encode() + b"\n" + payload


class _Worker:
    def __init__(self, caps: Caps, command: list[str] | None = None) -> None:
        self.caps = caps
        self.timed_out = False
        self.in_flight = 0  # requests sent, not yet answered: the worker takes them in turn
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
        if sys.platform != "win32" and hasattr(fcntl, "F_SETPIPE_SZ") and self.process.stdout is not None:
            with contextlib.suppress(OSError):
                fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)

    def read(
        self, source: Path | bytes, sheet: str, token: str, mode: str = "xlsx", kind: str = "", scan: Scan | None = None
    ) -> Answer:
        """The sheet, and what `mode` asks besides (see the module's docstring)."""
        self.send(Request(source, sheet, token, self.caps, mode, kind, scan))
        return self.receive()

    def send(self, request: Request) -> None:
        """Ask for a sheet; the answer is `receive`d in the order asked. A worker busy with one
        request already holds the next, so it never waits for the parent between two sheets."""
        if not self.in_flight:  # the time limit runs for the request the worker is on
            _WATCHDOG.watch(self, self.caps.max_read_seconds)
        self.in_flight += 1
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # a broken pipe: the worker is gone, as `receive` finds
            stdin.write(request.encoded())
            stdin.flush()

    def receive(self) -> Answer:
        """The answer to the oldest request sent. Raises ReadFailed; a worker that failed is stopped."""
        stdout = self.process.stdout
        assert stdout is not None
        answer, table = None, None
        try:
            answer = json.loads(stdout.readline() or b"null")
            if answer and answer["ok"]:  # the sheet follows as an Arrow IPC stream of the size said
                stream = stdout.read(answer["bytes"]) if answer.get("bytes") else b""
                if len(stream) < answer.get("bytes", 0):
                    raise ValueError("the sheet ends early")
                table = pa.ipc.open_stream(stream).read_all() if stream else pa.table({})
        except (OSError, ValueError, pa.ArrowInvalid):  # a broken pipe or a cut stream: the worker is gone
            answer = None
        finally:
            self.in_flight -= 1
            _WATCHDOG.done(self)
            if self.in_flight and answer is not None:  # on to the next: its time starts now
                _WATCHDOG.watch(self, self.caps.max_read_seconds)
        if answer is None:
            self.stop()
            if self.timed_out:
                raise ReadFailed("time", f"{self.caps.max_read_seconds} s")
            said = self._said()
            out_of_memory = "memory allocation" in said or "MemoryError" in said or self.process.returncode == -9
            raise ReadFailed("memory" if out_of_memory else "crash", said)
        if table is None:
            raise ReadFailed(answer.get("kind", "reader"), answer["error"])
        return Answer(table, answer)

    def _said(self) -> str:
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return next((line for line in lines if "memory allocation" in line), lines[-1] if lines else "")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def leave(self) -> None:
        """Tell the worker to end (its input ends), without waiting for it to."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()

    def stop(self) -> None:
        self.leave()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Answer(NamedTuple):
    """A sheet as the worker read it (empty when the request asked for none), and what it said
    besides: the sheet's facts and where it starts, its sheets' names, its error cells."""

    table: pa.Table
    said: dict[str, Any]

    def columns(self) -> list[pa.Array]:
        """The sheet's columns as arrays of text."""
        batches = self.table.to_batches()  # one, as the worker sends it: no column joined from pieces
        columns = batches[0].columns if len(batches) == 1 else [c.combine_chunks() for c in self.table.columns]
        return [c if pa.types.is_string(c.type) else c.cast(pa.string()) for c in columns]


class _Pool:
    """Idle workers, one per reading thread at a time; a dead one is replaced."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lent: weakref.WeakSet[_Worker] = weakref.WeakSet()  # acquired, not yet released
        self._leaving: list[_Worker] = []  # told to end, not yet waited for
        self._lock = threading.Lock()
        atexit.register(self.shutdown)

    def acquire(self, caps: Caps) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive and worker.caps == caps:
                    self._lent.add(worker)
                    return worker
                worker.stop()
        worker = _Worker(caps)
        with self._lock:
            self._lent.add(worker)
        return worker

    def warm(self, caps: Caps, count: int = 1) -> None:
        """Start workers now, so they have imported their reader by the time the first sheet is
        asked for — as many as make `count` of these caps, idle or reading."""
        with self._lock:
            have = sum(1 for w in [*self._idle, *self._lent] if w.caps == caps and w.alive)
        for _ in range(count - have):
            with contextlib.suppress(ReadFailed):  # the read itself will say so
                self.release(_Worker(caps))

    def release(self, worker: _Worker) -> None:
        with self._lock:
            self._lent.discard(worker)
            if worker.alive:
                self._idle.append(worker)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the idle workers: all told at once to end, so they end side by side (each takes a
        tenth of a second to hand its memory back); waited for now, or (`wait=False`) when the
        next shutdown waits — at the latest when greencomm exits."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._leaving += idle
        for worker in idle:
            worker.leave()
        if wait:
            with self._lock:
                leaving, self._leaving = self._leaving, []
            for worker in leaving:
                worker.stop()


POOL = _Pool()


def read(request: Request) -> Answer:
    """A sheet and what the worker said besides: the answer to a request sent ahead when it was
    (`reading_ahead`), else from an idle worker (started when none is) in the calling thread.
    Raises ReadFailed; a worker that failed is not reused."""
    with _AHEAD_LOCK:
        slot = _AHEAD.pop(request.key, None)
    if slot is not None:
        return slot.result()
    worker = POOL.acquire(request.caps)
    worker.send(request)
    answer = worker.receive()
    POOL.release(worker)
    return answer


def read_sheet(source: Path | bytes, sheet: str, token: str, caps: Caps) -> pa.Table:
    return read(Request(source, sheet, token, caps)).table


class _Slot:
    """Where the answer to a request sent ahead waits for `read` to take it."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._answer: Answer | ReadFailed | None = None

    def fill(self, answer: Answer | ReadFailed) -> None:
        self._answer = answer
        self._done.set()

    def result(self) -> Answer:
        self._done.wait()
        if isinstance(self._answer, ReadFailed):
            raise self._answer
        assert self._answer is not None
        return self._answer


_AHEAD: dict[tuple[str, str, str], _Slot] = {}
_AHEAD_LOCK = threading.Lock()
AHEAD = 2  # requests a worker holds at a time, at least: the one it reads, and the next
# and more while what it holds is small: a small workbook takes a worker less time than its answer
# takes the parent's serving thread to take in, beside the parent's own work (a folder of 200)
AHEAD_BYTES = 1 << 20
AHEAD_MAX = 16


@contextlib.contextmanager
def reading_ahead(requests: Sequence[Request], workers: int) -> Iterator[None]:
    """Send `requests` to `workers` workers now, each holding the next request while it reads one,
    so that it never waits for the parent between two sheets; `read` takes each answer when it is
    asked for. Requests not yet sent when the block ends are dropped, answers not taken are let go."""
    with asking_ahead(workers) as ahead:
        for request in requests:
            ahead.ask(request)
        ahead.close()
        yield


class Asking:
    """Requests sent ahead as they are made (`asking_ahead`): each `ask`ed one goes to the next
    worker free to hold it; `close` says that no more will come."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.queue: deque[Request] = deque()
        self.closed = False
        self.more = threading.Condition()  # a request asked, or no more to come
        self.slots: dict[tuple[str, str, str], _Slot] = {}
        self.threads: list[threading.Thread] = []

    def ask(self, request: Request) -> None:
        slot = self.slots[request.key] = _Slot()
        with _AHEAD_LOCK:
            _AHEAD[request.key] = slot
        with self.more:
            self.queue.append(request)
            self.more.notify()
        serving = [t for t in self.threads if t.is_alive()]  # one ended only by failing: its requests failed too
        if len(serving) < min(self.workers, len(self.slots)):  # a thread for each worker, as requests come
            thread = threading.Thread(target=_serve_ahead, args=(self,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def close(self, drop: bool = False) -> None:
        """No more requests; `drop`: nor those not yet sent."""
        with self.more:
            self.closed = True
            if drop:
                self.queue.clear()
            self.more.notify_all()


@contextlib.contextmanager
def asking_ahead(workers: int) -> Iterator[Asking]:
    """Requests sent ahead to `workers` workers as they are asked (see `reading_ahead`), while the
    caller goes on finding the next — a folder's workbooks asked for as they are listed."""
    ahead = Asking(workers)
    try:
        yield ahead
    finally:
        ahead.close(drop=True)
        for thread in ahead.threads:
            thread.join()
        with _AHEAD_LOCK:
            for key, slot in ahead.slots.items():
                if _AHEAD.get(key) is slot:
                    del _AHEAD[key]


def _serve_ahead(ahead: Asking) -> None:
    """One worker's share of the requests sent ahead: up to AHEAD at a time, the answers in turn,
    until no more are to come. When the worker dies with the oldest request, the others it held go
    back to the queue."""
    queue, slots = ahead.queue, ahead.slots
    worker: _Worker | None = None
    sent: deque[Request] = deque()
    held = 0  # bytes of the workbooks sent, not yet answered
    try:
        while True:
            while len(sent) < AHEAD_MAX:
                with ahead.more:  # a decrypted workbook's bytes go to an idle worker only: they fill the pipe
                    while not queue and not sent and not ahead.closed:
                        ahead.more.wait()
                    if not queue or (sent and isinstance(queue[0].source, bytes)):
                        break
                    if len(sent) >= AHEAD and held + queue[0].weight > AHEAD_BYTES:
                        break
                    request = queue.popleft()
                if worker is None or worker.caps != request.caps:
                    if worker is not None:
                        POOL.release(worker)
                    try:
                        worker = POOL.acquire(request.caps)
                    except ReadFailed as exc:
                        slots[request.key].fill(exc)
                        worker = None
                        continue
                worker.send(request)
                sent.append(request)
                held += request.weight
            if not sent or worker is None:
                return
            head = sent.popleft()
            held -= head.weight
            try:
                answer: Answer | ReadFailed = worker.receive()
            except ReadFailed as exc:
                answer = exc
            slots[head.key].fill(answer)
            if not worker.alive:  # it went with `head`: what else it held is asked again of another
                with ahead.more:
                    queue.extendleft(reversed(sent))
                    ahead.more.notify_all()
                sent.clear()
                held, worker = 0, None
    except BaseException as exc:  # never leave `read` waiting: what this thread held, and what is left
        with ahead.more:
            left = [*sent, *queue]
            queue.clear()
        for request in left:
            slots[request.key].fill(ReadFailed("crash", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        if worker is not None:
            POOL.release(worker)


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
            size = 0 if batch is None else batch.nbytes
            stream = _ipc(batch) if batch is not None else None
            del batch
            answer["bytes"] = 0 if stream is None else stream.size
            stdout.write(json.dumps(answer).encode() + b"\n")
            if stream is not None:
                stdout.write(memoryview(stream))
            del stream
            if size > GIVE_BACK_BYTES:  # a small sheet's memory is reused by the next read as it is
                give_back_memory()
        stdout.flush()


def _ipc(batch: pa.RecordBatch) -> pa.Buffer:
    """A sheet as an Arrow IPC stream, whole: its size goes first, so the parent reads it in one go."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


class _Refused(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def _measure(source: str | bytes, request: dict[str, Any], scan: Any) -> dict[str, Any]:
    """The sheet's XML measured before it is read: its facts, or how far it reaches."""
    extent = scan.Extent(request["max_rows"], request["max_columns"])
    try:
        facts = scan.scan_sheet(source if isinstance(source, bytes) else Path(source), request["part"], extent)
    except scan.UNSAFE as exc:  # before BROKEN: defusedxml's refusals are ValueErrors
        raise _Refused("unsafe", f"{type(exc).__name__}: {exc}") from exc
    except scan.BROKEN as exc:
        raise _Refused("broken", f"{type(exc).__name__}: {exc}") from exc
    if facts.far:
        return {"ok": True, "far": facts.far}
    return {"ok": True, "facts": scan.facts_data(facts)}


def _answer(reader: Any, request: dict[str, Any]) -> tuple[pa.RecordBatch | None, dict[str, Any]]:
    """What a request asks of the opened workbook (see the modes in the module's docstring)."""
    mode = request.get("mode", "xlsx")
    if mode == "list":
        sheets = [[name, reader.load_sheet(name, header_row=None, n_rows=0).visible] for name in reader.sheet_names]
        return None, {"ok": True, "sheets": sheets}
    sheet = reader.load_sheet(request["sheet"], header_row=None, dtypes="string", skip_rows=0)  # from row 1
    columns = sheet.available_columns()
    col0 = columns[0].absolute_index + 1 if columns else 1  # the reader starts at the first valued column
    if mode == "xlsx":
        batch = sheet.to_arrow()
        top = _first_valued_row(batch)
        return batch.slice(top), {"ok": True, "row0": top + 1, "col0": col0}
    batch, failed = sheet.to_arrow_with_errors()  # an error cell (#N/A) is no string: it is named here
    errors = [[*e.position, e.detail] for e in (failed.errors[:MAX_ERROR_CELLS] if failed else [])]
    return batch, {"ok": True, "col0": col0, "errors": errors}


def _first_valued_row(batch: pa.RecordBatch) -> int:
    """The index of the first row holding a value (the reader lays a sheet out from row 1, so the
    rows above its first value are blank): row 0 mostly, else found by doubling then halving — a
    few slices whatever the number of blank rows, and no compute kernel (the reading process does
    without pyarrow.compute)."""

    def blank(rows: int) -> bool:  # the first `rows` rows hold nothing
        return all(column.null_count == rows for column in batch.slice(0, rows).columns)

    if not batch.num_rows or not blank(1):
        return 0
    low, high = 1, 2  # blank(low) holds; the answer lies in [low, high]
    while high < batch.num_rows and blank(high):
        low, high = high, 2 * high
    high = min(high, batch.num_rows)
    while low < high:  # the largest count of rows all blank
        middle = (low + high + 1) // 2
        low, high = (middle, high) if blank(middle) else (low, middle - 1)
    return low


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
