"""The `--json` document's columns are made by Arrow, once per distinct value: each value's text must
be what Python's JSON encoder writes for it, whatever the value (the document is checked whole
against dicts built one at a time in test_results_cli)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.write import records

TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', "\\", "\n", "\x00", "\x1f", "a\tb", "\u2028", "\x7f", "😀", '\\"', "社区\r\n名"]
)
LISTED = st.lists(TEXT, max_size=4)


def _column(values: list[Any]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values  # lists stay values, not a second dimension
    return column


def _encoded(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | TEXT, max_size=30))
def test_text_and_nulls_are_encoded_as_the_encoder_does(values: list[str | None]) -> None:
    assert records._fragments(_column(values), {}).to_pylist() == [_encoded(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(LISTED, max_size=30))
def test_lists_of_text_are_encoded_as_the_encoder_does(values: list[list[str]]) -> None:
    assert records._fragments(_column(values), {}).to_pylist() == [_encoded(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(LISTED | st.lists(st.integers() | st.none() | TEXT, max_size=3) | st.none(), max_size=20))
def test_lists_holding_anything_else_are_encoded_value_by_value(values: list[Any]) -> None:
    assert records._fragments(_column(values), {}).to_pylist() == [_encoded(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=30))
def test_points_are_written_as_python_writes_floats(values: list[float]) -> None:
    assert records._fragments(np.array(values, dtype=float), {}).to_pylist() == [_encoded(v) for v in values]


def test_an_object_is_joined_with_the_encoders_separators() -> None:
    import pyarrow as pa

    joined = records._objects(["a", "总分"], [pa.array(["1", '"x"']), pa.array(["[]", "null"])])
    assert [json.loads(t) for t in joined.to_pylist()] == [{"a": 1, "总分": []}, {"a": "x", "总分": None}]
    assert joined.to_pylist()[0] == json.dumps({"a": 1, "总分": []}, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(10**7), 10**7), min_size=1, max_size=30))
def test_points_in_cents_are_worded_as_the_encoder_writes_cents_over_100(cents: list[int]) -> None:
    import pyarrow as pa

    array = np.array(cents, dtype=np.int64)
    low, worded = records.worded_cents(array)
    expected = [_encoded(float(v)) for v in array / 100]
    if worded is None:  # too wide a span for one table: the block's floats are worded as they come
        assert int(array.max()) - int(array.min()) >= records.SPAN
        assert records._fragments(array / 100, {}).to_pylist() == expected
    else:
        assert worded.take(pa.array(array - low)).to_pylist() == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | TEXT, max_size=30) | st.lists(LISTED, min_size=1, max_size=30), st.data())
def test_a_block_of_a_column_held_in_arrow_is_encoded_as_the_encoder_does(values: list[Any], data: Any) -> None:
    """Results.in_arrow holds text (blanks allowed) and lists of text in Arrow; a block of it is a
    slice (a list array's offsets then start where the slice does)."""
    from greencomm.judge.results import _in_arrow

    array = _in_arrow(_column(values))
    assert array is not None
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    encoded = records._shared(array.slice(start, stop - start), {})
    if encoded is None:  # text to escape: the block is encoded from its values as they are
        assert not all(isinstance(v, list) for v in values) and any(_encoded(v) != f'"{v}"' for v in values if v)
    else:
        assert encoded.to_pylist() == [_encoded(v) for v in values[start:stop]]


def test_only_text_and_lists_of_text_are_held_in_arrow() -> None:
    from greencomm.judge.results import _in_arrow

    assert _in_arrow(_column(["芙蓉区", None, float("nan")])).to_pylist() == ["芙蓉区", None, None]  # type: ignore[union-attr]
    assert _in_arrow(_column([["a"], []])).to_pylist() == [["a"], []]  # type: ignore[union-attr]
    assert _in_arrow(_column([1, "a"])) is None  # a number among the text
    assert _in_arrow(_column([["a"], [None]])) is None  # a blank in a list: the encoder writes null
    assert _in_arrow(_column([["a"], None])) is None
    assert records._shared(None, {}) is None
