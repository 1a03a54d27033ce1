"""Every entry of the organization navigation bar names a page that exists."""

import pytest
from django.urls import reverse

from annexa.core.nav import ORG_NAV


@pytest.mark.parametrize(("label", "name"), ORG_NAV, ids=[label for label, _name in ORG_NAV])
def test_it_resolves_every_navigation_entry(label, name):
    url = reverse(name, kwargs={"org": "acme"})
    assert url.startswith("/o/acme/"), f"{label} ({name}) resolves outside the organization"


def test_it_lists_each_page_once():
    names = [name for _label, name in ORG_NAV]
    assert len(names) == len(set(names))
