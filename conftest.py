"""Test-wide fixtures (the personas) and plugins.

The test environment (throw-away ANNEXA_HOME, fixed secret key, private test database) is set in
``annexa/core/testing/env.py``, loaded with ``-p`` from pyproject's ``addopts``: pytest-django
reads the settings before this file runs, so variables set here would come too late.
"""

pytest_plugins = [
    "annexa.core.testing.fixtures",
    "annexa.core.testing.browser",
    "annexa.ledger.testing",
]
