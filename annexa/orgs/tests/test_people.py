"""People are shown the same way on every page: by name, with the e-mail address on hover
(``{% load people %}`` and ``{{ someone|person }}``, ``|actor``, ``|people``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from annexa.ledger.readable import Actor
from annexa.orgs.models import User

ROOT = Path(__file__).resolve().parents[3]


def render(source: str, **context) -> str:
    return Template("{% load people %}" + source).render(Context(context))


def named() -> User:
    return User(email="ada@example.test", full_name="Ada <Lovelace>")


def unnamed() -> User:
    return User(email="bob@example.test")


def test_a_named_person_shows_the_name_with_the_address_on_hover():
    assert render("{{ u|person }}", u=named()) == (
        '<span class="person" title="ada@example.test">Ada &lt;Lovelace&gt;</span>'
    )


def test_a_person_without_a_name_shows_the_address():
    assert render("{{ u|person }}", u=unnamed()) == '<span class="person">bob@example.test</span>'


def test_a_ledger_actor_is_shown_like_a_user():
    assert render("{{ a|person }}", a=Actor("ada@example.test", "Ada")) == (
        '<span class="person" title="ada@example.test">Ada</span>'
    )
    assert render("{{ a|person }}", a=Actor("system (demo data)")) == "system (demo data)"


def test_plain_text_is_shown_as_it_is_and_escaped():
    assert render("{{ t|person }}", t="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("nobody", [None, ""])
def test_nobody_is_nothing_or_the_argument(nobody):
    assert render("{{ u|person }}", u=nobody) == ""
    assert render('{{ u|person:"—" }}', u=nobody) == "—"


@pytest.mark.parametrize("nobody", [None, ""])
def test_an_action_by_nobody_is_the_systems(nobody):
    assert render("{{ u|actor }}", u=nobody) == '<span class="person">system</span>'


def test_an_action_by_someone_shows_them():
    assert render("{{ u|actor }}", u=named()) == render("{{ u|person }}", u=named())


def test_several_people_are_comma_separated():
    assert render("{{ us|people }}", us=[named(), unnamed()]) == (
        '<span class="person" title="ada@example.test">Ada &lt;Lovelace&gt;</span>, '
        '<span class="person">bob@example.test</span>'
    )
    assert render('{{ us|people|default:"—" }}', us=[]) == "—"


# A person's name falling back to their address by hand (``x.full_name|default:x.email``) shows
# the address instead of the name with the address on hover; the filter is the one way pages show
# a person. (The profile's own Name field, ``full_name|default:"—"``, is a field, not a person.)
BY_HAND = re.compile(r"full_name\s*\|\s*default\s*:\s*[A-Za-z_]")


def test_the_scan_finds_a_person_shown_by_hand():
    assert BY_HAND.search("{{ r.assignee.full_name|default:r.assignee.email }}")
    assert BY_HAND.search("{{ m.full_name | default: m.email }}")
    assert not BY_HAND.search('{{ user.full_name|default:"—" }}')


def test_no_template_shows_a_person_by_hand():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "annexa").rglob("templates/**/*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BY_HAND.search(line)
    ]
    assert not offenders, "use {{ someone|person }} (or {{ someone }} in an <option>)"
