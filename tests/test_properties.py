"""Properties of the redactor and the path guard, over generated input (hypothesis)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backdev.repo.redaction import PLACEHOLDER_PREFIX, redact
from backdev.repo.safety import PathRefused, resolve_in_repo
from backdev.safe_text import is_safe, visible

PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"[a-z0-9-]+\]")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"

# Text shaped like code and config: words, assignments, quotes, diff prefixes, newlines, and the
# pieces secrets are made of, so that rules meet each other's output.
FRAGMENTS = [
    "password", "DB_PASSWORD", "token", "API_KEY", "secret", " = ", ": ", "=", "'", '"', "\n", "\n+", "\n-", "  - ",
    "export ", "hunter2", "x7Gk2pQ9vL4mN8rT1wZ5bC3dF6hJ0sA", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA", "postgres://app:",
    "@db:5432/x", "AccountKey=", ";", "[REDACTED:password]", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk",
    "os.environ['X']", "${VAR}", "#", " ", "\t",
]
code_like = st.one_of(
    st.text(alphabet=st.sampled_from(list(ALNUM + " \n\t=:+-_'\"./[]{}()#$@")), max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
)


def body(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.sampled_from(list(alphabet)), min_size=size, max_size=size)


# Each kind's token with a generated body: (strategy for the whole token, how to find its secret part).
TOKENS = {
    "anthropic-api-key": body(ALNUM, 40).map(lambda b: "sk-ant-api03-" + b),
    "github-token": body(ALNUM, 36).map(lambda b: "ghp_" + b),
    "aws-access-key": body("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16).map(lambda b: "AKIA" + b),
    "npm-token": body(ALNUM, 36).map(lambda b: "npm_" + b),
    "huggingface-token": body(ALNUM, 34).map(lambda b: "hf_" + b),
    "digitalocean-token": body(HEX, 64).map(lambda b: "dop_v1_" + b),
    "twilio-api-key": body(HEX, 32).map(lambda b: "SK" + b),
    "stripe-key": body(ALNUM, 24).map(lambda b: "sk_live_" + b),
}
separators = st.sampled_from([" ", "\n", " = ", ": ", "\t", "\n+", "\n-"])


@settings(max_examples=300, deadline=None, database=None)
@given(code_like)
def test_redaction_is_idempotent_and_keeps_line_count(text: str) -> None:
    once = redact(text)
    assert redact(once.text).text == once.text
    assert once.text.count("\n") == text.count("\n")


@settings(max_examples=300, deadline=None, database=None)
@given(code_like)
def test_redaction_only_replaces_never_adds(text: str) -> None:
    # What is left outside the placeholders is the input's own text, in order (a multi-line
    # secret's placeholder keeps that secret's line breaks after it).
    position = 0
    for piece in (p.lstrip("\n") for p in PLACEHOLDER.split(redact(text).text)):
        found = text.find(piece, position)
        assert found >= 0, piece
        position = found + len(piece)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.sampled_from(["[REDACTED:password]", "[REDACTED:github-token]", "x", "password =", "\n", " "]),
                max_size=30))
def test_placeholders_are_never_redacted_again(parts: list[str]) -> None:
    text = "".join(parts)
    assert redact(text).text.count(PLACEHOLDER_PREFIX) == text.count(PLACEHOLDER_PREFIX)


@pytest.mark.parametrize("kind", sorted(TOKENS))
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_token_of_each_kind_is_removed_wherever_it_stands(kind: str, data: st.DataObject) -> None:
    token = data.draw(TOKENS[kind])
    before = data.draw(st.text(alphabet=st.sampled_from(list("abc xyz\n")), max_size=40))
    after = data.draw(st.text(alphabet=st.sampled_from(list("abc xyz\n")), max_size=40))
    text = before + data.draw(separators) + token + data.draw(separators) + after
    result = redact(text)
    assert token not in result.text
    assert result.kinds  # and it is counted


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=200))
def test_visible_text_is_always_safe_and_idempotent(text: str) -> None:
    shown = visible(text)
    assert is_safe(shown) and visible(shown) == shown


# --- the path guard ---------------------------------------------------------------------------

SEGMENTS = [".", "..", "app", "views.py", "link-out", "link-in", "folder-out", "x y", ".git", "~", "", "a\\b", "%2e%2e"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("guard")
    root, outside = base / "repo", base / "outside"
    (root / "app").mkdir(parents=True)
    outside.mkdir()
    (root / "app" / "views.py").write_text("x = 1\n")
    (outside / "secret.txt").write_text("s\n")
    (root / "link-out").symlink_to(outside / "secret.txt")
    (root / "folder-out").symlink_to(outside)
    (root / "link-in").symlink_to(root / "app")
    os.link(outside / "secret.txt", root / "hard-linked.txt")
    return root


def _inside(root: Path, path: Path) -> bool:
    real_root = root.resolve()
    return path == real_root or real_root in path.parents


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=6))
def test_any_generated_path_resolves_inside_the_root_or_is_refused(tree: Path, parts: list[str]) -> None:
    raw = "/".join(parts)
    try:
        resolved = resolve_in_repo(tree, raw)
    except PathRefused:
        return
    assert _inside(tree, resolved)
    assert _inside(tree, resolved.resolve())  # nothing left to follow out
    assert not (resolved.is_file() and resolved.stat().st_nlink > 1)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=80))
def test_any_text_as_a_path_resolves_inside_or_is_refused(tree: Path, raw: str) -> None:
    try:
        resolved = resolve_in_repo(tree, raw)
    except PathRefused:
        return
    assert _inside(tree, resolved)


def test_a_hard_link_is_refused_by_the_guard(tree: Path) -> None:
    with pytest.raises(PathRefused, match="hard links"):
        resolve_in_repo(tree, "hard-linked.txt")
