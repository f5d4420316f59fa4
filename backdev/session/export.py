"""A session as a readable markdown transcript (tool calls summarised, failures marked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from backdev.llm.cost import format_cost, format_usage, total_of
from backdev.llm.models import Price
from backdev.session.context import unanswered_turns
from backdev.paths import data_dir, ensure_dir
from backdev.session.store import SessionRecord, SessionStore

STATUS_NOTES = {
    "interrupted": "_(reply cut off — interrupted)_",
    "cancelled": "_(reply cancelled)_",
    "superseded": "_(partial reply, asked again)_",
}


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def export_target(session: SessionRecord, argument: str = "") -> Path:
    """Where `/export [PATH]` writes: the given file or folder (relative to the repository root), or
    by default `exports/` in the user's data folder, never the repository itself, so a transcript
    is not committed or sent to a later `backdev review --diff` by accident."""
    name = f"backdev-session-{session.id}.md"
    if not argument:
        return ensure_dir(data_dir() / "exports") / name
    target = Path(argument).expanduser()
    if not target.is_absolute():
        target = Path(session.root) / target
    return target / name if target.is_dir() else target


def export_markdown(store: SessionStore, session: SessionRecord, price_overrides: Mapping[str, Price] | None = None) -> str:
    """The whole session as markdown: a header, then each message in order."""
    lines = [
        f"# backdev session {session.id}",
        "",
        f"- Folder: `{session.root}`",
        f"- Persona: {session.persona} · Model: {session.model}",
        f"- Started: {_when(session.created_at)} · Last activity: {_when(session.updated_at)}",
    ]
    usage, cost = total_of(store.usage_by_model(session.id), price_overrides)
    lines.append(f"- Tokens: {format_usage(usage)} · {format_cost(cost)}")
    lines.append("")
    rows = store.messages(session.id)
    unanswered = unanswered_turns(rows)
    for row in rows:
        if row.kind == "tool_results":
            for call in row.meta.get("tool_calls", []):
                flag = " ⚠" if call.get("is_error") else ""
                lines.append(f"> 🔧 `{call.get('summary', call.get('name', 'tool'))}`{flag}")
            lines.append("")
            continue
        if row.role == "user":
            lines += [f"## You · {_when(row.created_at)}", "", row.text, ""]
            for name in row.meta.get("attachments", []):
                lines.append(f"> 📎 attached `{name}`")
            if row.turn in unanswered:
                lines += ["_(not answered)_", ""]
            continue
        if row.text or row.status == "complete":
            lines += [f"## {session.persona} · {_when(row.created_at)}", "", row.text, ""]
        for block in row.content:
            if block.get("type") == "tool_use":
                lines.append(f"> 🔧 asks for `{block.get('name')}`")
        if row.status in STATUS_NOTES:
            lines.append(STATUS_NOTES[row.status])
        if row.meta.get("error") and row.status != "superseded":
            lines.append(f"> ⚠ {row.meta['error']}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
