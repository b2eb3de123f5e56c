"""The main navigation shows the banks only to the roles that may read them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "resources", "case_studies"),
    [
        ("staff_a", True, False),
        ("dsl_a", True, True),
        ("head_a", True, False),
        ("governor_a", True, False),
        ("trust_lead_a", True, False),
        ("la_officer_a", True, True),
        ("admin_a", False, False),
        ("trust_admin_a", False, False),
    ],
)
def test_the_navigation_offers_what_the_role_may_read(client, world, key, resources, case_studies):
    sign_in(client, world.users[key])
    nav = client.get(reverse("accounts:account")).text.split('aria-label="Main"')[1].split("</nav>")[0]
    assert (f'href="{reverse("resources:list")}"' in nav) is resources
    assert (f'href="{reverse("case_studies:list")}"' in nav) is case_studies
