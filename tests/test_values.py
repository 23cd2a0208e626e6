import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greencomm.programme.headers import header_base, header_key
from greencomm.read.names import SEPARATOR, joined_keys, name_key, name_keys
from greencomm.read.values import (
    parse_date,
    parse_integer,
    parse_number,
    parse_percent,
    parse_phone,
    parse_year,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("raw", "percent"),
    [
        ("85%", Decimal(85)),
        (85, Decimal(85)),
        ("85", Decimal(85)),
        (0.85, Decimal(85)),
        ("0.85", Decimal(85)),
        ("８５％", Decimal(85)),
        ("８９．５％", Decimal("89.5")),
        (0.7345, Decimal("73.45")),  # the shortest decimal of the float, never 73.4499…
        (1, Decimal(100)),  # a number in [0, 1] is a fraction
        ("100", Decimal(100)),
        ("0", Decimal(0)),
        ("1%", Decimal(1)),
    ],
)
def test_percent_forms(raw: object, percent: Decimal) -> None:
    assert parse_percent(raw) == (percent, None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (150, "percent-out-of-range"),
        ("120%", "percent-out-of-range"),
        (-0.5, "percent-out-of-range"),
        ("高", "not-a-percent"),
        (None, "missing-value"),
        ("  ", "missing-value"),
    ],
)
def test_percent_errors(raw: object, code: str) -> None:
    assert parse_percent(raw) == (None, code)


@pytest.mark.parametrize("raw", ["是", "有", "Y", "y", "√", "TRUE", "true", "True", 1, 1.0, True, "1"])
def test_yes(raw: object) -> None:
    assert parse_yes_no(raw) == (True, None)


@pytest.mark.parametrize("raw", ["否", "无", "N", "n", "×", "FALSE", "false", 0, False, "0"])
def test_no(raw: object) -> None:
    assert parse_yes_no(raw) == (False, None)


def test_yes_no_rejects_other_words() -> None:
    assert parse_yes_no("也许") == (None, "invalid-yes-no")


@pytest.mark.parametrize(
    "raw",
    [2021, 2021.0, "2021", "2021年", "２０２１", dt.datetime(2021, 5, 10), dt.date(2021, 1, 2), "2021-05-10"],
)
def test_year_forms(raw: object) -> None:
    assert parse_year(raw) == (2021, None)


@pytest.mark.parametrize("raw", ["21年", "二〇二一", 21, "next year"])
def test_year_errors(raw: object) -> None:
    assert parse_year(raw) == (None, "invalid-year")


@pytest.mark.parametrize(
    ("raw", "number"),
    [("1,234", 1234), ("４,７７４", 4774), (" 12 ", 12), ("１", 1), (4732.0, 4732), ("13,512", 13512)],
)
def test_integers_as_text(raw: object, number: int) -> None:
    assert parse_integer(raw) == (number, None)


def test_integer_errors() -> None:
    assert parse_integer("12.5") == (None, "not-an-integer")
    assert parse_integer("十二") == (None, "not-an-integer")
    assert parse_integer(-3) == (None, "negative-number")
    assert parse_number("abc") == (None, "not-a-number")


@pytest.mark.parametrize(
    "raw",
    [
        "15243423757",
        15243423757.0,
        "0731-84567890",
        "0731 8456 7890",
        "(0731)84567890",
        "+86 152 4342 3757",
        "010-12345678",
    ],
)
def test_phones(raw: object) -> None:
    assert parse_phone(raw)[1] is None


@pytest.mark.parametrize("raw", ["12345", "12243423757", "84567890", "电话"])
def test_bad_phones(raw: object) -> None:
    assert parse_phone(raw) == (None, "invalid-phone")


@pytest.mark.parametrize(
    "raw",
    [
        "2026-09-15",
        "2026/9/15",
        "2026年9月15日",
        "2026.9.15",
        46280,
        "20260915",
        dt.datetime(2026, 9, 15, 0, 0),
        "2026-09-15 00:00:00",
    ],
)
def test_dates(raw: object) -> None:
    assert parse_date(raw) == (dt.date(2026, 9, 15), None)


def test_bad_date() -> None:
    assert parse_date("九月底") == (None, "invalid-date")
    assert parse_date("2026-02-30") == (None, "invalid-date")


def test_headers_match_as_districts_write_them() -> None:
    assert header_key(" 近三  年环境违法处罚 ") == "近三年环境违法处罚"
    assert header_base("户数(户)") == "户数"
    assert header_base("B5 高能效家电使用户比例(%\n)") == "b5高能效家电使用户比例"
    assert header_base("A2 创建方案落实到人（自评分）") == header_base("A2 创建方案落实到人(自评分)")
    assert header_key("Ｃ４") == "c4"


def test_names_ignore_surrounding_space() -> None:
    assert name_key("\u3000合丰社区 ") == name_key("合丰社区")


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_percent_text_round_trips(value: Decimal) -> None:
    parsed, problem = parse_percent(f"{value}%")
    assert problem is None
    assert parsed == value


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=20))
def test_name_keys_is_name_key_for_every_value(names: list[str | None]) -> None:
    """The vectorised keys (pyarrow NFKC and trim) are the scalar ones, whatever the text."""
    keys = name_keys(pd.Series(names, dtype=object)).tolist()
    assert keys == [None if n is None else name_key(n) for n in names]


@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.text(max_size=6)), st.one_of(st.none(), st.text(max_size=6), st.integers())),
        max_size=20,
    )
)
def test_joined_keys_are_the_parts_keys_joined_none_when_a_part_is_blank(pairs: list[tuple[object, object]]) -> None:
    district = pd.Series([d for d, _ in pairs], dtype=object)
    community = pd.Series([c for _, c in pairs], dtype=object)
    expected = [None if d is None or c is None else f"{name_key(d)}{SEPARATOR}{name_key(c)}" for d, c in pairs]
    assert joined_keys(district, community).tolist() == expected


def test_name_keys_is_name_key_for_every_code_point() -> None:
    """Characters Unicode assigned after Python's tables (U+1DFCD: Arrow maps it to U+1DF57,
    Python 3.11 knows it not) are keyed as name_key keys them, as is every other one."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    names = ["社区" + "".join(points[i : i + 5]) for i in range(0, len(points), 5)]
    keys = name_keys(pd.Series(names, dtype=object)).tolist()
    assert keys == [name_key(n) for n in names]


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.just(float("nan")),
            st.text(max_size=3),
            st.integers(-5, 5),
            st.decimals(allow_nan=False, allow_infinity=False, places=2),
        ),
        max_size=30,
    )
)
def test_distinct_gives_each_row_its_value_and_blanks_as_none(values: list[object]) -> None:
    """Each row points at a value equal to its own (a blank — None or NaN — at None, never NaN),
    and every distinct value is listed once."""
    import numpy as np

    from greencomm.read.values import distinct

    codes, uniques = distinct(np.array(values, dtype=object))
    assert len(codes) == len(values)
    for code, value in zip(codes.tolist(), values, strict=True):
        found = uniques[code]
        if value is None or value != value:
            assert found is None
        else:
            assert found == value and found is not None
    present = [u for u in uniques if u is not None]
    assert len(present) == len({(type(u) is str, u) for u in present})  # listed once (1 and 1.00 are one)
    assert uniques.count(None) <= 1
