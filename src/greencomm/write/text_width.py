"""How wide a text is drawn in a spreadsheet's cell, and how many lines it wraps to — what sizes
the columns and rows of every workbook greencomm writes, by openpyxl or by the Rust writer alone
(a result workbook needs no openpyxl: greencomm.write.result_books)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The characters Unicode calls East Asian Wide or Fullwidth (unicodedata.east_asian_width W or F,
# assigned ones; ranges merged over unassigned code points): found by one regular expression, since
# a result workbook of 100,000 communities measures millions of characters (tests/test_outputs.py
# checks it against unicodedata).
_WIDE = re.compile(
    "["
    "\u1100-\u115f\u231a-\u231b\u2329-\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd-\u25fe\u2614-\u2615"
    "\u2648-\u2653\u267f\u2693\u26a1\u26aa-\u26ab\u26bd-\u26be\u26c4-\u26c5\u26ce\u26d4\u26ea"
    "\u26f2-\u26f3\u26f5\u26fa\u26fd\u2705\u270a-\u270b\u2728\u274c\u274e\u2753-\u2755\u2757"
    "\u2795-\u2797\u27b0\u27bf\u2b1b-\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u3247\u3250-\u4dbf"
    "\u4e00-\ua4c6\ua960-\ua97c\uac00-\ud7a3\uf900-\ufad9\ufe10-\ufe19\ufe30-\ufe6b\uff01-\uff60"
    "\uffe0-\uffe6\U00016fe0-\U0001b2fb\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f200-\U0001f320\U0001f32d-\U0001f335\U0001f337-\U0001f37c\U0001f37e-\U0001f393"
    "\U0001f3a0-\U0001f3ca\U0001f3cf-\U0001f3d3\U0001f3e0-\U0001f3f0\U0001f3f4\U0001f3f8-\U0001f43e"
    "\U0001f440\U0001f442-\U0001f4fc\U0001f4ff-\U0001f53d\U0001f54b-\U0001f54e\U0001f550-\U0001f567"
    "\U0001f57a\U0001f595-\U0001f596\U0001f5a4\U0001f5fb-\U0001f64f\U0001f680-\U0001f6c5\U0001f6cc"
    "\U0001f6d0-\U0001f6d2\U0001f6d5-\U0001f6df\U0001f6eb-\U0001f6ec\U0001f6f4-\U0001f6fc"
    "\U0001f7e0-\U0001f7f0\U0001f90c-\U0001f93a\U0001f93c-\U0001f945\U0001f947-\U0001f9ff"
    "\U0001fa70-\U0001faf6\U00020000-\U0003134a"
    "]"
)


def display_width(value: Any) -> int:
    """Columns needed to show a value: East Asian wide characters count double."""
    text = "" if value is None else str(value)
    return max(len(line) + len(_WIDE.findall(line)) for line in text.splitlines() or [""])


# A wide (CJK) character is drawn about 2.1 column-width units wide, not the 2 display_width counts,
# and a Latin word wraps whole: lines are counted on 90% of a column, or the last line of a row whose
# height is set would be cut off on paper (looked at as PDF).
WRAP_SHARE = 0.9


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column this wide, generously (no writer can measure it, and
    LibreOffice does not fit a row's height to wrapped text a file leaves unset)."""
    room = max((width - 1) * WRAP_SHARE, 1)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in text.splitlines() or [""])


_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines breaks a text
# Characters other than ASCII (narrow) and the wide ones Chinese text is made of — CJK symbols and
# punctuation, the unified ideographs, full-width forms (all within _WIDE, all 3 bytes in UTF-8)
_UNCOMMON = r"[^\x00-\x7f\x{3000}-\x{303e}\x{4e00}-\x{9fff}\x{ff01}-\x{ff60}]"


def wrapped_lines_of(values: Sequence[Any] | pa.Array, width: float) -> np.ndarray:
    """`wrapped_lines` of every value of a column (None takes one line), over the whole column at
    once: a result workbook of 100,000 communities wraps 100,000 reasons. A text that breaks into
    lines of its own is counted one by one (rare); the rest by Arrow: a text of ASCII and the wide
    characters Chinese is written in has its wide characters counted from its size in bytes, any
    other is searched with the expression display_width uses."""
    if isinstance(values, pa.Array) and (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        texts = values.cast(pa.string())  # a column kept in Arrow
    else:
        try:  # a column of text (and blanks) goes to Arrow as it is
            texts = pa.array(values, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers among the text: each as str() shows it
            listed = values.to_pylist() if isinstance(values, pa.Array) else values
            texts = pa.array([v if v is None or isinstance(v, str) else str(v) for v in listed], pa.string())
    room = max((width - 1) * WRAP_SHARE, 1)
    chars = np.asarray(pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    size = np.asarray(pc.fill_null(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    wide = (size - chars) // 2  # ASCII and common wide characters alone: these take 3 bytes each
    other = np.flatnonzero(
        pc.fill_null(pc.match_substring_regex(texts, _UNCOMMON), False).to_numpy(zero_copy_only=False)
    )
    if len(other):  # the rest counted by the expression display_width uses
        found = pc.count_substring_regex(texts.take(pa.array(other)), _WIDE.pattern)
        wide[other] = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
    lines = np.asarray(np.maximum(np.ceil((chars + wide) / room), 1), dtype=np.int64)
    broken = pc.match_substring_regex(texts, f"[{_LINE_BREAKS}]")
    for n in np.flatnonzero(pc.fill_null(broken, False).to_numpy(zero_copy_only=False)).tolist():
        lines[n] = wrapped_lines(texts[n].as_py(), width)
    return lines
