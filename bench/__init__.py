"""Benchmarks: the harness (``bench/run.py``) and the bare Flask baseline (``bench/hello.py``)."""
