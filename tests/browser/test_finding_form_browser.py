"""The finding form offers "Nature of the gap" only while the grade is a nonconformity."""

from __future__ import annotations

import pytest

from annexa.core.testing.browser import login
from annexa.core.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_nature_of_the_gap_follows_the_grade(page, audrey):
    # The personas share one cached password hash, made with whichever hasher the first test
    # of the session used: hash it here with this one's (as the audit walkthrough does).
    audrey.user.set_password(PASSWORD)
    audrey.user.save(update_fields=["password"])
    login(page, audrey.user.email, PASSWORD)
    page.goto("/o/acme/findings/new/")
    nature = page.get_by_label("Nature of the gap")
    page.get_by_label("Grade").select_option("observation")
    nature.wait_for(state="hidden")
    assert nature.is_disabled()
    page.get_by_label("Grade").select_option("minor_nc")
    nature.wait_for(state="visible")
    assert nature.is_enabled()
