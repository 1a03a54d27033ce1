"""Test-wide settings: a throw-away ANNEXA_HOME, a fixed secret key, a private test database.

Set before Django reads its settings. On PostgreSQL each pytest run gets its own test database
name, so two runs on one server (two developers, CI beside a session) never collide.
"""

import os
import tempfile

_home = tempfile.mkdtemp(prefix="annexa-test-home-")
os.environ["ANNEXA_HOME"] = _home
os.environ.setdefault("ANNEXA_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ANNEXA_TEST_DATABASE_NAME", f"test_annexa_{os.getpid()}")
os.environ["ANNEXA_SIGNING_KEY_PATH"] = os.path.join(_home, "keys", "ledger.pem")
os.environ["ANNEXA_STORAGE_URL"] = "file://" + os.path.join(_home, "blobs")
os.environ.pop("ANNEXA_REDIS_URL", None)

pytest_plugins = ["annexa.core.testing.fixtures"]
