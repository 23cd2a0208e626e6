"""Working days the Chinese way, for the 公示期 (docs/rules.md#documents): public holidays and the
weekend days made working days (调休) come from chinesecalendar, a maintained table, never from a
hand-typed list."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from greencomm.errors import GreencommError

ONE_DAY = dt.timedelta(days=1)


class CalendarError(GreencommError):
    """No holiday data for the year asked for."""


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarError(
            f"chinesecalendar 没有 {day.year} 年的节假日安排（{exc}）；请更新：pip install -U chinesecalendar"
            f" / no holiday data for {day.year}: upgrade chinesecalendar"
        ) from exc


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += ONE_DAY
    while not is_working_day(day):
        day += ONE_DAY
    return day


def notice_period(start: dt.date, working_days: int) -> tuple[dt.date, dt.date, bool]:
    """(first day, last day, moved): the start date is day 1; a start on a non-working day moves
    to the next working day (moved = True, a warning for the clerk)."""
    moved = not is_working_day(start)
    first = next_working_day(start) if moved else start
    last, counted = first, 1
    while counted < working_days:
        last = next_working_day(last)
        counted += 1
    return first, last, moved
