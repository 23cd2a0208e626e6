"""Stopping a render that runs too long or grows too large (docs/rules.md#untrusted-input): SIGALRM on
the main thread, and on Linux an address-space cap (RLIMIT_AS) for the length of the render; both
put back as they were found. Where neither exists (another thread, Windows) the other bounds of
greencomm.write.bounded still hold."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

_REPEAT_SECONDS = 0.5  # after the limit, the timer fires again until the render stops (see alarm)


class OutOfTime(BaseException):
    """Raised into a render that ran past its time. A BaseException, like KeyboardInterrupt, so that
    no `except Exception` in Jinja, docxtpl or a filter can swallow it."""


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """SIGALRM interrupts a render stuck in a loop that calls nothing (`{% for %}` in `{% for %}`
    with no output). Only the main thread may handle signals, and Windows has no SIGALRM: there the
    render is bounded by the other limits and the clock in the environment's hooks. The handler and
    timer found are put back (a timer that came due meanwhile fires at once). Past the limit the
    timer repeats, in case one interruption lands where Python can only print it (a __del__)."""
    if not hasattr(signal, "setitimer") or not _on_main_thread():
        yield
        return
    armed = [True]

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if armed[0]:
            raise OutOfTime

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, interrupt)
    due, every = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_SECONDS)
    try:
        yield
    finally:
        try:
            armed[0] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if due > 0:
                signal.setitimer(signal.ITIMER_REAL, max(due - (time.monotonic() - started), 0.001), every)


def _address_space() -> int | None:
    """Bytes of address space this process uses now (Linux: /proc/self/statm)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize()


@contextmanager
def memory_cap(headroom_mb: int) -> Iterator[None]:
    """RLIMIT_AS at what the process uses now plus the headroom, for the length of the render, so
    an allocation past it is a MemoryError instead of the machine swapping or the kernel killing
    greencomm. Linux only (macOS does not enforce it, Windows has none), and only on the main
    thread, since the limit holds for the whole process."""
    used = _address_space() if sys.platform.startswith("linux") and _on_main_thread() else None
    if used is None:
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + headroom_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    lowered = soft == resource.RLIM_INFINITY or soft > cap  # else already capped tighter
    if lowered:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ValueError, OSError):  # not lowered: the other limits still hold
            lowered = False
    try:
        yield
    finally:
        if lowered:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
