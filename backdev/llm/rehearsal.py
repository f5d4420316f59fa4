"""A canned reply the API worker streams through the SDK once, in memory, before the first real one.

The SDK builds its pydantic validators lazily, on the first stream it reads: ~50 ms of the first
reply's first delta (a later reply's first delta takes ~5 ms). The worker reads this reply right
after it says it is ready, through an in-memory transport (no connection is made, nothing is sent),
so that cost is paid while the person is still typing. It holds the kinds of content a reply can
carry that are parsed differently: text, a tool call (streamed JSON) and the closing usage.
"""

from __future__ import annotations

import json
from typing import Any

from backdev.llm.provider import Request

REHEARSAL_REQUEST = Request(
    model="rehearsal", system=("rehearsal",),
    messages=({"role": "user", "content": [{"type": "text", "text": "rehearsal"}]},))

_EVENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("message_start", {"type": "message_start", "message": {
        "id": "msg_rehearsal", "type": "message", "role": "assistant", "model": "rehearsal", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "# A"}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "\nb"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
        "type": "tool_use", "id": "toolu_rehearsal", "name": "rehearsal", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {
        "type": "input_json_delta", "partial_json": '{"path": "a'}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {
        "type": "input_json_delta", "partial_json": '.py"}'}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                       "usage": {"output_tokens": 2}}),
    ("message_stop", {"type": "message_stop"}),
)


def rehearsal_stream() -> bytes:
    """The canned reply as the API sends it: server-sent events."""
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in _EVENTS)
