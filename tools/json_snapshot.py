#!/usr/bin/env python3
"""The `--json` output of every command on the sample year, to show that a change of structure
changed no result.

    python tools/json_snapshot.py OUT_DIR                 # write this tree's outputs into OUT_DIR
    python tools/json_snapshot.py OUT_DIR --against REF   # and compare them with git REF's

Documents are compared laid out one way (indent 1): every key, value and order, not the spacing.

`--against` checks REF out into a temporary git worktree and runs its code (PYTHONPATH=<worktree>/src)
on this tree's sample_data/, so both sides read the same inputs. Each case records the exit code
and stdout; exits 1 when any case differs and names it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data"
YEAR = ["--year", "2026"]


def cases(work: Path) -> dict[str, list[str]]:
    sub, rev, reg, flawed = (str(DATA / n) for n in ("submissions", "reviews", "register.xlsx", "flawed"))
    after = [sub, "--reviews", rev, "--register", reg]
    scored = str(work / "评分结果.xlsx")
    return {
        "rubric": ["rubric", "--json"],
        "validate": ["validate", *after, "-o", "校验结果", "--json"],
        "validate-en": ["validate", *after, "-o", "校验结果-en", "--json", "--lang", "en"],
        "validate-flawed": ["validate", flawed, "-o", "校验结果-flawed", "--json"],
        "score-before-review": ["score", sub, "-o", "评审前.xlsx", "--json"],
        "score": ["score", *after, "-o", scored, "--json"],
        "score-en": ["score", *after, "-o", "评分-en.xlsx", "--json", "--lang", "en"],
        "score-flawed": ["score", flawed, "-o", "评分-flawed.xlsx", "--json"],
        "rank": ["rank", *after, "-o", "排名.xlsx", "--json"],
        "rank-from-scored": ["rank", scored, "-o", "排名2.xlsx", "--json"],
        "shortlist-before-review": ["shortlist", sub, "-o", "推荐.xlsx", "--json"],
        "shortlist": ["shortlist", *after, "-o", "名单.xlsx", "--json"],
        "shortlist-from-scored": ["shortlist", scored, "-o", "名单2.xlsx", "--json"],
    }


def run_all(src: Path, out: Path) -> None:
    """Every case with the package in `src`, in a fresh working folder, in order (some read what
    an earlier one wrote)."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src), "GREENCOMM_LANG": "zh", "LC_ALL": "C.UTF-8"}
    with tempfile.TemporaryDirectory(prefix="greencomm-snapshot-") as tmp:
        work = Path(tmp)
        for name, args in cases(work).items():
            done = subprocess.run(
                [sys.executable, "-m", "greencomm", *args[:1], *args[1:], *([] if name == "rubric" else YEAR)],
                cwd=work,
                env=env,
                capture_output=True,
            )
            (out / f"{name}.json").write_bytes(f"exit {done.returncode}\n".encode() + _laid_out(done.stdout))


def _laid_out(stdout: bytes) -> bytes:
    """The document laid out one way (indent 1), so a change of layout alone (the streamed
    `--json` writes a community a line) is no difference; what is not JSON is kept as it is."""
    try:
        document = json.loads(stdout)
    except ValueError:
        return stdout
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def compare(before: Path, after: Path) -> list[str]:
    differ = []
    for left in sorted(before.glob("*.json")):
        right = after / left.name
        if not right.exists() or left.read_bytes() != right.read_bytes():
            differ.append(left.name)
            old = left.read_text(encoding="utf-8").splitlines()
            new = right.read_text(encoding="utf-8").splitlines() if right.exists() else []
            diff = list(difflib.unified_diff(old, new, f"{left.name} (before)", f"{left.name} (after)", lineterm=""))
            print("\n".join(diff[:40]), file=sys.stderr)
    return differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for this tree's outputs")
    parser.add_argument("--against", metavar="REF", help="a git commit to compare with")
    args = parser.parse_args()
    run_all(ROOT / "src", args.out)
    if not args.against:
        print(f"{len(list(args.out.glob('*.json')))} outputs written to {args.out}")
        return 0
    tree = Path(tempfile.mkdtemp(prefix="greencomm-ref-"))
    try:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.against],
                       check=True, capture_output=True)  # fmt: skip
        theirs = args.out.with_name(args.out.name + f"-{args.against}")
        shutil.rmtree(theirs, ignore_errors=True)
        run_all(tree / "src", theirs)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(tree, ignore_errors=True)
    differ = compare(theirs, args.out)
    total = len(list(theirs.glob("*.json")))
    if differ:
        print(f"{len(differ)} of {total} outputs differ from {args.against}: {', '.join(differ)}")
        return 1
    print(f"all {total} outputs are identical to {args.against}'s (keys, values, order)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
