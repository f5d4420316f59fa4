"""How large a request is, before it is sent: the estimate, the model's window, the budget checks.

The small API other parts use (the compaction of issue 15 among them):

- `estimate_request_tokens(system=..., tools=..., messages=...)`: a fast local estimate of a
  request's input tokens (`backdev.context.estimate`), and `Calibration`, which scales it by what
  the API reported for the requests already sent;
- `context_window(model)`: the model's input window in tokens (`backdev.context.limits`), from the
  Models API's answer cached on disk, else backdev's fallback table.
"""

from backdev.context.estimate import Calibration, estimate_request_tokens
from backdev.context.limits import context_window

__all__ = ["Calibration", "context_window", "estimate_request_tokens"]
