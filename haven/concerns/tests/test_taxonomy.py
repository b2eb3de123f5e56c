"""The taxonomy: national data, versioned by date, extended by an authority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.concerns.models import Category
from haven.concerns.services import categories_valid_for


def test_the_national_taxonomy_has_the_policy_categories_and_flags(db):
    codes = set(Category.objects.filter(authority__isnull=True).values_list("code", flat=True))
    assert {
        "bullying",
        "online_bullying",
        "racist",
        "rape",
        "sexual_assault",
        "upskirting",
        "nudes",
        "cce",
        "radicalisation",
    } <= codes
    assert set(Category.objects.filter(police_starting_point=True).values_list("code", flat=True)) == {
        "rape",
        "assault_by_penetration",
        "sexual_assault",
    }
    assert Category.objects.get(code="nudes").nudes_images


def test_sexual_violence_was_not_a_recording_option_before_may_2021(world):
    before = set(categories_valid_for(world.school_a, dt.date(2021, 4, 30)).values_list("code", flat=True))
    after = set(categories_valid_for(world.school_a, dt.date(2021, 5, 1)).values_list("code", flat=True))
    assert "sexual_assault" not in before and "sexual_assault" in after
    assert "bullying" in before


def test_an_la_officer_adds_and_retires_a_local_category(client, world):
    sign_in(client, world.users["la_officer_a"])
    today = timezone.localdate()
    r = client.post(reverse("taxonomy"), {"action": "add", "name": "Vaping pressure", "valid_from": today.isoformat()})
    assert r.status_code == 302
    local = Category.objects.get(authority=world.authority, name="Vaping pressure")
    assert local in categories_valid_for(world.school_a, today)
    assert local not in categories_valid_for(world.school_m, today)  # another authority's school
    r = client.post(
        reverse("taxonomy"),
        {"action": "retire", "category": local.pk, "valid_to": (today + dt.timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 302
    assert local not in categories_valid_for(world.school_a, today + dt.timedelta(days=1))


def test_a_national_category_cannot_be_retired_here(client, world):
    sign_in(client, world.users["la_officer_a"])
    national = Category.objects.get(code="bullying")
    r = client.post(reverse("taxonomy"), {"action": "retire", "category": national.pk, "valid_to": "2030-01-01"})
    assert r.status_code == 404
    national.refresh_from_db()
    assert national.valid_to is None


def test_a_bad_date_keeps_the_form(client, world):
    sign_in(client, world.users["la_officer_a"])
    r = client.post(reverse("taxonomy"), {"action": "add", "name": "Local thing", "valid_from": "31/02/2026"})
    assert r.status_code == 400
    assert 'value="Local thing"' in r.text


@pytest.mark.parametrize("key", ["dsl_a", "staff_a", "admin_a", "trust_lead_a", "head_a"])
def test_only_la_officers_manage_categories(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(reverse("taxonomy")).status_code == 404
