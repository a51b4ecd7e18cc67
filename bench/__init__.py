"""Benchmarks: scripts that print figures with a same-run baseline (see README.md)."""
