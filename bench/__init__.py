"""Benchmarks: run as modules, e.g. `python -m bench.lookup --smoke`. See bench/README.md."""
