"""`@path` attachments: the files a message names, read safely and sent once with that message.

`prepare_message` finds the `@path` tokens, reads each file (whole, or `@path:10-40` for a line
range; a folder attaches its listing) inside the repository, and returns the content blocks to
send with the message. The blocks are part of that one stored user message, so they are sent with
it and never repeated on later turns.

What must wait for the person: paths that do not exist (`missing`) or are refused (`refused`:
outside the repository, binary) block sending until fixed, or until the person sends anyway
(`skip_missing=True`); secret files (`.env`, keys...) are listed in `secret_files`, with
`confirmation()` saying exactly what would be sent, and are included only once confirmed by name.
Secret-looking values in the typed text and in attached content are redacted; `redactions` names
the kinds so the front end can say so.

A token counts as a path when it exists, contains `/`, starts with `.`, or ends with a known file
extension; so `@property`, `@pytest.fixture` or `@alice` stay text, and nothing inside backticks or
a fenced code block is taken for an attachment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from backdev.repo.detect import LANGUAGES
from backdev.repo.reading import FileSlice, NotReadable, read_path
from backdev.repo.redaction import Redacted
from backdev.repo.repository import Repository
from backdev.repo.safety import PathRefused
from backdev.settings import Settings

# `@` at the start, after whitespace or an opening bracket/quote; trailing punctuation is not part of it.
ATTACHMENT_PATTERN = re.compile(r"(?:(?<=[\s(\[{\"'])|^)@([^\s@`]+?)(?=[,;:!?.)\]}\"']*(?:\s|$))")
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)
_RANGE = re.compile(r"^(?P<path>.+?):(?P<start>\d+)(?:-(?P<end>\d+))?$")
FILE_EXTENSIONS = {e.lstrip(".") for e in LANGUAGES} | {
    "txt", "cfg", "ini", "lock", "env", "log", "csv", "tsv", "xml", "conf", "in", "j2", "jinja", "tpl", "pyx",
    "ipynb", "dockerfile", "mk", "gradle", "properties", "pem", "key", "crt", "sqlite3", "db", "patch", "diff",
}


@dataclass(frozen=True)
class PreparedMessage:
    """A message ready to send, or the reasons it must wait.

    Attributes:
        text: what the person typed, with secret-looking values redacted.
        extra_blocks: the attachments, as content blocks sent with this message only.
        meta: recorded with the message (`attachments`, `redactions`).
        missing: `@paths` that do not exist.
        refused: `path: reason` for paths that may not be attached.
        secret_files: secret files waiting for the person's confirmation.
        redactions: the kinds of secret that were redacted (typed text and attachments).
        notes: lines to show the person (truncations, folders capped, paths sent without).
        secret_previews: for each secret file, what would be sent once confirmed.
    """

    text: str
    extra_blocks: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    secret_files: list[str] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secret_previews: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """True when nothing needs fixing or confirming."""
        return not (self.missing or self.refused or self.secret_files)

    def problem(self) -> str:
        """One sentence per path that blocks sending (empty when none)."""
        lines = [f"@{raw}: no such file or folder in the repository. Fix the path (Tab completes it) or send "
                 "the message without it." for raw in self.missing]
        lines += [f"@{reason} Fix the path or send the message without it." for reason in self.refused]
        return "\n".join(lines)

    def confirmation(self) -> str:
        """What would be sent for each secret file, for the person to confirm."""
        return "\n".join(self.secret_previews[name] for name in self.secret_files)


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CODE.finditer(text)]


def _looks_like_path(token: str) -> bool:
    if "/" in token or token.startswith("."):
        return True
    base = _RANGE.match(token)
    name = base.group("path") if base else token
    return "." in name and name.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS


def attachment_paths(text: str, exists: Callable[[str], bool] | None = None) -> list[str]:
    """The `@path` tokens in a message, in order, without duplicates (see the module docstring)."""
    spans = _code_spans(text)
    seen: dict[str, None] = {}
    for match in ATTACHMENT_PATTERN.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        token = match.group(1)
        token = token.rstrip("/") + "/" if token.endswith("/") and token.strip("/") else token
        if _looks_like_path(token) or (exists is not None and exists(token)):
            seen.setdefault(token, None)
    return list(seen)


class _Builder:
    """Collects the blocks, problems and notes of one message."""

    def __init__(self, repo: Repository, settings: Settings, confirmed: set[str], skip_missing: bool) -> None:
        self.repo = repo
        self.settings = settings
        self.confirmed = confirmed
        self.skip_missing = skip_missing
        self.blocks: list[dict[str, Any]] = []
        self.names: list[str] = []
        self.missing: list[str] = []
        self.refused: list[str] = []
        self.secrets: list[str] = []
        self.previews: dict[str, str] = {}
        self.kinds: list[str] = []
        self.notes: list[str] = []
        self.policy = repo.policy  # the session's secret rules, which the repository was opened with

    def skip(self, raw: str, why: str, reason: str, into: list[str]) -> None:
        if self.skip_missing:
            self.notes.append(f"Sent without @{raw} ({why}).")
        else:
            into.append(reason)

    def add(self, raw: str) -> None:
        path_text, start, end = raw, None, None
        ranged = _RANGE.match(raw)
        try:
            path, relative = self.repo.resolve(raw)
            if not path.exists() and ranged:
                path_text, start = ranged.group("path"), int(ranged.group("start"))
                end = int(ranged.group("end") or start)
                path, relative = self.repo.resolve(path_text)
        except PathRefused as exc:
            self.skip(raw, "refused", f"{raw}: {exc}", self.refused)
            return
        if not path.exists():
            self.skip(raw, "not found", raw, self.missing)
            return
        if path.is_dir():
            self.folder(relative)
            return
        if self.policy.refuses(relative) and relative not in self.confirmed:
            self.secrets.append(relative)
            self.previews[relative] = self.preview(path, relative)
            return
        try:
            piece = read_path(path, relative, start=start, end=end, max_bytes=self.settings.read_max_bytes,
                              max_lines=self.settings.read_max_lines,
                              hint=lambda a, b: f"Attach them with @{relative}:{a}-{b}.")
        except NotReadable as exc:
            self.skip(raw, "not readable", f"{raw}: {exc}", self.refused)
            return
        body, kinds = self.redacted(piece)
        notes = "".join(f"\n[{note}]" for note in piece.notes)
        self.blocks.append({"type": "text", "text": f'<attached file="{relative}" lines="{piece.label.removeprefix("lines ")}">'
                                                    f"\n{body}{notes}\n</attached>"})
        self.names.append(relative)
        self.kinds += kinds
        left_out = next((n for n in piece.notes if n.startswith("Lines ")), None)
        if left_out:
            lines, _, why = left_out.partition(" were left out (")
            self.notes.append(f"{relative}: {piece.label} attached ({lines.split(' of ')[0].lower()} left out: "
                              f"{why.split(')')[0]}).")

    def redacted(self, piece: FileSlice) -> tuple[str, tuple[str, ...]]:
        shown, kinds = self.policy.clean_slice(piece)
        return shown.numbered().rstrip("\n"), kinds

    def preview(self, path: Any, relative: str) -> str:
        try:
            piece = read_path(path, relative, max_bytes=self.settings.read_max_bytes, max_lines=self.settings.read_max_lines)
        except NotReadable as exc:
            return f"{relative} is a secret file, and it cannot be attached: {exc}"
        body, kinds = self.redacted(piece)
        shown = body.split("\n")
        more = f"\n  … {len(shown) - 8} more lines" if len(shown) > 8 else ""
        what = f"secret-looking values redacted: {Redacted('', kinds).summary()}" if kinds else \
            "no secret-looking value was found to redact"
        return (f"{relative} is a secret file. If you confirm, the model receives its {piece.label} ({what}):\n"
                + "\n".join(f"  {line}" for line in shown[:8]) + more)

    def folder(self, relative: str) -> None:
        prefix = "" if relative == "." else relative.rstrip("/") + "/"
        listing = [f for f in self.repo.files() if f.startswith(prefix)]
        cap = self.settings.list_max_files
        body = "\n".join(listing[:cap]) or "(no files listed: the folder is empty or ignored)"
        if len(listing) > cap:
            body += f"\n[{len(listing) - cap:,} more files not listed]"
            self.notes.append(f"{prefix or './'}: the first {cap:,} of {len(listing):,} files attached.")
        name = prefix or "./"
        self.blocks.append({"type": "text", "text": f'<attached folder="{name}" files="{len(listing)}">\n{body}\n</attached>'})
        self.names.append(name)


def prepare_message(
    text: str,
    repo: Repository,
    settings: Settings,
    *,
    confirmed_secrets: Iterable[str] = (),
    skip_missing: bool = False,
) -> PreparedMessage:
    """Read every `@path` of `text` into content blocks (see the module docstring).

    Args:
        confirmed_secrets: secret files the person agreed to send (their repository paths).
        skip_missing: send without the paths that are missing or refused (the person confirmed).
    """
    builder = _Builder(repo, settings, set(confirmed_secrets), skip_missing)

    def exists(token: str) -> bool:
        try:
            return repo.resolve(token)[0].exists()
        except PathRefused:
            return False

    for raw in attachment_paths(text, exists):
        builder.add(raw)
    typed = builder.policy.clean(text)
    kinds = list(dict.fromkeys([*typed.kinds, *builder.kinds]))
    meta: dict[str, Any] = {}
    if builder.names:
        meta["attachments"] = builder.names
    if kinds:
        meta["redactions"] = kinds
    return PreparedMessage(typed.text, builder.blocks, meta, builder.missing, builder.refused, builder.secrets, kinds,
                           builder.notes, builder.previews)
