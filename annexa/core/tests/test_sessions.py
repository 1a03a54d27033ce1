"""Sessions end after 30 idle minutes or 12 hours, and never outlive their user's access."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from annexa.core import sessions

pytestmark = pytest.mark.django_db

PAGE = "/o/acme/"


def test_the_defaults_are_30_idle_minutes_and_12_hours():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_MAX_SECONDS == settings.SESSION_COOKIE_AGE == 12 * 3600


def test_an_idle_session_ends_and_activity_keeps_it_alive(client_for, isla, later, caplog):
    client = client_for(isla)
    assert client.get(PAGE).status_code == 200
    later(20 * 60)
    assert client.get(PAGE).status_code == 200  # active: the idle clock restarts
    later(45 * 60)  # 25 minutes after the last request
    assert client.get(PAGE).status_code == 200
    later(45 * 60 + settings.SESSION_IDLE_SECONDS)
    with caplog.at_level(logging.INFO, logger="annexa.security"):
        response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "session ended: idle timeout" in caplog.text
    assert not Session.objects.exists()


def test_a_used_session_still_ends_after_the_absolute_lifetime(client_for, isla, caplog):
    client = client_for(isla)
    assert client.get(PAGE).status_code == 200
    session = client.session
    session[sessions.SIGNED_IN_AT] -= settings.SESSION_MAX_SECONDS
    session.save()
    with caplog.at_level(logging.INFO, logger="annexa.security"):
        response = client.get(PAGE)
    assert response.status_code == 302
    assert "session ended: absolute timeout" in caplog.text


def test_a_session_without_a_sign_in_time_is_ended(client_for, isla):
    client = client_for(isla)
    session = client.session
    del session[sessions.SIGNED_IN_AT]
    session.save()
    assert client.get(PAGE).status_code == 302


def test_disabling_a_user_deletes_their_sessions_so_re_enabling_does_not_revive_them(
    client_for, isla, alice, django_user_model
):
    from django.test import Client

    isla_client = client_for(isla)
    other = Client()
    other.force_login(alice.user)
    assert isla_client.get(PAGE).status_code == 200
    user = django_user_model.objects.get(pk=isla.user.pk)
    user.is_active = False
    user.save()
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert remaining == [str(alice.user.pk)]  # only Isla's ended
    user.is_active = True
    user.save()
    assert isla_client.get(PAGE).status_code == 302  # must log in again
    assert other.get(PAGE).status_code == 200
