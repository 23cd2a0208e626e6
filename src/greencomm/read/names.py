"""Names as they are compared (docs/rules.md#values): NFKC, no surrounding white space (the
full-width space included), no invisible format characters. One community key, built here and
nowhere else: (所属区, 社区名称)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from greencomm.read.values import clean_text, map_unique, nfkc

SEPARATOR = "\x00"  # between the parts of a key: no name holds it
# Names of these characters alone (Latin-1, CJK punctuation, the unified ideographs, full-width
# forms: settled long before any Unicode version Python or Arrow knows) are keyed by Arrow; any
# other name by Python, whose Unicode tables (14.0 in 3.11) may be older than Arrow's
_SETTLED = r"^[\x00-\x{ff}\x{3000}-\x{303f}\x{4e00}-\x{9fff}\x{ff00}-\x{ffef}]*$"


def _visible(text: str) -> str:
    """Without Unicode format characters (Cf): zero-width spaces and joiners, BOMs, direction marks."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf") if not text.isascii() else text


def name_key(value: object) -> str:
    """The key two names are compared by: NFKC, no surrounding white space, no invisible format
    characters."""
    return nfkc(_visible(clean_text(value))).strip()


def name_keys(names: pd.Series) -> pd.Series:
    """name_key of a column of names in one vectorised pass, for 100,000 names in milliseconds.
    None stays None; a column that is not all text (a year among the parts of a key) goes value by
    value."""
    try:
        text = pa.array(names.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return map_unique(names, lambda v: None if v is None else name_key(v))
    visible = pc.replace_substring_regex(text, r"\p{Cf}", "")
    keys = pc.utf8_trim_whitespace(pc.utf8_normalize(pc.utf8_trim_whitespace(visible), "NFKC"))
    out = pd.Series(keys.to_numpy(zero_copy_only=False), index=names.index, dtype=object)
    settled = pc.fill_null(pc.match_substring_regex(text, _SETTLED), True)
    rare = np.flatnonzero(~np.asarray(settled.to_numpy(zero_copy_only=False), dtype=bool))
    if len(rare):  # Arrow may know characters newer than Python's tables: these the scalar way
        out.iloc[rare] = [name_key(v) for v in names.iloc[rare].tolist()]
    return out


def joined_keys(*parts: pd.Series) -> pd.Series:
    """One key per row from several names (each as name_key); None when a part is blank."""
    return _joined(*(name_keys(p) for p in parts))


def _joined(*keys: pd.Series) -> pd.Series:
    """`joined_keys` of names already keyed."""
    cleaned = [pa.array(k.to_numpy(dtype=object), type=pa.string(), from_pandas=True) for k in keys]
    joined = pc.binary_join_element_wise(*cleaned, SEPARATOR)  # null where a part is: emit_null
    return pd.Series(joined.to_numpy(zero_copy_only=False), index=keys[0].index, dtype=object)


def with_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """A typed frame with `_district_key` (所属区 as compared) and `_key`, the community key: what
    duplicates, review rows, register entries and `explain` match communities by. The frame given
    is left as it is, its columns shared, not copied."""
    keyed = frame.copy(deep=False)
    keyed["_district_key"], keyed["_key"] = row_keys(frame.district, frame.community)
    return keyed


def row_keys(district: pd.Series, community: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each row's `_district_key` and `_key` (see `with_keys`): a row's alone, so a batch of rows
    may be keyed apart from the rest."""
    district_key = name_keys(district)
    return district_key, _joined(district_key, name_keys(community))


def workbook_district(named: Iterable[object], districts: Sequence[str], file_name: str = "") -> str:
    """The programme district a workbook is from (docs/rules.md#district-workbook), as the settings
    spell it: the one most of its rows name as 所属区, compared as name_key (a tie goes to the one
    first in the programme's order, so the order of the rows decides nothing); with no row naming
    one, the first whose name the file name carries; else "". Its 创建活动 are credited to it, and
    `validate` lists the workbook as received from it."""
    spelled = {name_key(d): d for d in districts}
    counts = Counter(spelled[k] for k in (name_key(v) for v in named if isinstance(v, str)) if k in spelled)
    if counts:
        return max(districts, key=lambda d: counts[d])  # of equals, max keeps the first
    return next((d for d in districts if d in file_name), "")
