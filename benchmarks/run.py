"""National-scale benchmark: greencomm run as a user runs it — a fresh process, the whole command,
writing included — on years generated the way districts produce them, against the bare fastexcel
read of the same files in the same run. Not part of the tests (the machines are shared and noisy):
run it on purpose with `make bench`, which writes BENCHMARKS.md.

Two data shapes (benchmarks/make_year.py): values drawn per row, several producers each with its
habits (what a real year looks like), and the sample year's rows repeated (about 25 distinct values
a column: it measures the caches, kept as a second table). Each time is the median of `--repeat`
runs; memory is the peak of the resident sizes of all the command's processes summed (greencomm
and its reading processes), sampled every 10 ms, never less than the largest one's own peak.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

Cell = tuple[float, float]  # seconds, peak MB
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
BIN = Path(sys.executable).parent
GREENCOMM = [str(BIN / "greencomm")] if (BIN / "greencomm").exists() else [sys.executable, "-m", "greencomm"]

SIZES = [(1_000, 6), (10_000, 6), (100_000, 6), (10_000, 200)]  # communities, workbooks
COMMANDS = {
    "validate": ["validate", "{dir}", "-q", "-o", "{out}/校验结果"],
    "shortlist -o 名单.xlsx": ["shortlist", "{dir}", "-q", "-o", "{out}/名单.xlsx"],
    "shortlist --json -o 名单.xlsx": ["shortlist", "{dir}", "-q", "--json", "-o", "{out}/名单.xlsx"],
}
HEADLINE = "shortlist --json -o 名单.xlsx"
BARE = """
import glob, sys, time
import fastexcel
t = time.perf_counter()
for path in sorted(glob.glob(sys.argv[1] + "/*.xlsx")):
    fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string").to_arrow()
print(time.perf_counter() - t)
"""


# ---------------------------------------------------------------- measuring
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    try:  # statm's second field: resident pages (what status calls VmRSS), the cheapest to read
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _tree(pid: int) -> list[int]:
    """A process and all its descendants, now."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        with contextlib.suppress(OSError):  # the process ended meanwhile
            for tasks in Path(f"/proc/{p}/task").glob("*/children"):
                todo += [int(c) for c in tasks.read_text().split()]
    return found


TREE_EVERY = 10  # samples (10 ms apart) between two looks for the processes of a command


def run(command: list[str], stdout: Path | None = None) -> Cell:
    """Wall seconds and peak MB (all processes together) of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = [0]
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(stdout.open("wb")) if stdout else subprocess.DEVNULL
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:  # the processes looked for every tenth sample: a walk of /proc costs
            tree: list[int] = []  # a millisecond of the cores the command runs on, a read of each a tenth
            for n in itertools.count():
                if done.wait(0.01):
                    return
                tree = _tree(process.pid) if n % TREE_EVERY == 0 else tree
                peak[0] = max(peak[0], sum(_rss_kb(p) for p in tree))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    if code not in (0, 1):  # 1: the generated years hold data errors, as real ones do
        raise SystemExit(f"{' '.join(command)} exited {code}")
    own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak[0], own if own > before else 0) / 1024


def median_of(repeat: int, measure: Callable[[], Cell]) -> Cell:
    runs = [measure() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def bare_read(folder: Path) -> Cell:
    """The bare fastexcel read of every workbook, one after another, timed inside the process."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        _, peak = run([sys.executable, "-c", BARE, str(folder)], Path(out.name))
        return float(Path(out.name).read_text()), peak


Ratio = tuple[float, float, float]  # the median of the pairs' ratios, the lowest, the highest


def paired(first: Callable[[], Cell], second: Callable[[], Cell], repeat: int) -> tuple[Cell, Cell, Ratio]:
    """Two measures taken in turns, `repeat` times: the median and peak of each, and the median of
    their ratios (second ÷ first, pair by pair), which a change in the shared machine's speed
    between one run and the next leaves alone, with the lowest and highest ratio (how much it
    changed within a pair)."""
    pairs = [(first(), second()) for _ in range(repeat)]
    cells = [(statistics.median(p[k][0] for p in pairs), max(p[k][1] for p in pairs)) for k in (0, 1)]
    ratios = [b[0] / a[0] for a, b in pairs]
    return cells[0], cells[1], (statistics.median(ratios), min(ratios), max(ratios))


def dataset(rows: int, files: int, repeated: bool) -> Path:
    folder = DATA / f"{'repeated' if repeated else f'per-row-v{DATA_VERSION}'}-{rows}x{files}"
    if not folder.exists():
        work = folder.with_name(folder.name + ".part")
        shutil.rmtree(work, ignore_errors=True)
        flag = ["--repeated"] if repeated else []
        subprocess.run([sys.executable, str(HERE / "make_year.py"), str(rows), str(files), str(work), *flag],
                       check=True, capture_output=True)  # fmt: skip
        work.rename(folder)
    return folder


DATA_VERSION = 3  # of make_year.py's per-row years: a new version makes the data again (2: names drawn per row;
# 3: a community's values go together, so most pass and the lists are full, as in a real year)
Results = dict[tuple[int, int], dict[str, Cell]]
RATIO = "ratio"  # in a size's cells: (the headline ÷ the bare read, pair by pair; 0)
RANGE = "ratio range"  # and the lowest and highest of the pairs' ratios


def _headline(folder: Path, out: str) -> Callable[[], Cell]:
    args = COMMANDS[HEADLINE]
    command = [*GREENCOMM, *(a.format(dir=folder, out=out) for a in args)]
    return functools.partial(run, command, Path(out) / "名单.json")


def shape(repeated: bool, sizes: list[tuple[int, int]], repeat: int, pairs: int) -> Results:
    table: Results = {}
    for rows, files in sizes:
        folder = dataset(rows, files, repeated)
        cells: dict[str, Cell] = {"bare fastexcel read": (0.0, 0.0)}  # first in the table, measured with the headline
        with tempfile.TemporaryDirectory(prefix="greencomm-bench-") as out:
            for name, args in COMMANDS.items():
                if name == HEADLINE:  # in turns with the bare read: their ratio is what the target is about
                    bare, cells[name], ratio = paired(functools.partial(bare_read, folder), _headline(folder, out),
                                                      pairs)  # fmt: skip
                    cells["bare fastexcel read"], cells[RATIO] = bare, (ratio[0], 0.0)
                    cells[RANGE] = (ratio[1], ratio[2])
                    continue
                command = [*GREENCOMM, *(a.format(dir=folder, out=out) for a in args)]
                times = 1 if name == "validate" else repeat  # validate annotates every workbook: once is enough
                cells[name] = median_of(times, functools.partial(run, command, None))
        table[(rows, files)] = cells
        label = "repeated" if repeated else "per-row"
        print(f"{label:>8} {rows:>7} × {files:<3} " + "  ".join(f"{k}: {v[0]:.2f} s {v[1]:.0f} MB"
                                                             for k, v in cells.items()), flush=True)  # fmt: skip
    return table


def many_files(pairs: int) -> Ratio:
    """10,000 communities as 200 workbooks ÷ as 6, the headline run in turns, pair by pair."""
    few, many = dataset(10_000, 6, False), dataset(10_000, 200, False)
    with tempfile.TemporaryDirectory(prefix="greencomm-bench-") as out:
        _, _, ratio = paired(_headline(few, out), _headline(many, out), pairs)
    print(f"200 files ÷ 6 files: {ratio[0]:.2f} ({ratio[1]:.2f}–{ratio[2]:.2f})", flush=True)
    return ratio


def startup(repeat: int = 5) -> dict[str, float]:
    return {
        " ".join(args): statistics.median(run([*GREENCOMM, *args])[0] for _ in range(repeat))
        for args in (["--version"], ["--help"], ["rubric"])
    }


def documents(repeat: int) -> dict[str, Cell]:
    """publicize and report on the sample year after review, as the clerk runs them."""
    sample = ROOT / "sample_data"
    with tempfile.TemporaryDirectory(prefix="greencomm-bench-docs-") as tmp:
        lists = Path(tmp) / "名单.xlsx"
        year = ["--year", "2026", "-q", "--overwrite"]
        inputs = [str(sample / "submissions"), "--reviews", str(sample / "reviews"), "--register"]
        run([*GREENCOMM, "shortlist", *inputs, str(sample / "register.xlsx"), *year[:3], "-o", str(lists)])
        notice = [*GREENCOMM, "publicize", str(lists), "--start", "2026-12-01", "-o", f"{tmp}/公示", *year]
        narrative = str(sample / "年度总结素材.md")
        report = [*GREENCOMM, "report", str(lists), "--narrative", narrative, "-o", f"{tmp}/总结", *year]
        return {
            "publicize (.docx + .md)": median_of(repeat, lambda: run(notice)),
            "report (.docx + .md + charts)": median_of(repeat, lambda: run(report)),
        }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


# ---------------------------------------------------------------- the report
def _ranged(ratio: Ratio) -> str:
    return f"**{ratio[0]:.2f}** ({ratio[1]:.2f}–{ratio[2]:.2f})"


def _table(title: str, results: Results, pairs: int, files_ratio: Ratio | None = None) -> list[str]:
    sizes = list(results)
    head = [f"{rows:,} in {files} files" for rows, files in sizes]
    lines = [f"### {title}", "", "| command | " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(sizes)]
    for name in (n for n in results[sizes[0]] if n not in (RATIO, RANGE)):
        lines.append(f"| {name} | " + " | ".join(f"{results[s][name][0]:.2f} s · {results[s][name][1]:.0f} MB"
                                                 for s in sizes) + " |")  # fmt: skip
    ratio = {s: (results[s][RATIO][0], *results[s][RANGE]) for s in sizes}
    per_k = {s: results[s][HEADLINE][0] / s[0] * 1000 for s in sizes}
    lines += [
        f"| **{HEADLINE} ÷ bare read** (target ≤ 2 at 100,000; the pairs' lowest–highest) | "
        + " | ".join(_ranged(ratio[s]) for s in sizes) + " |",
        f"| {HEADLINE}: seconds per 1,000 communities (linear if flat or falling) | "
        + " | ".join(f"{per_k[s]:.2f}" for s in sizes) + " |",
    ]  # fmt: skip
    if files_ratio is not None:
        lines += ["", f"10,000 communities as 200 workbooks ÷ as 6 workbooks ({HEADLINE}, run in turns, the median "
                  f"of {pairs} pairs' ratios, their lowest–highest): {_ranged(files_ratio)} "
                  "(target ≤ 1.25)"]  # fmt: skip
    return [*lines, ""]


def render(
    per_row: Results, repeated: Results, files_ratio: Ratio | None, starts: dict[str, float], docs: dict[str, Cell],
    repeat: int, pairs: int,
) -> str:  # fmt: skip
    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (benchmarks/run.py) on {machine()}.",
        "",
        "Each command runs as a user runs it: `greencomm …` in a fresh process, its outputs written",
        f"(`--json` to a file). Times are the median of {repeat} runs ({pairs} for the headline, run in",
        "turns with the bare read; validate, which writes an",
        "annotated copy of every workbook, runs once); memory is the peak of all the",
        "command's processes together (greencomm and the processes it reads sheets in), sampled every",
        "10 ms. The bare read is fastexcel loading every sheet of the same files one after another,",
        "timed inside its process: the floor any reader of these files pays. The machine is shared:",
        "compare ratios within one run, not seconds across runs. The ratios are taken pair by pair",
        "(the bare read and the headline command run in turns, as are the 6 and the 200 workbooks), so",
        "that the machine speeding up or slowing down between runs does not move them.",
        "",
        "District workbooks of 50 columns (benchmarks/make_year.py). **Per row**: values drawn for each",
        "community (its name and contact, percentages with up to two decimals, counts, populations,",
        "dates), five producers",
        'each with its habits (85.34%, 0.8534, "85.34", full-width digits, 是/√/Y, 2021年); a community\'s',
        "values go together (its standing in the creation work), so about two thirds pass, the lists are",
        "full and a third is 未通过 with its reasons — what a real year looks like. **Repeated**: the",
        "sample year's rows repeated with unique names, about 25",
        "distinct values a column — what the caches make cheap.",
        "",
        *_table("Values drawn per row", per_row, pairs, files_ratio),
        *_table("The sample year's rows repeated", repeated, pairs),
        "### Start-up (median of 5)",
        "",
        "| command | seconds |",
        "| --- | ---: |",
        *[f"| greencomm {name} | {seconds:.2f} |" for name, seconds in starts.items()],
        "",
        "### Documents, the sample year after review (121 communities)",
        "",
        "| command | seconds | peak |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {v[0]:.2f} | {v[1]:.0f} MB |" for name, v in docs.items()],
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    # 5 pairs left the 200 ÷ 6 median anywhere from 1.14 to 1.38 in two runs minutes apart on a shared machine
    parser.add_argument("--pairs", type=int, default=9, help="runs in turns behind each ratio (the noisiest figures)")
    parser.add_argument("--largest", type=int, default=100_000, help="leave out sizes above this (a quick run)")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    sizes = [s for s in SIZES if s[0] <= args.largest]
    starts = startup()
    print(" ".join(f"{k}: {v:.2f} s" for k, v in starts.items()), flush=True)
    per_row = shape(False, sizes, args.repeat, args.pairs)
    files_ratio = many_files(args.pairs) if {(10_000, 6), (10_000, 200)} <= set(sizes) else None
    repeated = shape(True, [s for s in sizes if s[1] == 6], args.repeat, args.pairs)
    docs = documents(args.repeat)
    args.out.write_text(render(per_row, repeated, files_ratio, starts, docs, args.repeat, args.pairs), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
