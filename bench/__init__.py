"""Benchmarks (not tests): run each script directly, e.g. `python bench/bench_core.py`."""
