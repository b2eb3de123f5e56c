from django.urls import reverse

from conftest import sign_in
from haven.testing.factories import PupilFactory


def test_staff_get_suggestions_from_their_own_schools_roll(client, world):
    PupilFactory(school=world.school_a, legal_forename="Priya", legal_surname="Shah", year_group="8")
    PupilFactory(school=world.school_b, legal_forename="Priya", legal_surname="Other")
    sign_in(client, world.users["staff_a"])
    r = client.get(reverse("concerns:pupil_search"), {"school": world.school_a.pk, "q": "pri"})
    labels = [p["label"] for p in r.json()["pupils"]]
    assert len(labels) == 1 and labels[0].startswith("Priya Shah (Year 8) #")


def test_no_suggestions_for_another_school(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.get(reverse("concerns:pupil_search"), {"school": world.school_b.pk, "q": "pupil"})
    assert r.json() == {"pupils": []}


def test_admins_get_no_suggestions(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.get(reverse("concerns:pupil_search"), {"school": world.school_a.pk, "q": "pupil"})
    assert r.json() == {"pupils": []}
