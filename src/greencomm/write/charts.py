"""Charts for the year's summary (PNG), with Chinese labels that render: a CJK font is looked for
on the system, and when none is found the report says how to install one and goes on without
charts."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
    "STHeiti", "SimSun", "Noto Sans CJK JP",
)  # fmt: skip
INSTALL_HINT = (
    "找不到中文字体，图表已略去。请安装一种中文字体后重新运行：Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`；"
    "Windows 自带“微软雅黑/黑体”；macOS 自带“苹方”。"
    " / no CJK font found, charts left out: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk)."
)
COLOURS = ("#2E7D32", "#81C784", "#FFB74D", "#E57373", "#64B5F6")
DPI = 150


@cache
def cjk_font() -> str | None:
    """The first CJK font family matplotlib can use, or None. Matplotlib keeps a cache of the
    system's fonts made the first time it ran; a font installed since (as the install hint asks)
    is not in it, so the system's font folders are looked through once more before giving up."""
    from matplotlib import font_manager

    found = _first_cjk(font_manager.fontManager)
    if found is None:
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known and _may_be_cjk(path):
                with contextlib.suppress(Exception):  # a damaged font file is one font fewer
                    font_manager.fontManager.addfont(path)
        found = _first_cjk(font_manager.fontManager)
    return found


def _first_cjk(manager: Any) -> str | None:
    available = {f.name for f in manager.ttflist}
    return next((family for family in CJK_FAMILIES if family in available), None)


def _may_be_cjk(path: str) -> bool:
    """Font files whose names say CJK (Noto CJK, Source Han, WenQuanYi, SimHei, YaHei, PingFang…)."""
    name = Path(path).name.lower()
    return any(word in name for word in ("cjk", "sourcehan", "wqy", "wenquan", "simhei", "simsun", "msyh", "yahei",
                                         "pingfang", "heiti", "stheit", "droidsansfallback", "notosanssc"))  # fmt: skip


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def _figure(title: str) -> tuple[object, object]:
    """A figure drawn to a PNG in memory, never to a screen: matplotlib's Figure and its Agg canvas,
    without pyplot (its import, a tenth of a second more, and its global figures)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = cjk_font()
    matplotlib.rcParams["font.family"] = [family] if family else ["sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(7.2, 3.8), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_title(title, fontsize=13)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig: object) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(buffer, format="png")  # type: ignore[attr-defined]
    return buffer.getvalue()


def bars(title: str, labels: Sequence[str], series: Sequence[Series], ylabel: str, stacked: bool = False,
         percent: bool = False) -> bytes:  # fmt: skip
    """Grouped (or stacked) bars with their values written on them."""
    fig, ax = _figure(title)
    n = len(series)
    width = 0.8 if stacked else 0.8 / max(n, 1)
    positions = list(range(len(labels)))
    bottom = [0.0] * len(labels)
    for k, s in enumerate(series):
        xs = positions if stacked else [x - 0.4 + width * (k + 0.5) for x in positions]
        drawn = ax.bar(xs, s.values, width, label=s.label, color=COLOURS[k % len(COLOURS)],  # type: ignore[attr-defined]
                       bottom=bottom if stacked else None)  # fmt: skip
        ax.bar_label(drawn, labels=[_label(v, percent) for v in s.values], fontsize=8,  # type: ignore[attr-defined]
                     label_type="center" if stacked else "edge")  # fmt: skip
        if stacked:
            bottom = [b + v for b, v in zip(bottom, s.values, strict=True)]
    ax.set_xticks(positions, labels)  # type: ignore[attr-defined]
    ax.set_ylabel(ylabel)  # type: ignore[attr-defined]
    if percent:
        ax.set_ylim(0, 100)  # type: ignore[attr-defined]
    if n > 1:
        ax.legend(frameon=False, fontsize=9)  # type: ignore[attr-defined]
    return _png(fig)


def _label(value: float, percent: bool) -> str:
    if not value:
        return ""
    return f"{value:.1f}%" if percent else f"{value:g}"
