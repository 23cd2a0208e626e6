"""Stage 1, read: untrusted files → typed frames. The guard checks a file before any reader sees it,
sheets are read in a capped process, cells are parsed as districts type them, and every file,
sheet or cell that cannot be read becomes a problem at its address."""
