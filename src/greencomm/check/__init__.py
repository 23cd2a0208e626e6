"""Stage 2, check: typed frames → problems. Pure rules over rows already read (no file is opened
here), so each is tested on a small DataFrame."""
