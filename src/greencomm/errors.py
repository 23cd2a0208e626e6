"""Every exception greencomm raises. Program failures are exceptions of one base class; bad *data*
is never an exception but a Problem in a report (greencomm.problems) — a file that cannot be read
at all is both: an InputError carrying its problem's code, which the readers turn into a Problem
so the rest of the batch goes on."""

from __future__ import annotations

from typing import Any

from greencomm.problems import Problem


class GreencommError(Exception):
    """Base of every failure greencomm reports as `错误：…` with exit code 1."""

    exit_code = 1


class ConfigError(GreencommError):
    """The settings file, the rubric file or a template is broken."""


class InputError(GreencommError):
    """An input file, or one of its sheets, cannot be read: `code` names the refusal in the problem
    catalogue (`not-a-workbook`, `encrypted-workbook`, `zip-bomb`, `sheet-too-large` …) and
    `params` fill its message, in either language."""

    def __init__(self, code: str, file: str, sheet: str = "", cell: str = "", **params: Any) -> None:
        self.problem = Problem(code, file, sheet, cell, params=params)
        super().__init__(code)

    @property
    def code(self) -> str:
        return self.problem.code

    def __str__(self) -> str:
        p = self.problem
        return f"{p.where}: {p.text('zh')}。{p.hint('zh')} / {p.text('en')}. {p.hint('en')}"


class OutputError(GreencommError):
    """An output cannot be written (locked, equal to an input, disk full)."""


class UsageError(GreencommError):
    """The command line asks for something impossible."""

    exit_code = 2


class NothingWritten(GreencommError):
    """The inputs cannot give what was asked for; `problems` say why, and nothing is written."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


class EmptyInputError(NothingWritten):
    """Not one community could be read."""


class WrongInputs(NothingWritten):
    """Files given in the wrong place: review sheets as the submissions, submissions as --reviews …"""


class ListsNotFinal(NothingWritten):
    """The inputs hold errors that change the lists: a document made from them would be wrong."""


class ScoresUnreadable(NothingWritten):
    """A workbook given to `diff` is missing, or is not a scored workbook whose cells can be compared."""


class RegisterError(GreencommError):
    """The titles cannot be added to the register as asked."""


class TooEarly(GreencommError):
    """The 公示 has not run its course: the naming decision may be issued from a later date."""


class CalendarError(GreencommError):
    """No holiday data for the year asked for."""


class ReadFailed(Exception):
    """Inside the reader only: the reading process died (out of memory), ran out of time, or the
    reader refused the sheet. The workbook reader turns it into an InputError naming the sheet."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind  # "memory", "time", "crash" or "reader"
        self.detail = detail
