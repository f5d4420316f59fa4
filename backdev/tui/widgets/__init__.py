"""Widgets of the chat screen: transcript entries, the prompt, completion, status bar, side panel."""
