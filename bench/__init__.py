"""Benchmarks and data generators (see docs/performance.md)."""
