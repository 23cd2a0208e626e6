"""Cell values as districts really type them (docs/rules.md#values): percentages, yes/no, years, numbers as text.

Every parser takes one raw cell value (as a reader returns it: str, float, int, bool, date,
datetime or None) and returns `(value, None)` or `(None, problem_code)`. Numbers come back as
`Decimal`, exactly as written: a float cell is taken as the shortest decimal that prints it, so
0.7345 is 73.45%, never 73.4499999….
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

Parsed = tuple[Any, str | None]

_SPACE = re.compile(r"\s+")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

YES = frozenset({"是", "有", "y", "yes", "√", "✓", "✔", "true", "1", "对"})
NO = frozenset({"否", "无", "n", "no", "×", "✗", "✘", "false", "0", "没有"})

EXCEL_EPOCH = dt.date(1899, 12, 30)
YEAR_RANGE = (1900, 2100)  # years a cell may hold


XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # C0 controls but tab and line breaks: no XML can hold them
CONTROL = XML_ILLEGAL[:-1] + r"\x7f]"  # and DEL: invisible in a cell all the same


def pictures(text: str, controls: str = CONTROL) -> str:
    """Control characters as the symbols that picture them: U+0007 → ␇, DEL → ␡."""
    return re.sub(controls, lambda m: "\u2421" if m[0] == "\x7f" else chr(0x2400 + ord(m[0])), text)


def nfkc(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value))


def clean_text(value: object) -> str:
    """Text as written, without leading/trailing white space (the full-width space included)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------- numbers
def to_decimal(value: object) -> Decimal | None:
    """Exact decimal of a number cell or of text that is a number; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))  # shortest decimal that prints the float
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        return None
    text = _SPACE.sub("", nfkc(value))
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def normalise_decimal(number: Decimal) -> Decimal:
    """`85.0` → `85`, `0.50` → `0.5`: equal numbers print the same."""
    if number == number.to_integral_value():
        return Decimal(int(number))
    return number.normalize()


def parse_number(value: object) -> Parsed:
    if is_blank(value):
        return None, "missing-value"
    number = to_decimal(value)
    if number is None:
        return None, "not-a-number"
    if number < 0:
        return None, "negative-number"
    return normalise_decimal(number), None


def parse_integer(value: object) -> Parsed:
    number, problem = parse_number(value)
    if problem:
        return None, "not-an-integer" if problem == "not-a-number" else problem
    if number != number.to_integral_value():
        return None, "not-an-integer"
    return int(number), None


def parse_percent(value: object) -> Parsed:
    """`85%`, `85`, `0.85`, `８５％` → Decimal('85'): a number in [0, 1] is a fraction, in (1, 100] a
    percentage, anything else is out of range."""
    if is_blank(value):
        return None, "missing-value"
    if isinstance(value, str):
        text = _SPACE.sub("", nfkc(value))
        if text.endswith("%"):
            number = to_decimal(text[:-1])
            if number is None:
                return None, "not-a-percent"
            if not 0 <= number <= 100:
                return None, "percent-out-of-range"
            return normalise_decimal(number), None
    number = to_decimal(value)
    if number is None:
        return None, "not-a-percent"
    if 0 <= number <= 1:
        return normalise_decimal(number * 100), None
    if 1 < number <= 100:
        return normalise_decimal(number), None
    return None, "percent-out-of-range"


# ---------------------------------------------------------------- yes / no, choices
def parse_yes_no(value: object) -> Parsed:
    if is_blank(value):
        return None, "missing-value"
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    text = _SPACE.sub("", nfkc(value)).lower()
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, "invalid-yes-no"


def parse_choice(value: object, options: tuple[str, ...]) -> Parsed:
    if is_blank(value):
        return None, "missing-value"
    text = _SPACE.sub("", nfkc(value))
    for option in options:
        if text == _SPACE.sub("", nfkc(option)):
            return option, None
    return None, "invalid-choice"


# ---------------------------------------------------------------- years and dates
_YEAR_TEXT = re.compile(r"^(\d{4})(年|年度)?$")
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^[2-7]\d{4}(\.0+)?$")
_TIME_PART = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(value: object) -> Parsed:
    if is_blank(value):
        return None, "missing-value"
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool):
        return None, "invalid-date"
    if isinstance(value, int | float):
        if 20000 <= value <= 80000 and float(value).is_integer():  # an Excel serial day number
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = _TIME_PART.sub("", nfkc(value).strip())  # '2026-09-15 00:00:00' → '2026-09-15'
    text = _SPACE.sub("", text)
    if _SERIAL.match(text):  # an Excel day number that lost its date format
        return parse_date(float(text))
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if not match:
        return None, "invalid-date"
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])), None
    except ValueError:
        return None, "invalid-date"


def _year_of(day: dt.date) -> int:
    """The year a date stands for. A year typed into a cell formatted as a date is stored as the
    day number 2021 and shown as 1905-07-13: such a date (day numbers 1900–2100) is the year typed,
    never a title year of 1905."""
    serial = (day - EXCEL_EPOCH).days
    return serial if YEAR_RANGE[0] <= serial <= YEAR_RANGE[1] else day.year


def parse_year(value: object) -> Parsed:
    """`2021`, `2021年`, `２０２１`, `2021.0` or a date → 2021."""
    if is_blank(value):
        return None, "missing-value"
    if isinstance(value, dt.date):
        return _year_of(value.date() if isinstance(value, dt.datetime) else value), None
    if isinstance(value, bool):
        return None, "invalid-year"
    if isinstance(value, int | float):
        if float(value).is_integer() and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            return int(value), None
        return None, "invalid-year"
    text = _SPACE.sub("", nfkc(value))
    match = _YEAR_TEXT.match(text)
    if match and YEAR_RANGE[0] <= int(match[1]) <= YEAR_RANGE[1]:
        return int(match[1]), None
    date, problem = parse_date(value)
    if problem is None:
        return _year_of(date), None
    number = to_decimal(text)
    if number is not None and number == number.to_integral_value() and YEAR_RANGE[0] <= number <= YEAR_RANGE[1]:
        return int(number), None
    return None, "invalid-year"


# ---------------------------------------------------------------- phone numbers
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def parse_phone(value: object) -> Parsed:
    """Mobile (11 digits, 1[3-9]…) or a landline with its area code (0731-84567890)."""
    if is_blank(value):
        return None, "missing-value"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfkc(value).strip()
    digits = re.sub(r"[\s\-—–()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return text, None
    return None, "invalid-phone"


def parse_text(value: object) -> Parsed:
    text = clean_text(value)
    if not text:
        return None, "missing-value"
    return text, None


def distinct(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each row's position among the distinct values, and the distinct values themselves; the blanks
    (None, NaN) are one distinct value, None — never NaN, which is truthy and no number a rule
    should ever see."""
    codes, uniques = pd.factorize(values)  # blanks coded -1 in the same pass (no second look for them)
    found = np.asarray(codes, dtype=np.int64)
    kept = list(uniques)
    if len(found) and found.min() < 0:  # the blank, as the last distinct value
        found[found < 0] = len(kept)
        kept.append(None)
    return found, kept


def map_unique(series: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """fn applied once per distinct value (not once per row), as an object Series. Columns of a
    district workbook repeat few values, so this is where the time goes from per row to per value."""
    codes, uniques = distinct(series.to_numpy(dtype=object))
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return pd.Series(mapped[codes] if len(series) else mapped[:0], index=series.index, dtype=object)
