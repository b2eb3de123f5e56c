from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in


@pytest.mark.parametrize(
    ("user_key", "shown"),
    [
        ("la_officer_a", True),
        ("dsl_a", True),
        ("deputy_a", True),
        ("head_a", True),
        ("staff_a", False),
        ("admin_a", False),
        ("trust_lead_a", False),
        ("governor_a", False),
    ],
)
def test_network_meetings_is_in_the_menu_of_those_who_can_open_it(client, world, user_key, shown):
    sign_in(client, world.users[user_key])
    page = client.get(reverse("home:home"))
    assert (f'href="{reverse("network:index")}"' in page.text) is shown
