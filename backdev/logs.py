"""Logging to a file in the log folder, never to the screen, never with a secret in it."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from backdev import paths
from backdev.repo.redaction import redact


class SecretFilter(logging.Filter):
    """Redacts every record the way messages to the model are redacted, and the configured key's
    literal value whatever it looks like."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message).text
        key = os.environ.get("ANTHROPIC_API_KEY")
        if key and len(key) >= 8:
            masked = masked.replace(key, "[REDACTED:api-key]")
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: int = logging.INFO) -> Path:
    """Send backdev's logs to `backdev.log` in the log folder and return its path."""
    folder = paths.ensure_dir(paths.log_dir())
    log_file = folder / "backdev.log"
    root = logging.getLogger("backdev")
    if not any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(SecretFilter())
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    return log_file
