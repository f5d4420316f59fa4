"""The persona's workflow, by concern.

- `phases/` — the phases as data (definition), the session's phase state and every change to it
  (engine), the phase's text in the system prompt, what front ends show (view), and opening a
  persona's workflow for a session.
- `actions/` — what a phase does to the repository: file edits and artifacts (with diffs and
  patches) and test runs.
- `review/` — reviews: what is sent (request, changes), findings, the report in its formats, and
  the saved review artifact.
- `tools.py` — the five tools the model uses for all of it, in their fixed order.
"""
