"""The session driver: one UI-free object that both front ends (and `backdev review`) drive.

- `driver.py` — `ChatDriver`: input in (a line, a message, a retry, a review, another session),
  one stream of events out; approvals and confirmations through callbacks given at construction.
- `events.py` — the events a front end renders, and the questions it may be asked.
- `prepare.py` — a message made ready: attachments read, missing paths and secret files asked
  about, redactions noted.
- `review.py` — a review streamed as one turn, then its findings and its saved report.
- `transcript.py` — a stored session as the items a transcript shows (resuming).
"""
