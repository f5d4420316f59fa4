"""A scripted fake of the Anthropic Messages API for tests, benchmarks and trying backdev without a key."""

from backdev.fakeapi.server import FakeAnthropic, RecordedRequest

__all__ = ["FakeAnthropic", "RecordedRequest"]
