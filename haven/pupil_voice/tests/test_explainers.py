"""Pupils' explainers: both versions, reading age checked, the help lines right."""

import pytest

from haven.pupil_voice.explainers import PAGES, TOPICS, page_text
from haven.safety_plans.rules import reading_age

AGES = {"primary": 9, "secondary": 12}


@pytest.mark.parametrize(("topic", "phase"), [(t, p) for t in PAGES for p in AGES])
def test_each_page_reads_at_the_pupils_age(topic, phase):
    age = reading_age(page_text(topic, phase))
    assert age is not None and age <= AGES[phase], f"{topic} ({phase}) reads at {age}"


def test_the_help_page_has_the_numbers_from_the_policy(client, world):
    text = client.get(f"/tell/{world.school_a.report_code}/about/help/").text
    for needed in ("0800 1111", "0808 800 5000", "help@nspcc.org.uk", "CEOP", "Report Remove", "999"):
        assert needed in text
    assert "0800 1111" in client.get(f"/tell/{world.school_m.report_code}/about/help/").text


def test_every_topic_has_both_versions_and_an_unknown_topic_is_not_found(client, world):
    for topic in TOPICS:
        primary = client.get(f"/tell/{world.school_m.report_code}/about/{topic}/")
        secondary = client.get(f"/tell/{world.school_a.report_code}/about/{topic}/")
        assert primary.status_code == secondary.status_code == 200
        assert primary.context["sections"] != secondary.context["sections"]
        assert "data-quick-exit" in primary.text
    assert client.get(f"/tell/{world.school_a.report_code}/about/nope/").status_code == 404
    assert client.get("/tell/not-a-code/about/help/").status_code == 404


def test_the_help_page_lists_local_help_for_pupils_from_the_resource_bank(client, world):
    from haven.resources.models import Resource

    def item(title, **kw):
        base = {
            "kind": "helpline",
            "for_pupils": True,
            "national": False,
            "status": "approved",
            "authority": world.authority,
        }
        return Resource.objects.create(title=title, **{**base, **kw})

    item("Midshire Young People's Line", phone="01234 567890", ks3=True, ks4=True)
    item("Primary-only Buddies", ks2=True)
    item("Still waiting for approval", status="proposed", ks3=True)
    item("For staff only", for_pupils=False, ks3=True)
    item("Another county's line", authority=world.other_authority, ks3=True)
    secondary = client.get(f"/tell/{world.school_a.report_code}/about/help/").text
    assert "Midshire Young People&#x27;s Line" in secondary and "01234 567890" in secondary
    for hidden in ("Primary-only Buddies", "Still waiting", "For staff only", "Another county"):
        assert hidden not in secondary
