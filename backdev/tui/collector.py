"""When Python's cyclic garbage collector may run in the app: not while the screen must keep up."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget


class CollectorHold:
    """Python's cyclic garbage collector held off while replies stream.

    A full collection walks every object the session has made since start-up (50-400 ms measured
    here, several times a reply), and the screen cannot follow the stream meanwhile. Reference
    counting still frees all garbage without cycles; what has cycles is collected a quarter of a
    second after the last streaming reply ends, once its final frame is on screen (one pause then,
    instead of several while the person reads the stream).
    """

    def __init__(self) -> None:
        self.holders = 0
        self.held = False
        self.was_enabled = False

    def hold(self) -> None:
        if self.holders == 0 and not self.held:
            self.was_enabled, self.held = gc.isenabled(), True
            gc.disable()
        self.holders += 1

    def release(self, widget: Widget) -> None:
        self.holders = max(0, self.holders - 1)
        if self.holders == 0 and self.held:
            widget.set_timer(0.25, self.settle)  # after the last frame of what held it

    def drop(self) -> None:
        """A holder is gone without a frame to wait for (unmounted, or the app closing): settle now."""
        self.holders = max(0, self.holders - 1)
        self.settle()

    def settle(self) -> None:
        """Collect and let the collector run again, once nothing holds it (also when the app closes)."""
        if self.holders == 0 and self.held:
            self.held = False
            if self.was_enabled:
                gc.collect()  # before enabling: else the first automatic pass walks all of it mid-frame
                gc.enable()


collector = CollectorHold()  # one for the app: every streaming reply counts
