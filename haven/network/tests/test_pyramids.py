"""LA officers group their authority's schools into pyramids; every change is audited."""

from __future__ import annotations

from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.organisations.models import Pyramid

URL = reverse("network:pyramids")


def test_an_officer_makes_a_pyramid(client, world):
    sign_in(client, world.users["la_officer_a"])
    response = client.post(URL, {"action": "create", "new-name": "Midshire East"})
    assert response.status_code == 302
    pyramid = Pyramid.objects.get(name="Midshire East")
    assert pyramid.authority == world.authority
    assert AuditEvent.objects.filter(object_type="organisations.pyramid", object_id=str(pyramid.pk)).exists()


def test_a_duplicate_name_is_refused_and_the_name_kept(client, world):
    Pyramid.objects.create(authority=world.authority, name="East")
    sign_in(client, world.users["la_officer_a"])
    response = client.post(URL, {"action": "create", "new-name": "east"})
    assert response.status_code == 400
    assert "already a pyramid called" in response.text
    assert 'value="east"' in response.text
    assert Pyramid.objects.filter(authority=world.authority).count() == 1


def test_an_officer_renames_a_pyramid(client, world):
    pyramid = Pyramid.objects.create(authority=world.authority, name="East")
    sign_in(client, world.users["la_officer_a"])
    client.post(URL, {"action": "rename", "pyramid": pyramid.pk, "name": "East and Coast"})
    pyramid.refresh_from_db()
    assert pyramid.name == "East and Coast"
    event = AuditEvent.objects.get(object_type="organisations.pyramid", action="update")
    assert event.extra["name"] == ["East", "East and Coast"]


def test_an_officer_moves_a_school_between_pyramids(client, world):
    east = Pyramid.objects.create(authority=world.authority, name="East")
    west = Pyramid.objects.create(authority=world.authority, name="West")
    world.school_a.pyramid = east
    world.school_a.save()
    sign_in(client, world.users["la_officer_a"])
    client.post(URL, {"action": "move", "school": world.school_a.pk, "pyramid": west.pk})
    world.school_a.refresh_from_db()
    assert world.school_a.pyramid == west
    event = AuditEvent.objects.get(object_type="organisations.school", object_id=str(world.school_a.pk))
    assert event.extra["pyramid"] == [east.pk, west.pk]
    client.post(URL, {"action": "move", "school": world.school_a.pk, "pyramid": ""})
    world.school_a.refresh_from_db()
    assert world.school_a.pyramid is None


def test_another_authoritys_school_or_pyramid_is_not_found(client, world):
    other = Pyramid.objects.create(authority=world.other_authority, name="Northshire")
    sign_in(client, world.users["la_officer_a"])
    assert client.post(URL, {"action": "move", "school": world.school_m.pk, "pyramid": ""}).status_code == 404
    assert client.post(URL, {"action": "rename", "pyramid": other.pk, "name": "Mine"}).status_code == 404
    response = client.post(URL, {"action": "move", "school": world.school_a.pk, "pyramid": other.pk})
    assert response.status_code == 400
    world.school_a.refresh_from_db()
    assert world.school_a.pyramid is None
    other.refresh_from_db()
    assert other.name == "Northshire"


def test_the_page_lists_only_the_officers_own_authority(client, world):
    Pyramid.objects.create(authority=world.other_authority, name="Northshire pyramid")
    sign_in(client, world.users["la_officer_a"])
    response = client.get(URL)
    assert world.school_a.name in response.text
    assert world.school_m.name not in response.text
    assert "Northshire pyramid" not in response.text


def test_the_page_has_constant_queries(client, world, django_assert_max_num_queries):
    from haven.testing import factories as f

    sign_in(client, world.users["la_officer_a"])
    client.get(URL)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for n in range(5):
        pyramid = Pyramid.objects.create(authority=world.authority, name=f"Pyramid {n}")
        f.SchoolFactory(name=f"Extra School {n}", urn=f"15000{n}", authority=world.authority, pyramid=pyramid)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert "Extra School 4" in response.text and "Pyramid 4" in response.text
