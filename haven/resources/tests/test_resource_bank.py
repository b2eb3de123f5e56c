"""The resource bank: the seeded list, search and filters, who reads and who proposes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.resources.models import Resource
from haven.resources.seed import (
    GUIDANCE_CHECKED_ON,
    LOCAL,
    NATIONAL,
    SUPERSEDED,
    resource_bank_seed,
    resource_bank_withdraw_superseded,
)

pytestmark = pytest.mark.django_db


def test_the_national_list_is_seeded_with_the_policys_contact_details(world):
    nspcc = Resource.objects.get(seed_key="nspcc-helpline")
    assert nspcc.phone == "0808 800 5000"
    assert nspcc.email == "help@nspcc.org.uk"
    assert nspcc.status == Resource.Status.APPROVED and nspcc.authority is None
    assert Resource.objects.get(seed_key="uk-safer-internet-centre-helpline").email == "helpline@saferinternet.org.uk"
    assert Resource.objects.get(seed_key="childline").url == "https://www.childline.org.uk/get-support/"
    assert Resource.objects.get(seed_key="rape-crisis").url == "https://rapecrisis.org.uk/"
    titles = set(Resource.objects.values_list("title", flat=True))
    for name in (
        "Keeping children safe in education 2025",
        "Working Together to Safeguard Children 2023",
        "Sharing nudes and semi-nudes: advice for education settings working with children and young people",
        "Searching, screening and confiscation",
        "Preventing and tackling bullying",
        "Disrespect NoBody",
        "Internet Watch Foundation",
        "CEOP Safety Centre",
        "Thinkuknow",
        "Preventing sexual bullying",
        "What equality law means for you as an education provider: schools",
    ):
        assert name in titles
    assert Resource.objects.filter(seed_key__in=[s.key for s in NATIONAL]).count() == len(NATIONAL)
    assert nspcc.topics.filter(code="nudes").exists()


def test_the_seed_is_idempotent_and_adds_the_reviews_local_organisations_per_authority(world):
    before = Resource.objects.count()
    assert resource_bank_seed(authority=world.authority) == len(LOCAL)
    assert resource_bank_seed(authority=world.authority) == 0
    assert resource_bank_seed() == 0
    assert Resource.objects.count() == before + len(LOCAL)
    survive = Resource.objects.get(seed_key=f"survive-{world.authority.pk}")
    assert survive.url == "https://staffordshire-pfcc.gov.uk/initiatives/survive/"
    assert not survive.national and survive.authority == world.authority


def test_a_local_organisation_is_read_in_its_authority_only(client, world):
    resource_bank_seed(authority=world.authority)
    sign_in(client, world.users["staff_a"])
    assert "New Era domestic abuse service" in client.get(reverse("resources:list") + "?area=local").text
    client.logout()
    sign_in(client, world.users["staff_m"])
    assert "New Era domestic abuse service" not in client.get(reverse("resources:list") + "?area=local").text
    local = Resource.objects.get(seed_key=f"new-era-{world.authority.pk}")
    assert client.get(reverse("resources:detail", args=[local.pk])).status_code == 404


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("?phase=primary", "Childline: Get Support", "Rape Crisis"),
        ("?phase=ks5", "Rape Crisis", "Glow"),
        ("?kind=helpline", "NSPCC Helpline", "Keeping children safe"),
        ("?audience=pupils", "Childline: Get Support", "Keeping children safe"),
        ("?topic=nudes", "Sharing nudes and semi-nudes: advice", "Preventing and tackling bullying"),
        ("?topic=sexual_harassment", "Preventing sexual bullying", "Children missing education"),
        ("?q=nspcc+helpline", "NSPCC Helpline", "Childline"),
        ("?send=on", "What equality law means", "NSPCC Helpline"),
        ("?area=national&phase=nonsense", "NSPCC Helpline", "no such thing"),
    ],
)
def test_search_and_filters(client, world, query, present, absent):
    sign_in(client, world.users["staff_a"])
    response = client.get(reverse("resources:list") + query)
    assert response.status_code == 200
    assert present in response.text
    assert absent not in response.text


def test_the_list_pages_and_its_queries_do_not_grow_with_the_data(
    client, world, approved, django_assert_max_num_queries
):
    # 13: one more since each page of a DSL asks whether email alerts are failing (haven.alerts).
    sign_in(client, world.users["dsl_a"])
    with django_assert_max_num_queries(13):
        first = client.get(reverse("resources:list"))
    for n in range(30):
        approved(title=f"Extra resource {n:02d}")
    with django_assert_max_num_queries(13):
        again = client.get(reverse("resources:list") + "?page=2")
    assert again.status_code == 200 and first.status_code == 200
    assert 'rel="prev"' in again.text


def test_the_list_has_a_print_stylesheet_and_accessible_cards(client, world):
    sign_in(client, world.users["governor_a"])
    text = client.get(reverse("resources:list")).text
    assert "resources/resources.css" in text
    assert '<ul class="cards">' in text
    assert 'role="search"' in text
    assert "tel:08088005000" in text


def test_administrators_and_people_without_a_role_read_nothing(client, world):
    nspcc = Resource.objects.get(seed_key="nspcc-helpline")
    for key in ("admin_a", "trust_admin_a", "nobody"):
        client.logout()
        sign_in(client, world.users[key])
        assert client.get(reverse("resources:list")).status_code == 404
        assert client.get(reverse("resources:detail", args=[nspcc.pk])).status_code == 404
        assert client.get(reverse("resources:propose")).status_code == 404


def test_a_resource_unreviewed_for_twelve_months_is_flagged_and_listed_for_curators(client, world, approved):
    fresh = approved(title="Reviewed this year")
    stale = approved(title="Reviewed long ago")
    Resource.objects.filter(pk=stale.pk).update(last_reviewed_on=dt.date.today() - dt.timedelta(days=366))
    stale.refresh_from_db()
    assert stale.review_due() and not fresh.review_due()
    sign_in(client, world.users["la_officer_a"])
    queue = client.get(reverse("resources:queue")).text
    assert ">Reviewed long ago</a>" in queue and "Reviewed this year" not in queue
    # The seeded list was last read against its sources in 2021: due too.
    assert "NSPCC Helpline" in queue
    page = client.get(reverse("resources:detail", args=[stale.pk])).text
    assert "Not reviewed for more than twelve months" in page
    client.post(reverse("resources:curate", args=[stale.pk]), {"action": "reviewed"})
    stale.refresh_from_db()
    assert stale.last_reviewed_on == dt.date.today() and stale.reviewed_by == world.users["la_officer_a"]
    assert ">Reviewed long ago</a>" not in client.get(reverse("resources:queue")).text


def test_no_listed_statutory_guidance_is_superseded_by_another_entry(client, world):
    keys = {s.key for s in NATIONAL}
    assert not keys & set(SUPERSEDED), "a replaced edition is still in the seed list"
    assert {new for new, _ in SUPERSEDED.values()} <= keys, "each replacement is in the list"
    listed = Resource.objects.filter(status=Resource.Status.APPROVED, kind="guidance")
    assert not listed.filter(seed_key__in=list(SUPERSEDED)).exists()
    # One edition of each document: no two listed titles differ only by their year.
    stems = [re.sub(r"\s*\b(19|20)\d\d\b", "", t).strip().lower() for t in listed.values_list("title", flat=True)]
    assert len(stems) == len(set(stems))
    kcsie = Resource.objects.get(seed_key="kcsie-2025")
    assert kcsie.status == Resource.Status.APPROVED and kcsie.last_reviewed_on == GUIDANCE_CHECKED_ON
    sign_in(client, world.users["staff_a"])
    page = client.get(reverse("resources:list") + "?q=keeping+children+safe").text
    assert "Keeping children safe in education 2025" in page and "education 2021" not in page


def test_a_bank_that_still_lists_an_old_edition_withdraws_it_saying_why(client, world):
    old = Resource.objects.create(
        seed_key="kcsie-2021",
        title="Keeping children safe in education 2021",
        kind="guidance",
        status=Resource.Status.APPROVED,
        national=True,
        for_staff=True,
        ks3=True,
    )
    assert resource_bank_withdraw_superseded() == 1
    assert resource_bank_withdraw_superseded() == 0
    old.refresh_from_db()
    assert old.status == Resource.Status.WITHDRAWN
    assert old.curator_note.startswith("Replaced by Keeping children safe in education 2025")
    sign_in(client, world.users["staff_a"])
    assert "education 2021" not in client.get(reverse("resources:list") + "?q=keeping").text
    assert client.get(reverse("resources:detail", args=[old.pk])).status_code == 404
