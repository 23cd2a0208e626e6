"""Lists of text in Arrow (greencomm.judge.lists): what Arrow's own conversion of nested lists gives."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.judge.lists import text_lists

_ITEM = st.one_of(st.text(max_size=8), st.sampled_from(["Q2 不满足", "否决：重大事故", ""]), st.none(), st.integers())


def _reference(listed: list[list[Any]]) -> pa.ListArray | None:
    try:
        lists = pa.array(listed, pa.list_(pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return lists if not lists.flatten().null_count else None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ITEM, max_size=4), max_size=40))
def test_text_lists_are_arrows_own_conversion(listed: list[list[Any]]) -> None:
    made, reference = text_lists(listed), _reference(listed)
    assert (made is None) == (reference is None)
    if made is not None and reference is not None:
        assert made.type == reference.type
        assert made.to_pylist() == reference.to_pylist() == listed


def test_a_year_of_mostly_empty_lists() -> None:
    listed = [[] if n % 5 else ["Q2 不满足", "Q4 不满足"] for n in range(10_000)]
    made = text_lists(listed)
    assert made is not None and made.equals(pa.array(listed, pa.list_(pa.string())))
