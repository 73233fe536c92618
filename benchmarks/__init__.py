"""Benchmarks and load scripts, run from the project root (see benchmarks/README.md)."""
