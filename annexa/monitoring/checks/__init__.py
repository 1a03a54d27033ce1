"""Annexa's control tests: one module per test, named by the test's id (see ``loader``)."""
