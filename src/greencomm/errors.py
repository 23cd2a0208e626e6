"""Program failures. Bad *data* is never an exception: it is a Problem in a report."""


class GreencommError(Exception):
    """Base of every failure greencomm reports as `错误：…` with exit code 1."""

    exit_code = 1


class ConfigError(GreencommError):
    """The settings file or the rubric file is broken."""


class InputError(GreencommError):
    """An input file cannot be read at all."""


class OutputError(GreencommError):
    """An output cannot be written (locked, equal to an input, disk full)."""


class UsageError(GreencommError):
    """The command line asks for something impossible."""

    exit_code = 2
