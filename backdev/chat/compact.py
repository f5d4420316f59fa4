"""Compacting a session: by hand (`/compact [instructions]`) and before a request that nears the window.

The core of it is `backdev.context.compaction` (what is cut, the summarising request, the record)
and `backdev.context.pinned` (what is never summarised); this puts them together for an
`Assistant` and says, in one line, what happened. Where the model takes the API's server-side
compaction, the API compacts; when its answer holds no summary, backdev's summarising request
does it instead, and says so.
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
    server_block,
    server_compacts,
    server_request,
    spent_by_model,
    summary_request,
    to_summarise,
    write_summary,
)
from backdev.context.pinned import pinned_text
from backdev.llm.events import Usage

#: Characters of conversation per token of the window the summarising request may hold (a
#: token is about four characters: this keeps that request near half the window).
CHARS_PER_WINDOW_TOKEN = 2


FELL_BACK = "The API's compaction returned no summary: backdev summarised the earlier turns itself."


async def compact(assistant: Assistant, instructions: str = "") -> tuple[CompactionRecord, str]:
    """Compact the turns before the last `KEEP_TURNS` and record it; returns the record and a note
    ('' or `FELL_BACK`). Raises CompactionError saying why not."""
    store, session = assistant.store, assistant.session.id
    rows = assistant.messages()
    previous = load_record(store, session)
    cut = cut_after(kept_rows(rows, previous))
    if cut is None:
        raise CompactionError(f"Nothing to compact yet: the conversation sent is only its last {KEEP_TURNS} turns.")
    before = assistant.next_request_tokens()
    model = assistant.model.model_id
    instructions = assistant.policy.clean(instructions).text  # typed text: secrets never reach the model or store
    messages = to_summarise(rows, previous, cut)
    spent = spent_by_model(previous)
    block, note = None, ""
    if server_compacts(assistant.limits(), assistant.provider):
        request = server_request(assistant.build_request(), previous, messages)
        block, usage = await server_block(assistant.provider, request, instructions)
        spent[model] = spent.get(model, Usage()) + usage  # a compaction that failed was still billed
        note = "" if block is not None else FELL_BACK
    if block is not None:
        summary = str(block["content"])  # kept as it came: the API checks the block's signature
    else:
        request = summary_request(model, previous, messages, instructions,
                                  assistant.limits().max_input_tokens * CHARS_PER_WINDOW_TOKEN)
        summary, usage = await write_summary(assistant.provider, request)
        summary = assistant.policy.clean(summary).text
        spent[model] = spent.get(model, Usage()) + usage
    record = CompactionRecord(at=time.time(), last_message_id=cut, summary=summary,
                              pinned=pinned_text(assistant.workflow, rows), tokens_before=before, tokens_after=0,
                              instructions=instructions, usage={m: asdict(u) for m, u in spent.items()}, block=block)
    save_record(store, session, record)
    record = replace(record, tokens_after=assistant.next_request_tokens())
    save_record(store, session, record)
    return record, note


def compacted_line(record: CompactionRecord, *, automatic: bool = False) -> str:
    why = "The conversation neared the context window: compacted" if automatic else "Compacted"
    how = "with the API's server-side compaction" if record.block else "into a summary"
    return (f"{why} the earlier turns {how}: {record.tokens_before:,} → {record.tokens_after:,} tokens "
            "(the requirements, design, checklists, last test run, findings and changed files are kept word for "
            "word; /context shows it).")


async def compact_events(assistant: Assistant, instructions: str = "") -> AsyncGenerator[ChatEvent, None]:
    """`/compact`: one line saying the tokens before and after, or why it could not be done."""
    yield Note("Compacting the earlier conversation…")
    try:
        record, note = await compact(assistant, instructions.strip())
    except CompactionError as exc:
        yield Note(str(exc), error=True)
        return
    if note:
        yield Note(note)
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
        record, note = await compact(assistant)
    except CompactionError as exc:
        yield Note(str(exc), error=True)
        return
    if note:
        yield Note(note)
    yield Note(compacted_line(record, automatic=True))
