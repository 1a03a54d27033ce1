"""The test environment is in place before Django reads its settings."""

import os

from django.conf import settings


def test_it_runs_tests_in_a_throwaway_home():
    assert str(settings.HOME) == os.environ["ANNEXA_HOME"]
    assert "annexa-test-home-" in str(settings.HOME)


def test_it_gives_tests_a_secret_key():
    assert os.environ["ANNEXA_SECRET_KEY"] == settings.SECRET_KEY
    assert len(settings.SECRET_KEY) >= 32
