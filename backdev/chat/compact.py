"""Compacting a session: by hand (`/compact [instructions]`) and before a request that nears the window.

The core of it is `backdev.context.compaction` (what is cut, the summarising request, the record)
and `backdev.context.pinned` (what is never summarised); this puts them together for an
`Assistant` and says, in one line, what happened.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from dataclasses import asdict, replace
from typing import Any

from backdev.assistant import Assistant
from backdev.chat.events import ChatEvent, Note
from backdev.context.compaction import (
    KEEP_TURNS,
    CompactionError,
    CompactionRecord,
    cut_after,
    kept_rows,
    load_record,
    save_record,
    spent_by_model,
    summary_request,
    to_summarise,
    write_summary,
)
from backdev.context.pinned import pinned_text

#: Characters of conversation per token of the window the summarising request may hold (a
#: token is about four characters: this keeps that request near half the window).
CHARS_PER_WINDOW_TOKEN = 2


async def compact(assistant: Assistant, instructions: str = "") -> CompactionRecord:
    """Summarise the turns before the last `KEEP_TURNS` and record it (raises CompactionError saying why not)."""
    store, session = assistant.store, assistant.session.id
    rows = assistant.messages()
    previous = load_record(store, session)
    cut = cut_after(kept_rows(rows, previous))
    if cut is None:
        raise CompactionError(f"Nothing to compact yet: the conversation sent is only its last {KEEP_TURNS} turns.")
    before = assistant.next_request_tokens()
    window = assistant.limits().max_input_tokens
    instructions = assistant.policy.clean(instructions).text  # typed text: secrets never reach the model or store
    request = summary_request(assistant.model.model_id, previous, to_summarise(rows, previous, cut), instructions,
                              window * CHARS_PER_WINDOW_TOKEN)
    summary, usage = await write_summary(assistant.provider, request)
    record = CompactionRecord(at=time.time(), last_message_id=cut, summary=assistant.policy.clean(summary).text,
                              pinned=pinned_text(assistant.workflow, rows), tokens_before=before, tokens_after=0,
                              instructions=instructions,
                              usage={m: asdict(u) for m, u in spent_by_model(previous, request.model, usage).items()})
    save_record(store, session, record)
    record = replace(record, tokens_after=assistant.next_request_tokens())
    save_record(store, session, record)
    return record


def compacted_line(record: CompactionRecord, *, automatic: bool = False) -> str:
    why = "The conversation neared the context window: compacted" if automatic else "Compacted"
    return (f"{why} the earlier turns into a summary: {record.tokens_before:,} → {record.tokens_after:,} tokens "
            "(the requirements, design, checklists, last test run, findings and changed files are kept word for "
            "word; /context shows it).")


async def compact_events(assistant: Assistant, instructions: str = "") -> AsyncGenerator[ChatEvent, None]:
    """`/compact`: one line saying the tokens before and after, or why it could not be done."""
    yield Note("Compacting the earlier conversation…")
    try:
        record = await compact(assistant, instructions.strip())
    except CompactionError as exc:
        yield Note(str(exc), error=True)
        return
    yield Note(compacted_line(record))


async def compact_if_near(assistant: Assistant, content: list[dict[str, Any]] | None
                          ) -> AsyncGenerator[ChatEvent, None]:
    """Compact before a request whose estimate passes `compact_at_share` of the window (one line when it does)."""
    window = assistant.limits().max_input_tokens
    if assistant.next_request_tokens(content) <= assistant.settings.compact_at_share * window:
        return
    if cut_after(kept_rows(assistant.messages(), load_record(assistant.store, assistant.session.id))) is None:
        return  # only the last turns are sent: the size checks say what is big
    try:
        record = await compact(assistant)
    except CompactionError as exc:
        yield Note(str(exc), error=True)
        return
    yield Note(compacted_line(record, automatic=True))
