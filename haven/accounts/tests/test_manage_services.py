"""The rules of the administrator's services, without the pages."""

from __future__ import annotations

import pytest

from haven.access.roles import Role
from haven.accounts import manage_services as services
from haven.accounts.manage_selectors import person_get_for


def test_no_service_makes_a_password_for_anyone():
    """ASVS V6.4.1: nobody is ever shown a password, so nothing here can make one."""
    assert not [name for name in dir(services) if "temporary" in name.lower()]


@pytest.mark.parametrize(
    ("kind", "role", "fits"),
    [
        ("school_a", Role.HEAD, True),
        ("school_a", Role.TRUST_LEAD, False),
        ("school_a", Role.LA_OFFICER, False),
        ("trust_a", Role.TRUST_LEAD, True),
        ("trust_a", Role.STAFF, False),
        ("authority", Role.LA_OFFICER, True),
        ("authority", Role.GOVERNOR, False),
        ("authority", Role.ADMIN, True),
    ],
)
def test_roles_fit_the_kind_of_organisation(world, kind, role, fits):
    assert (services.role_fit_refusal(getattr(world, kind), role) == "") is fits


def test_the_service_refuses_a_role_that_does_not_fit_whatever_the_form_sent(world):
    with pytest.raises(services.ManageRefused, match="cannot be held at a trust"):
        services.role_grant(
            by=world.users["trust_admin_a"], user=world.users["staff_a"], role=Role.DSL, organisation=world.trust_a
        )


def test_the_service_refuses_a_password_reset_on_ones_own_account(world):
    admin = world.users["admin_a"]
    person = person_get_for(admin, admin.pk)
    with pytest.raises(services.ManageRefused, match="your own account"):
        services.password_reset_by_admin(by=admin, person=person)
