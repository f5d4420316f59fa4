"""Exit statuses and the usage error of the command line, below `cli.py` and its subcommands."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # `chat`: a reply failed
EXIT_FINDINGS = 1  # `review`: a finding reached `--fail-on`
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input on the command line or in config: one sentence, exit status 2."""
