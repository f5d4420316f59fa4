"""The calibration of the size estimate, kept in the session's state so that it survives resume.

What the API counted for the requests of a session (`Calibration`, in `backdev.context.estimate`)
is what the gauge, the size checks and the compaction point are scaled by. A resumed session starts
from the ratio it had learnt, not from 1.0: otherwise its first request after resume is sized by
the raw estimate, which for a gateway that counts differently may be far off.
"""

from __future__ import annotations

from backdev.context.estimate import PLAUSIBLE, Calibration
from backdev.session.store import SessionStore

STATE_KEY = "calibration"


def load_calibration(store: SessionStore, session_id: str) -> Calibration:
    """The session's stored calibration; a fresh one when none was stored (or it cannot be read)."""
    data = store.get_session(session_id).state.get(STATE_KEY)
    if not isinstance(data, dict):
        return Calibration()
    ratio, samples = data.get("ratio"), data.get("samples")
    if not isinstance(ratio, (int, float)) or not isinstance(samples, int) or not PLAUSIBLE[0] <= ratio <= PLAUSIBLE[1]:
        return Calibration()
    return Calibration(float(ratio), max(0, samples))


def save_calibration(store: SessionStore, session_id: str, calibration: Calibration) -> None:
    store.set_state(session_id, STATE_KEY, {"ratio": calibration.ratio, "samples": calibration.samples})
