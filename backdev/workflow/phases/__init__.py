"""Phases as data, the session's phase state and its changes, the phase prompt and view."""
