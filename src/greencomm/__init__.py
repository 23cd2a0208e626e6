"""greencomm: the city's 节能环保社区 creation programme, from district workbooks to public notices."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, looked up when first asked (importlib.metadata takes 50 ms to load, and the
    reading processes, which import this package, never ask)."""
    if name != "__version__":
        raise AttributeError(f"module 'greencomm' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("greencomm")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+source"
    globals()["__version__"] = found  # asked once
    return found
