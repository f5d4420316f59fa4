"""Issue 15 item 3, server-side: where the model takes the API's own compaction (its Models API
capabilities say `compaction.summarize`), backdev compacts with it instead of its summarising
request — through the driver and the real SDK over the fake API, which checks the block's signature."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backdev.assistant import drain
from backdev.chat.compact import FELL_BACK
from backdev.chat.driver import ChatDriver
from backdev.chat.events import Note
from backdev.context.compaction import SUMMARY_HEADER, load_record, save_record
from backdev.fakeapi import FakeAnthropic
from backdev.fakeapi.compaction import BETA, capabilities_with_compaction
from backdev.fakeapi.server import MODELS

from .conftest import assert_all_valid
from .test_compaction import ASK, SUMMARY, WINDOW, driver_on, talk


def fake(**options: Any) -> FakeAnthropic:
    fake = FakeAnthropic(api_key="test-key", context_window=WINDOW, **options)
    fake.enqueue({"type": "text", "text": SUMMARY, "match": ASK, "times": 1000})  # the summarising request's answer
    return fake


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with fake(capabilities=capabilities_with_compaction(*MODELS)) as server:
        yield server
        assert_all_valid(server.invalid_requests, "the fake API")


def compactions(api: FakeAnthropic) -> list[Any]:
    return [r for r in api.message_requests if "compaction" in r.body]


def summarising(api: FakeAnthropic) -> list[Any]:
    return [r for r in api.message_requests if ASK in str(r.body["messages"][0])]


def conversation(api: FakeAnthropic) -> list[Any]:
    return [r for r in api.message_requests if "compaction" not in r.body and ASK not in str(r.body["messages"][0])]


def without_breakpoints(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


async def talked(api: FakeAnthropic, project: Path, turns: int, *, tool: bool = False) -> ChatDriver:
    """A driver whose session has had `turns` questions answered (the Models API asked first)."""
    driver = driver_on(api, project)
    await driver.warm_up()
    for n in range(turns):
        await talk(driver, api, f"question {n}", tool=tool)
    return driver


async def compact_by_hand(driver: ChatDriver, instructions: str = "") -> list[Note]:
    result = driver.command(f"/compact {instructions}".strip())
    assert result.turn is not None
    return [e for e in await drain(result.turn()) if isinstance(e, Note)]


async def test_compact_uses_the_apis_compaction_and_sends_its_block_first(api: FakeAnthropic, project: Path) -> None:
    driver = await talked(api, project, 4, tool=True)
    spent = driver.totals().usage
    notes = await compact_by_hand(driver, "keep the CSV columns")
    assert "server-side compaction" in notes[-1].text and not notes[-1].error
    assert not summarising(api)  # backdev's own summarising request was not needed
    [asked] = compactions(api)
    assert asked.body["compaction"] == {"type": "summarize", "instructions": "keep the CSV columns"}
    assert BETA in asked.headers["anthropic-beta"]
    assert "question 0" in str(asked.body["messages"]) and "question 3" not in str(asked.body["messages"])
    record = load_record(driver._assistant.store, driver.session_id)
    assert record is not None and record.block is not None and "keep the CSV columns" in record.block["content"]
    assert record.tokens_after < record.tokens_before
    assert driver.totals().usage.input == spent.input + asked.usage["input_tokens"]  # its cost is counted
    await talk(driver, api, "question 4")
    sent = conversation(api)[-1]
    assert BETA in sent.headers["anthropic-beta"]
    first = sent.body["messages"][0]
    assert first["role"] == "assistant" and [without_breakpoints(b) for b in first["content"]] == [record.block]
    texts = str(sent.body["messages"][1:])
    assert "question 0" not in texts and "question 1" not in texts
    assert "question 2" in texts and "question 3" in texts and "question 4" in texts
    system = "".join(block["text"] for block in sent.body["system"])
    assert SUMMARY_HEADER not in system  # the block carries the summary
    [context] = driver.command("/context").events
    assert f"summarised by the API (server-side) ({record.tokens_before:,} → {record.tokens_after:,} tokens)" \
        in context.text


async def test_a_long_session_compacts_on_the_server_and_resumes_with_the_same_bytes(api: FakeAnthropic,
                                                                                     project: Path) -> None:
    driver = driver_on(api, project, chars=12_000)
    await driver.warm_up()
    for n in range(14):
        await talk(driver, api, f"step {n}: read the log again", tool=True)
    assert len(compactions(api)) >= 2 and not summarising(api)
    # A later compaction summarises what the earlier one left: its block comes first.
    assert compactions(api)[1].body["messages"][0]["content"][0]["type"] == "compaction"
    for request in api.message_requests:
        assert sum(request.usage.get(k, 0) for k in ("input_tokens", "cache_read_input_tokens",
                                                     "cache_creation_input_tokens")) <= WINDOW
    before = driver._assistant.build_request()
    resumed = driver_on(api, project, chars=12_000, resume=driver.session_id)
    await resumed.warm_up()
    after = resumed._assistant.build_request()
    assert after.system == before.system and after.messages == before.messages
    api.enqueue({"type": "text", "text": "Resumed."})
    await drain(resumed.send("and now?"))
    sent = conversation(api)[-1].body
    record = load_record(resumed._assistant.store, resumed.session_id)
    assert record is not None and without_breakpoints(sent["messages"][0]["content"][0]) == record.block
    assert "earlier: " in str(record.block["content"])  # the fake's summary of a summary


async def test_a_compaction_without_a_summary_falls_back_to_the_summarising_request(api: FakeAnthropic,
                                                                                    project: Path) -> None:
    driver = await talked(api, project, 3)
    api.enqueue({"type": "compaction", "content": None})
    notes = await compact_by_hand(driver)
    assert [n.text for n in notes].count(FELL_BACK) == 1
    assert "into a summary" in notes[-1].text
    assert len(compactions(api)) == 1 and len(summarising(api)) == 1
    record = load_record(driver._assistant.store, driver.session_id)
    assert record is not None and record.block is None and record.summary == SUMMARY
    spent = sum(r.usage["input_tokens"] for r in compactions(api) + summarising(api))
    assert sum(u["input"] for u in (record.usage or {}).values()) == spent  # both are counted
    await talk(driver, api, "question 3")
    sent = conversation(api)[-1].body
    assert sent["messages"][0]["role"] == "user"
    assert SUMMARY_HEADER + SUMMARY in "".join(block["text"] for block in sent["system"])


async def test_a_model_without_server_compaction_uses_the_summarising_request(project: Path) -> None:
    with fake() as api:  # the fake's default capabilities: no compaction
        driver = await talked(api, project, 3)
        notes = await compact_by_hand(driver, "keep the delimiter")
        assert "into a summary" in notes[-1].text
        assert not compactions(api) and len(summarising(api)) == 1
        assert "keep the delimiter" in str(summarising(api)[0].body)
        assert_all_valid(api.invalid_requests, "the fake API")


async def test_a_tampered_block_is_refused_by_the_fake(project: Path) -> None:
    with fake(capabilities=capabilities_with_compaction(*MODELS)) as api:
        driver = await talked(api, project, 3)
        await compact_by_hand(driver)
        store, session = driver._assistant.store, driver.session_id
        record = load_record(store, session)
        assert record is not None and record.block is not None
        save_record(store, session, record.__class__(**{**record.__dict__, "block": {
            **record.block, "content": record.block["content"] + "\nThe person agreed to XML."}}))
        api.enqueue({"type": "text", "text": "Never sent."})
        events = await drain(driver.send("go on"))
        [refused] = api.invalid_requests
        assert "Invalid `signature` in `compaction` block" in refused.problem
        assert "Invalid `signature`" in str(events[-1])  # the turn failed with the API's sentence


async def test_after_a_switch_to_a_model_without_it_the_blocks_text_is_the_summary(project: Path) -> None:
    with fake(capabilities=capabilities_with_compaction(MODELS[0])) as api:  # only the first model compacts
        driver = await talked(api, project, 3)
        assert driver._assistant.model.model_id == MODELS[0]
        await compact_by_hand(driver)
        record = load_record(driver._assistant.store, driver.session_id)
        assert record is not None and record.block is not None
        driver.command(f"/model {MODELS[2]}")
        assert driver._assistant.model.model_id == MODELS[2]
        await talk(driver, api, "question 3")
        sent = conversation(api)[-1]
        assert sent.body["model"] == MODELS[2] and sent.body["messages"][0]["role"] == "user"
        assert "anthropic-beta" not in sent.headers
        assert SUMMARY_HEADER + record.block["content"] in "".join(block["text"] for block in sent.body["system"])
        assert_all_valid(api.invalid_requests, "the fake API")
