"""The plain line-mode front end (prompt-toolkit)."""
