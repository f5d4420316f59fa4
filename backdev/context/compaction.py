"""Compaction (issue 15): older turns summarised, what matters re-sent word for word.

When a session nears the model's window (or the person types `/compact`), the turns before the
last `KEEP_TURNS` are summarised by one plain request to the provider (it works on every
endpoint: gateways and local servers too). The cut is always at the start of a turn — the
person's message — so a `tool_use` and its `tool_result` are never split and the conversation
sent still starts with the person's message.

The result is a `CompactionRecord` in the session's state (`compaction`): when, the id of the
last message summarised, the summary, the pinned text, the tokens before and after. From then on
the request sends, after the stable system blocks, a `summary` block and a `pinned` block (the
requirements and design artifacts, every phase's checklist with notes, the last test run, the
open review findings, the files changed — `backdev.context.pinned`), then only the messages after
the cut. Both blocks are frozen in the record, so every request until the next compaction (and a
resumed session) sends the same prefix. The store keeps every message: the transcript is whole.

Where the model takes the API's own server-side compaction (its Models API capabilities say
`compaction.summarize`, and the provider can ask for it), the same turns are compacted by the
API instead (`server_request`): the record then keeps the `compaction` block the API returned,
exactly as it came, and every later request sends it back first, as an assistant message in place
of the summarised turns (`opening`), with the pinned block as before and no `summary` block.
A model that does not take it (the person switched) gets the block's text as the summary block.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from backdev.context.limits import ModelLimits
from backdev.llm.events import MessageFinished, StreamFailed, Usage
from backdev.llm.provider import Provider, Request
from backdev.session.context import api_messages
from backdev.session.store import SessionStore, StoredMessage

STATE_KEY = "compaction"
#: The turns kept whole after a compaction (the last ones: what the model is working on).
KEEP_TURNS = 2
#: A tool result or long text is cut to this many characters in what is summarised.
BLOCK_CHARS = 2_000
SUMMARY_HEADER = "Summary of the earlier conversation (older turns were compacted; this replaces them):\n\n"
PINNED_HEADER = ("Pinned: kept word for word across compactions (the requirements, design decisions, checklists, "
                 "last test run, open findings and files changed):\n\n")
SUMMARY_SYSTEM = ("You summarise a software-development conversation between a person and an assistant so that "
                  "the assistant can continue it without the original. Keep every decision, requirement, "
                  "constraint, file name, open question and next step; drop pleasantries and tool output that "
                  "no longer matters. Write plain text, at most about 600 words.")


class CompactionError(RuntimeError):
    """Compaction could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class CompactionRecord:
    """One compaction, as stored in the session's state (see the module docstring)."""

    at: float
    last_message_id: int
    summary: str
    pinned: str
    tokens_before: int
    tokens_after: int
    instructions: str = ""
    # What every summarising request of the session cost so far, in tokens, by model (counted in the totals).
    usage: dict[str, dict[str, int]] | None = None
    # The API's `compaction` block, verbatim, when the API compacted (server-side); None otherwise.
    block: dict[str, Any] | None = None

    def blocks(self) -> list[tuple[str, str]]:
        """The (name, text) of the blocks sent after the system prompt: the summary (unless the API's
        block carries it in the messages), then the pinned text."""
        blocks = [] if self.block else [("summary", SUMMARY_HEADER + self.summary)]
        if self.pinned:
            blocks.append(("pinned", PINNED_HEADER + self.pinned))
        return blocks


def load_record(store: SessionStore, session_id: str) -> CompactionRecord | None:
    """The session's last compaction, or None (a record that cannot be read counts as none)."""
    data = store.get_session(session_id).state.get(STATE_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return CompactionRecord(**data)
    except TypeError:
        return None


def spent_by_model(record: CompactionRecord | None, model: str = "", usage: Usage | None = None) -> dict[str, Usage]:
    """The tokens the session's compactions used, by model, with `usage` of `model` added when given."""
    spent = {name: Usage(**counts) for name, counts in ((record.usage if record else None) or {}).items()}
    if usage is not None:
        spent[model] = spent.get(model, Usage()) + usage
    return spent


def server_compacts(limits: ModelLimits, provider: Provider) -> bool:
    """Whether compaction goes to the API: the model's capabilities say so and the provider can ask for it."""
    return (limits.supports("compaction") and limits.supports("compaction.summarize")
            and callable(getattr(provider, "compact", None)))


def as_sent(record: CompactionRecord | None, server: bool) -> CompactionRecord | None:
    """`record` as the current model is sent it: its block's text as the summary where the model takes no block."""
    return replace(record, block=None) if record is not None and record.block and not server else record


def opening(record: CompactionRecord | None) -> list[dict[str, Any]]:
    """The message a request starts with after a server-side compaction: the API's block, as it came."""
    return [{"role": "assistant", "content": [record.block]}] if record is not None and record.block else []


def server_request(base: Request, previous: CompactionRecord | None, messages: Sequence[dict[str, Any]]) -> Request:
    """The API's compaction request: the next request's system and tools (a prefix already cached) with
    `messages`, the turns to summarise, after what the previous compaction left (its block, or its summary)."""
    messages = list(messages)
    if previous is not None and not previous.block and messages:  # after a summarising compaction
        first = messages[0]
        messages[0] = {**first, "content": [{"type": "text", "text": SUMMARY_HEADER + previous.summary},
                                            *first["content"]]}
    return replace(base, messages=(*opening(previous), *messages), reasoning=None)


async def server_block(provider: Any, request: Request, instructions: str) -> tuple[dict[str, Any] | None, Usage]:
    """The API's compaction block (None when it wrote no summary) and what the request used; raises
    CompactionError with the API's sentence when the request failed."""
    result = await provider.compact(request, instructions)
    if isinstance(result, StreamFailed):
        raise CompactionError(f"Could not compact: {result.failure.message}")
    found = [b for b in result.content if b.get("type") == "compaction"]
    return (found[0] if found and found[0].get("content") else None), result.usage


def save_record(store: SessionStore, session_id: str, record: CompactionRecord) -> None:
    store.set_state(session_id, STATE_KEY, asdict(record))


def kept_rows(rows: list[StoredMessage], record: CompactionRecord | None) -> list[StoredMessage]:
    """The rows sent as messages: those after the last one summarised."""
    return rows if record is None else [r for r in rows if r.id > record.last_message_id]


def cut_after(rows: Sequence[StoredMessage], keep_turns: int = KEEP_TURNS) -> int | None:
    """The id of the last row to summarise so that the last `keep_turns` turns stay whole (None:
    too few turns to summarise anything). The cut is just before a message the person typed."""
    starts = [i for i, r in enumerate(rows) if r.role == "user" and r.kind == "message"]
    if len(starts) <= keep_turns or starts[-keep_turns] == 0:
        return None
    return rows[starts[-keep_turns] - 1].id


def _clip(text: str) -> str:
    return text if len(text) <= BLOCK_CHARS else text[:BLOCK_CHARS] + f"\n[… {len(text) - BLOCK_CHARS:,} characters cut]"


def transcript_text(messages: Sequence[dict[str, Any]]) -> str:
    """The API messages as plain text for the summarising request, long blocks cut."""
    lines: list[str] = []
    for message in messages:
        for block in message["content"]:
            kind = block.get("type")
            if kind == "text":
                lines.append(f"{message['role']}: {_clip(block['text'])}")
            elif kind == "tool_use":
                lines.append(f"assistant called {block.get('name')}: {_clip(json.dumps(block.get('input')))}")
            elif kind == "tool_result":
                content = block.get("content")
                text = content if isinstance(content, str) else json.dumps(content)
                lines.append(f"tool result: {_clip(text)}")
    return "\n\n".join(lines)


def summary_request(model: str, previous: CompactionRecord | None, messages: Sequence[dict[str, Any]],
                    instructions: str, max_chars: int) -> Request:
    """The one plain request that writes the summary (earlier summary first, the newest text kept
    when it must be cut to `max_chars`)."""
    body = transcript_text(messages)
    if previous is not None:
        body = f"The summary of what came before:\n{previous.summary}\n\nThen:\n\n{body}"
    if len(body) > max_chars:
        body = "[… the oldest part is cut …]\n" + body[-max_chars:]
    ask = "Summarise this conversation." + (f" The person asks: {instructions}" if instructions else "")
    content = [{"type": "text", "text": f"<conversation>\n{body}\n</conversation>\n\n{ask}"}]
    return Request(model=model, system=(SUMMARY_SYSTEM,), messages=({"role": "user", "content": content},),
                   max_tokens=2_000)


async def write_summary(provider: Provider, request: Request) -> tuple[str, Usage]:
    """Ask the provider for the summary; raises CompactionError with the API's sentence on failure."""
    async for event in provider.stream(request):
        if isinstance(event, StreamFailed):
            raise CompactionError(f"Could not compact: {event.failure.message}")
        if isinstance(event, MessageFinished):
            text = "".join(b.get("text", "") for b in event.content if b.get("type") == "text").strip()
            if not text:
                raise CompactionError("Could not compact: the model's summary was empty; try /compact again.")
            return text, event.usage
    raise CompactionError("Could not compact: the summary did not arrive; try /compact again.")


def to_summarise(rows: list[StoredMessage], previous: CompactionRecord | None, cut: int) -> list[dict[str, Any]]:
    """The API messages of the rows between the previous compaction and `cut`."""
    return api_messages([r for r in kept_rows(rows, previous) if r.id <= cut])



def rehomed(announcements: list[dict[str, object]], kept: list[StoredMessage]) -> list[dict[str, object]]:
    """The phase announcements for the kept rows: when the current phase was announced on a
    summarised message, its text moves to the first kept message (the phase's instructions are
    never summarised away)."""
    if not kept or not announcements:
        return announcements
    first = kept[0].id
    if int(str(announcements[-1]["message_id"])) >= first:
        return announcements
    return [*announcements, {"message_id": first, "text": announcements[-1]["text"]}]
