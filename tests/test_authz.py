"""The rulebook: every view declares a policy, and the policies scope by role and district."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from app import authz
from tests.factories import create_reference_data, create_user

# Flask registers the static file view itself; it serves public assets only.
FRAMEWORK_VIEWS = {"static"}


def test_every_view_declares_a_policy(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in FRAMEWORK_VIEWS and getattr(view, "policy", None) is None
    ]
    assert missing == []


def test_declared_policies_exist(app):
    known = set(authz.policy_names()) | {authz.PUBLIC}
    declared = {getattr(view, "policy", None) for view in app.view_functions.values()} - {None}
    assert declared <= known


def test_unknown_policy_names_fail_loudly():
    with pytest.raises(RuntimeError):
        authz.can(AnonymousUserMixin(), "no.such.policy")
    with pytest.raises(RuntimeError):
        authz.requires("no.such.policy")


def test_policies_scope_staff_to_their_district(ctx):
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    resident = create_user("r@example.az")
    unconfirmed = create_user("u@example.az", confirmed=False)
    official = create_user("o@example.az", roles=[("official", gnc)])
    head = create_user("h@example.az", roles=[("head", gnc)])
    editor = create_user("e@example.az", roles=[("editor", gnc)])
    supervisor = create_user("s@example.az", roles=[("supervisor", None)])
    admin = create_user("a@example.az", roles=[("admin", None)])
    anonymous = AnonymousUserMixin()

    assert authz.can(official, "district.work", gnc)
    assert not authz.can(official, "district.work", msl)
    assert authz.can(head, "district.work", gnc.id)
    assert not authz.can(editor, "district.work", gnc)
    assert not authz.can(supervisor, "district.work", gnc)
    assert not authz.can(resident, "district.work", gnc)

    assert authz.can(resident, "citizen.act") and not authz.can(unconfirmed, "citizen.act")
    assert not authz.can(anonymous, "cabinet.view")
    assert authz.can(resident, "cabinet.view") and not authz.can(resident, "office.view")
    assert all(authz.can(u, "office.view") for u in (official, head, editor, supervisor, admin))
    assert authz.can(supervisor, "supervision.view") and not authz.can(official, "supervision.view")
    assert authz.can(admin, "admin.access") and not authz.can(supervisor, "admin.access")
    assert authz.can(resident, "account.manage", resident)
    assert not authz.can(resident, "account.manage", official)


def test_inactive_users_are_refused_everything(ctx):
    create_reference_data()
    admin = create_user("a@example.az", roles=[("admin", None)], active=False)
    assert not any(authz.can(admin, name) for name in ("cabinet.view", "office.view", "admin.access"))


def test_citizen_opening_the_office_gets_403(app, web, client):
    with app.app_context():
        create_user()
    web.login("resident@example.az", "Kitab-Qələm-2026")
    assert client.get("/office/").status_code == 403


def test_visitor_is_sent_to_sign_in_with_a_next_address(client):
    response = client.get("/cabinet/profile")
    assert response.status_code == 302
    assert "/auth/login?next=%2Fcabinet%2Fprofile" in response.headers["Location"]
