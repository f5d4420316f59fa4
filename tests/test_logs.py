"""The log file: in the log folder, and never with a secret in it."""

from __future__ import annotations

import logging

import pytest

from backdev.logs import setup_logging


def test_secrets_never_reach_the_log_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "my-gateway-key-0123456789")
    log_file = setup_logging()
    log = logging.getLogger("backdev.test")
    log.info("request with key %s failed", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345")
    log.warning("gateway key my-gateway-key-0123456789 and AKIAIOSFODNN7EXAMPLE rejected")
    root = logging.getLogger("backdev")
    for handler in list(root.handlers):  # flush, and leave no handler behind for other tests
        handler.close()
        root.removeHandler(handler)
    written = log_file.read_text()
    assert "request with key [REDACTED:anthropic-api-key] failed" in written
    assert "my-gateway-key-0123456789" not in written and "AKIAIOSFODNN7EXAMPLE" not in written
    assert "[REDACTED:api-key]" in written and "[REDACTED:aws-access-key]" in written
