"""The benchmark's measure of a command (benchmarks/run.py): its wall time, and the peak memory of
all its processes together — a child started late, after the first looks for the processes,
counted with its parent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ALLOCATE = "import time; held = bytearray({mb} << 20); held[::4096] = b'x' * len(held[::4096]); time.sleep({s})"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_peak_counts_a_process_and_the_children_it_starts_late() -> None:
    bench = _bench()
    alone = bench.run([sys.executable, "-c", ALLOCATE.format(mb=150, s=0.6)])
    assert 150 <= alone[1] < 260 and alone[0] >= 0.6
    child = ALLOCATE.format(mb=200, s=0.8)
    parent = (
        "import subprocess, sys, time\n"
        + ALLOCATE.format(mb=100, s=0.35)  # the child comes after several looks for the processes
        + f"\nsubprocess.run([sys.executable, '-c', {child!r}], check=True)\n"
    )
    together = bench.run([sys.executable, "-c", parent])
    assert together[1] >= 300  # 100 MB in the parent while its child holds 200 MB
