"""greencomm: the city's 节能环保社区 creation programme, from district workbooks to public notices."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("greencomm")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
