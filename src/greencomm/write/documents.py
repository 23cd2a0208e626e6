"""What the documents that leave the office share (docs/rules.md#documents): a Document (the plain
dict a template receives, its charts, warnings for the clerk), the lists in the programme's
district order, and rendering to .docx and .md. The 公示 is write/notice.py, the year's summary
write/summary.py; the numbers in both come from the same results as the shortlist, so the
documents and the lists can never disagree. Each .docx and .md is stamped (write/stamp.py) and
never written over a copy the clerk changed (docs/rules.md#nothing-lost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from greencomm.errors import UsageError
from greencomm.judge.results import Results
from greencomm.read.names import name_key
from greencomm.write.atomic import write_bytes
from greencomm.write.stamp import refuse_changed, stamp


@dataclass
class Document:
    """A rendered document's context, its charts (file name → PNG) and warnings for the clerk."""

    context: dict[str, Any]
    charts: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def final_only(results: Results, what: str) -> None:
    """A document of the titles is written from the lists after review only."""
    if not results.reviewed:
        raise UsageError(
            f"{what}需要现场评审后的名单：请加上 --reviews，或使用评审后生成的名单 / {what} needs --reviews"
        )


def in_district_order(ordered: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    """`ordered` (Results.ordered: by rank, ties by pinyin) in the programme's district order; a
    stable sort keeps the tie order within each district."""
    order = {name_key(d): n for n, d in enumerate(districts)}
    return ordered.assign(_d=ordered.district.map(lambda d: order.get(name_key(d or ""), len(order)))).sort_values(
        "_d", kind="mergesort"
    )


def list_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"seq": n, "district": r.district, "street": r.street, "community": r.community, "total": str(r.total)}
        for n, r in enumerate(frame.itertuples(index=False), start=1)
    ]


# ---------------------------------------------------------------- rendering
CHART_FOLDER = "图表"
CHART_NAMES = ("districts", "scores", "categories", "trend")


def render(document: Document, kind: str, stem: str, templates_dir: Path | None = None) -> dict[str, bytes]:
    """File name → content: `<stem>.docx`, `<stem>.md` (each stamped, greencomm.write.stamp) and the
    charts the Markdown links to."""
    from greencomm.write.jinja import render_docx, render_text

    links = {n: Markup(f"{CHART_FOLDER}/{stem}-{n}.png") if n in document.charts else "" for n in CHART_NAMES}
    files = {f"{CHART_FOLDER}/{stem}-{n}.png": png for n, png in document.charts.items()}
    blank = {n: "" for n in CHART_NAMES}
    files[f"{stem}.md"] = render_text(f"{kind}.md.j2", {**document.context, "charts": links}, templates_dir,
                                      markdown=True).encode("utf-8")  # fmt: skip
    files[f"{stem}.docx"] = render_docx(f"{kind}.docx", {**document.context, "charts": blank}, templates_dir,
                                        images=document.charts)  # fmt: skip
    return {name: stamp(name, data) for name, data in files.items()}


# What to do with changes made to a document in Word, by kind (docs/rules.md#nothing-lost).
KEEP_CHANGES = {
    "report": ("请把修改写进年度总结素材文件（--narrative 素材.md），每次运行都会并入",
               "put the changes into the narrative file (--narrative), which every run merges"),
}  # fmt: skip
KEEP_ELSEWHERE = (
    "请把改过的文件另存为其他文件名，或把改动做进自己的模板（--templates）",
    "save the changed file under another name, or make the change in your own templates (--templates)",
)


def write_document(
    document: Document,
    kind: str,
    stem: str,
    folder: Path,
    templates_dir: Path | None,
    inputs: list[Path],
    overwrite: bool = False,
) -> list[Path]:
    """The document's files written into `folder` (charts into its 图表/ folder); returns the .docx
    and .md written. Unless `overwrite`, a .docx or .md there that was changed since greencomm
    wrote it (or that greencomm did not write) stops the run before anything is written."""
    files = render(document, kind, stem, templates_dir)
    if not overwrite:
        refuse_changed((folder / name for name in files), KEEP_CHANGES.get(kind, KEEP_ELSEWHERE))
    for name, data in files.items():
        write_bytes(folder / name, data, inputs)
    return [folder / n for n in files if not n.startswith(CHART_FOLDER)]
