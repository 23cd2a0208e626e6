"""Program failures. Bad *data* is never an exception: it is a Problem in a report."""


class GreencommError(Exception):
    """Base of every failure greencomm reports as `错误：…` with exit code 1."""

    exit_code = 1


class ConfigError(GreencommError):
    """The settings file or the rubric file is broken."""


class InputError(GreencommError):
    """An input file cannot be read at all; `cell` names the cell to blame, when there is one."""

    def __init__(self, message: str, cell: str = "") -> None:
        super().__init__(message)
        self.cell = cell


class SheetTooLarge(InputError):
    """A sheet reaches beyond the limits, or its reading beyond the memory or time allowed."""

    def __init__(self, file: str, sheet: str, zh: str, en: str, cell: str = "") -> None:
        super().__init__(f"{file}: 工作表“{sheet}”{zh} / {en}", cell)
        self.zh, self.en = zh, en


class OutputError(GreencommError):
    """An output cannot be written (locked, equal to an input, disk full)."""


class UsageError(GreencommError):
    """The command line asks for something impossible."""

    exit_code = 2
