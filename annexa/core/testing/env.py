"""Test-wide environment: a throw-away ANNEXA_HOME, a fixed secret key, a private test database.

Loaded as a pytest plugin with ``-p annexa.core.testing.env`` (pyproject ``addopts``), because
pytest-django reads Django's settings before any ``conftest.py`` runs: variables set in a
conftest come too late. On PostgreSQL each pytest run gets its own test database name, so two
runs on one server (two developers, CI beside a session) never collide.
"""

import os
import tempfile

_home = tempfile.mkdtemp(prefix="annexa-test-home-")
# WhiteNoise warns on every request when STATIC_ROOT is missing; tests serve from the finders.
os.makedirs(os.path.join(_home, "static"))
os.environ["ANNEXA_HOME"] = _home
os.environ.setdefault("ANNEXA_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ANNEXA_TEST_DATABASE_NAME", f"test_annexa_{os.getpid()}")
os.environ["ANNEXA_SIGNING_KEY_PATH"] = os.path.join(_home, "keys", "ledger.pem")
os.environ["ANNEXA_STORAGE_URL"] = "file://" + os.path.join(_home, "blobs")
os.environ.pop("ANNEXA_REDIS_URL", None)
os.environ["ANNEXA_JOBS_IMMEDIATE"] = "true"  # huey tasks run inline in tests
