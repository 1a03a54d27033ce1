"""Secrets are sealed with AES-GCM, bound to organization, connector and field, and rotatable."""

from __future__ import annotations

import json
import pickle

import pytest

from annexa.connectors import secrets
from annexa.connectors.schema import Secret
from annexa.connectors.services import rotate_keys
from annexa.connectors.tests.factories import make_connector

BINDING = {"org_uid": "org-1", "connector_uid": "conn-1", "field": "token"}


def test_it_round_trips_a_secret():
    token = secrets.seal("hunter2-canary", **BINDING)
    assert "hunter2" not in token
    assert secrets.unseal(token, **BINDING) == "hunter2-canary"


def test_it_uses_a_fresh_nonce_each_time():
    assert secrets.seal("same", **BINDING) != secrets.seal("same", **BINDING)


@pytest.mark.parametrize(
    "other",
    [
        {"org_uid": "org-2"},
        {"connector_uid": "conn-2"},
        {"field": "password"},
    ],
)
def test_it_refuses_a_token_moved_to_another_binding(other):
    token = secrets.seal("value", **BINDING)
    with pytest.raises(secrets.SecretError, match="another connector or field"):
        secrets.unseal(token, **(BINDING | other))


def test_it_refuses_a_damaged_token():
    token = secrets.seal("value", **BINDING)
    with pytest.raises(secrets.SecretError):
        secrets.unseal(token[:-4] + "AAAA", **BINDING)
    with pytest.raises(secrets.SecretError, match="not a sealed"):
        secrets.unseal("plain text", **BINDING)


def test_it_writes_a_private_keyring_with_key_ids(home):
    path = secrets.keyring_path()
    assert path == home / "keys" / "secrets.key"
    assert path.stat().st_mode & 0o777 == 0o600
    document = json.loads(path.read_text())
    assert document["active"] in document["keys"]
    assert secrets.ensure_keyring() is False  # already there: left alone


def test_it_says_how_to_create_a_missing_keyring(home):
    secrets.keyring_path().unlink()
    with pytest.raises(secrets.SecretError, match="annexa init"):
        secrets.seal("value", **BINDING)


def test_it_opens_old_tokens_after_a_new_key_becomes_active():
    old = secrets.seal("value", **BINDING)
    old_key = secrets.split_token(old)[0]
    new_key = secrets.add_active_key()
    assert new_key != old_key
    assert secrets.unseal(old, **BINDING) == "value"
    assert secrets.split_token(secrets.seal("value", **BINDING))[0] == new_key


def test_it_reports_a_token_whose_key_was_removed():
    old = secrets.seal("value", **BINDING)
    secrets.add_active_key()
    secrets.remove_keys({secrets.split_token(old)[0]})
    with pytest.raises(secrets.SecretError, match="not in the keyring"):
        secrets.unseal(old, **BINDING)


def test_it_never_removes_the_active_key():
    active = secrets.load_keyring().active
    assert secrets.remove_keys({active}) == []


def test_it_reseals_every_connector_on_rotation(acme, globex):
    first, second = make_connector(acme), make_connector(globex)
    before = {c.pk: secrets.split_token(c.sealed["token"])[0] for c in (first, second)}
    summary = rotate_keys()
    assert summary.resealed == 2 and summary.connectors == 2
    for connector in (first, second):
        connector.refresh_from_db()
        key_id = secrets.split_token(connector.sealed["token"])[0]
        assert key_id == summary.key_id != before[connector.pk]
        from annexa.connectors.services import open_secrets

        assert open_secrets(connector)["token"].startswith("token-")


def test_it_prunes_keys_no_secret_uses(acme):
    connector = make_connector(acme)
    old_key = secrets.split_token(connector.sealed["token"])[0]
    summary = rotate_keys(prune=True)
    assert summary.removed_keys == [old_key]
    assert set(secrets.load_keyring().keys) == {summary.key_id}


def test_it_records_the_rotation_in_the_ledger(acme):
    from annexa.ledger.models import LedgerEntry

    connector = make_connector(acme)
    rotate_keys()
    entry = LedgerEntry.objects.filter(object_id=str(connector.uid), action="reseal").get()
    assert "token" in entry.data and "token-" not in entry.data


class TestSecretValue:
    def test_it_hides_itself_in_repr_str_and_format(self):
        value = Secret("canary-123")
        assert "canary" not in repr(value)
        assert "canary" not in str(value)
        assert "canary" not in f"{value}"
        assert "canary" not in "%s %r" % (value, value)  # noqa: UP031 - as logging formats
        assert value.reveal() == "canary-123"

    def test_it_refuses_to_be_pickled(self):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(Secret("canary-123"))

    def test_it_compares_by_value(self):
        assert Secret("a") == Secret("a")
        assert Secret("a") != Secret("b")


def test_a_rotation_is_a_security_event_without_any_secret(acme, caplog):
    make_connector(acme)
    with caplog.at_level("INFO", logger="annexa.security"):
        summary = rotate_keys()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "annexa.security"]
    assert "keyring rotated" in line and summary.key_id in line and "resealed=1" in line
    assert "token-" not in line  # the sealed value itself is never logged
