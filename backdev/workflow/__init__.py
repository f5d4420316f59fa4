"""The persona's workflow: phases as data, per-session phase state, and the tools phases use."""
