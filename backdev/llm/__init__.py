"""Talking to the model: events, the provider seam, the Anthropic provider and the tool loop.

Importing this package is cheap: `anthropic` is imported only by `anthropic_provider` and only
when a client is first needed.
"""
