"""Benchmark harness of the tracker: every figure is a ratio against a baseline measured in the same run.

Run `python -m bench --help`; see docs/bench.md."""
