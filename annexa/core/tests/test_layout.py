"""The page frame: organization switcher, section navigation, favicon."""

import re

from annexa.core.testing.fixtures import make_persona
from annexa.orgs.choices import Role
from annexa.orgs.models import Membership


def options(html: str) -> list[tuple[str, bool]]:
    """The switcher's options as (label, selected)."""
    select = html[html.index('id="org-switcher"') : html.index("</select>")]
    found = re.findall(r"<option value=\"[^\"]*\"\s*(selected)?\s*>([^<]+)</option>", select)
    return [(label.strip(), bool(selected)) for selected, label in found]


def test_it_switches_between_the_users_organizations(client_for, isla, globex):
    make_persona(globex, "other@globex.test", Role.OWNER)
    Membership.objects.create(user=isla.user, organization=globex, role=Role.AUDITOR)
    client = client_for(isla)
    on_acme = client.get("/o/acme/").content.decode()
    assert options(on_acme) == [
        ("Acme Ltd (ISMS manager)", True),
        ("Globex Corp (Auditor)", False),
    ]
    assert '<a href="/o/acme/" aria-current="page">Dashboard</a>' in on_acme
    # outside any organization nothing is pre-selected, so choosing one always navigates
    outside = client.get("/catalog/").content.decode()
    assert options(outside)[0] == ("Choose an organization…", True)
    assert 'aria-label="Organization"' not in outside  # no organization sections here


def test_it_serves_its_own_favicon(client_for, vera):
    html = client_for(vera).get("/o/acme/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client_for(vera).get(icon)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"<svg")
