"""Stage 4, write: results → files and the terminal. Every file is written atomically; nothing here
decides a result."""
