import pytest

from haven.resources import services
from haven.resources.models import Resource


@pytest.fixture
def propose(world):
    """Propose a resource at school A (or another school) through the real service."""

    def _propose(*, by=None, school=None, title="Healthy relationships lesson pack", **data):
        fields = {
            "title": title,
            "kind": "teaching",
            "url": "https://example.org/lesson",
            "for_pupils": True,
            "ks3": True,
            **data,
        }
        return services.resource_propose(
            by=by or world.users["staff_a"], school=school or world.school_a, data=fields
        )

    return _propose


@pytest.fixture
def approved(world, propose):
    def _approved(**kw) -> Resource:
        resource = propose(**kw)
        return services.resource_curate(by=world.users["la_officer_a"], resource=resource, action="approve")

    return _approved
