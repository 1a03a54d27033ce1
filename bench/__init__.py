"""Benchmarks: ``python -m bench`` runs every ``bench/bench_*.py`` module's ``run() -> dict``.

Speed is measured here and reported, never asserted in tests.
"""
