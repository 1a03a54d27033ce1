from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annexa.core.tenancy import OrgContext
from annexa.ledger.models import LedgerEntry
from annexa.ledger.services import history
from annexa.orgs import services
from annexa.orgs.choices import Role
from annexa.orgs.models import APIKey, Invitation, Membership, Organization, User
from annexa.orgs.services import OrgsError


def test_it_creates_an_organization_and_starts_its_ledger(db):
    org = services.create_organization("Initech", "initech")
    assert org.slug == "initech"
    entry = LedgerEntry.objects.get(organization=org)
    assert (entry.object_type, entry.action) == ("organization", "create")


def test_it_refuses_a_duplicate_slug(acme):
    with pytest.raises(OrgsError, match="'acme' already exists"):
        services.create_organization("Acme again", "acme")


@pytest.mark.parametrize("slug", ["-acme", "Acme", "a", "acme corp", "acme-"])
def test_it_refuses_a_malformed_slug(db, slug):
    with pytest.raises(OrgsError, match="invalid slug"):
        services.create_organization("Acme", slug)
    assert not Organization.objects.exists()


def test_it_refuses_an_organization_without_a_name(db):
    with pytest.raises(OrgsError, match="needs a name"):
        services.create_organization("  ", "acme")


def test_it_generates_a_strong_password_for_a_new_user(db):
    user, password = services.create_user("New.Person@Example.com", "New Person")
    assert user.email == "new.person@example.com"
    assert len(password) >= 20
    assert user.check_password(password)


def test_it_keeps_a_given_password_and_returns_none(db):
    user, password = services.create_user("p@example.com", password="a long enough passphrase")
    assert password is None
    assert user.check_password("a long enough passphrase")


def test_it_refuses_a_weak_password(db):
    with pytest.raises(OrgsError, match="password rejected"):
        services.create_user("p@example.com", password="short")
    assert not User.objects.exists()


def test_it_refuses_a_duplicate_or_malformed_email(alice):
    with pytest.raises(OrgsError, match="already exists"):
        services.create_user("ALICE@acme.test")
    with pytest.raises(OrgsError, match="not a valid e-mail"):
        services.create_user("not-an-address")


def test_it_adds_a_new_person_and_records_it(acme):
    system = OrgContext.system(acme)
    added = services.add_person(system, "nina@acme.test", Role.AUDITOR, "Nina")
    assert added.created_user and added.password
    assert added.membership.role == Role.AUDITOR
    [entry] = history(acme, "membership", "nina@acme.test")
    assert entry.action == "add"
    assert entry.actor == "system"
    assert entry.data_value == {"before": None, "after": {"role": "auditor"}}


def test_it_records_a_provisioned_address_as_verified(db):
    user, _ = services.create_user("nina@acme.test", "Nina")
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True)


def test_it_lets_only_the_administrator_add_people_directly(isla, oscar):
    """Before: a manager's add_person attached oscar's existing account to acme silently."""
    for email in ("oscar@globex.test", "new@acme.test"):
        with pytest.raises(PermissionDenied, match="by invitation"):
            services.add_person(isla.ctx, email, Role.VIEWER)
    assert not oscar.user.memberships.filter(organization__slug="acme").exists()
    assert not User.objects.filter(email="new@acme.test").exists()


def test_the_administrator_adds_an_existing_user_without_a_password(acme, oscar):
    added = services.add_person(OrgContext.system(acme), "oscar@globex.test", Role.VIEWER)
    assert not added.created_user
    assert added.password is None
    assert set(oscar.user.memberships.values_list("organization__slug", flat=True)) == {
        "acme",
        "globex",
    }


def test_it_refuses_a_password_for_an_existing_user(acme, oscar):
    with pytest.raises(OrgsError, match="already has an account"):
        services.add_person(
            OrgContext.system(acme), oscar.user.email, Role.VIEWER, password="another long one"
        )


def test_it_refuses_to_add_a_member_twice(isla, colin):
    with pytest.raises(OrgsError, match="already a member"):
        services.add_member(isla.ctx, colin.user, Role.VIEWER)


def test_it_refuses_an_unknown_role_naming_the_valid_ones(isla, oscar):
    with pytest.raises(OrgsError, match="isms_manager, control_owner"):
        services.add_member(isla.ctx, oscar.user, "boss")


def test_it_lets_only_managers_change_members(colin, vera):
    with pytest.raises(PermissionDenied):
        services.change_role(colin.ctx, vera.membership, Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.invite(colin.ctx, "x@acme.test", Role.VIEWER)


def test_it_lets_only_owners_grant_the_owner_role(isla, colin):
    with pytest.raises(PermissionDenied, match="only an owner"):
        services.change_role(isla.ctx, colin.membership, Role.OWNER)
    with pytest.raises(PermissionDenied, match="only an owner"):
        services.invite(isla.ctx, "boss@acme.test", Role.OWNER)
    assert not Invitation.objects.filter(email="boss@acme.test").exists()


def test_it_lets_only_owners_remove_an_owner(alice, isla):
    system = OrgContext.system(alice.ctx.org)
    second = services.add_person(system, "bob@acme.test", Role.OWNER).membership
    with pytest.raises(PermissionDenied, match="only an owner"):
        services.change_role(isla.ctx, second, Role.VIEWER)
    with pytest.raises(PermissionDenied, match="only an owner"):
        services.remove_member(isla.ctx, second)
    services.remove_member(alice.ctx, second)
    assert not Membership.objects.filter(pk=second.pk).exists()


def test_it_always_keeps_an_owner(alice):
    with pytest.raises(OrgsError, match="last owner"):
        services.change_role(alice.ctx, alice.membership, Role.VIEWER)
    with pytest.raises(OrgsError, match="last owner"):
        services.remove_member(alice.ctx, alice.membership)
    assert Membership.objects.get(pk=alice.membership.pk).role == Role.OWNER


def test_it_lets_an_owner_step_down_once_another_exists(alice):
    services.add_person(OrgContext.system(alice.ctx.org), "bob@acme.test", Role.OWNER)
    services.change_role(alice.ctx, alice.membership, Role.ISMS_MANAGER)
    [*_, entry] = history(alice.ctx.org, "membership", "alice@acme.test")
    assert entry.data_value == {"before": {"role": "owner"}, "after": {"role": "isms_manager"}}


def test_it_refuses_a_membership_of_another_organization(isla, oscar):
    with pytest.raises(PermissionDenied):
        services.change_role(isla.ctx, oscar.membership, Role.VIEWER)


def test_it_revokes_the_keys_of_a_removed_member(isla, colin):
    key, _plaintext = services.issue_api_key(colin.ctx, name="laptop")
    services.remove_member(isla.ctx, colin.membership)
    key.refresh_from_db()
    assert key.revoked_at is not None
    actions = [e.action for e in LedgerEntry.objects.filter(organization=isla.ctx.org)]
    assert actions[-2:] == ["revoke", "remove"]


def test_it_issues_a_key_for_oneself(colin):
    key, plaintext = services.issue_api_key(colin.ctx, name="ci", expires_days=30)
    assert plaintext.startswith(f"anx_{key.lookup}_")
    assert key.user == colin.user
    assert timedelta(days=29) < key.expires_at - timezone.now() <= timedelta(days=30)
    assert history(colin.ctx.org, "apikey", key.lookup).get().action == "issue"


def test_it_lets_no_person_issue_a_key_for_someone_else(alice, colin):
    with pytest.raises(PermissionDenied, match="only for yourself"):
        services.issue_api_key(alice.ctx, user=colin.user)


def test_it_lets_the_system_issue_a_key_for_a_member(acme, vera):
    key, _plaintext = services.issue_api_key(OrgContext.system(acme), user=vera.user)
    assert key.user == vera.user


def test_it_refuses_keys_to_viewers_and_outsiders(acme, vera, oscar):
    with pytest.raises(PermissionDenied):
        services.issue_api_key(vera.ctx)
    with pytest.raises(OrgsError, match="not a member"):
        services.issue_api_key(OrgContext.system(acme), user=oscar.user)


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_it_refuses_an_expiry_out_of_range(colin, days):
    with pytest.raises(OrgsError, match="from 1 to 3650"):
        services.issue_api_key(colin.ctx, expires_days=days)
    assert not APIKey.objects.exists()


def test_it_revokes_a_key_once(colin):
    key, _plaintext = services.issue_api_key(colin.ctx)
    services.revoke_api_key(colin.ctx, key)
    assert not APIKey.objects.get(pk=key.pk).is_active
    with pytest.raises(OrgsError, match="already revoked"):
        services.revoke_api_key(colin.ctx, key)


def test_it_lets_managers_revoke_anyones_key_but_not_others(isla, colin, audrey):
    key, _plaintext = services.issue_api_key(colin.ctx)
    with pytest.raises(PermissionDenied):
        services.revoke_api_key(audrey.ctx, key)
    services.revoke_api_key(isla.ctx, key)
    assert APIKey.objects.get(pk=key.pk).status == "revoked"
