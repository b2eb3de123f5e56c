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
        return services.resource_propose(by=by or world.users["staff_a"], school=school or world.school_a, data=fields)

    return _propose


@pytest.fixture
def approved(world, propose):
    def _approved(**kw) -> Resource:
        resource = propose(**kw)
        return services.resource_curate(by=world.users["la_officer_a"], resource=resource, action="approve")

    return _approved


STUDY = {
    "title": "Online sexual harassment in a Year 9 group chat",
    "phase": "secondary",
    "context": "A large secondary school with a mixed intake. The incident involved a Year 9 group chat.",
    "what_happened": "Sexual comments about a girl were posted in a group chat and shared at break.",
    "school_response": "The safeguarding lead spoke to the child affected first, then informed parents and opened a case.",
    "what_worked": "A restorative session and an assembly on online sexual harassment.",
    "outcome": "The comments stopped and the girl said she felt safe in school again.",
    "differently": "We would have involved the online safety lead sooner.",
    "share_wider": False,
}


@pytest.fixture
def draft(world):
    """A case study draft by school A's DSL, written through the real service."""
    from haven.concerns.models import Category

    def _draft(*, by=None, school=None, codes=("online_sexual_harassment",), **data):
        return services.case_study_save(
            by=by or world.users["dsl_a"],
            school=school or world.school_a,
            data={**STUDY, **data},
            category_ids=list(
                Category.objects.filter(code__in=codes, authority__isnull=True).values_list("pk", flat=True)
            ),
        )

    return _draft


@pytest.fixture
def published(world, draft):
    def _published(*, officer=None, **kw):
        study = draft(**kw)
        services.case_study_submit(by=study.author, case_study=study)
        officer = officer or (
            world.users["la_officer_m"]
            if study.authority_id == world.other_authority.pk
            else world.users["la_officer_a"]
        )
        return services.case_study_review(by=officer, case_study=study, action="publish")

    return _published
