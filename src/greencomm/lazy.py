"""Modules loaded when first used, so `greencomm --version`, `--help` and `rubric` start at once:
the stages bring pandas, pyarrow, pypinyin, openpyxl, python-docx and matplotlib with them, which
take a second to import and which these commands never use (docs/rules.md#speed-and-memory).

    if TYPE_CHECKING:
        from greencomm import api
    else:
        api = lazy("greencomm.api")

The module object stands in sys.modules at once and runs its code on the first attribute asked
of it (Python's own importlib.util.LazyLoader); type checkers see the plain import.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    """`name`, to be run when first used. Its package is imported now, for real: a submodule run
    before its package could meet that package half-run (a circular import), so a module whose
    package is heavy is not made lazy; greencomm's stage packages (read, write, judge) are light."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import does
        setattr(sys.modules[parent], child, module)
    return module
