"""The resource bank's starting list: every organisation and document the seeds name, with
the seeds' own contact details (the policy's "Additional support and guidance" appendix and
§5, the county review's findings). Nothing is added that the seeds do not give: where the
seeds name an organisation without a link or a number, the entry says to ask the authority.

:func:`resource_bank_seed` is idempotent (each entry has a ``seed_key``): a data migration
loads the national list; the demo world (and an authority that wants them) adds the local
organisations the county review lists for its own authority.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haven.organisations.models import Authority

POLICY = "Mid-Trent MAT peer-on-peer abuse policy, appendix"
REVIEW = "County council review of peer-on-peer sexual harassment in schools"
# When the seeds were last read against the sources: the appendix of the policy.
SEEDED_ON = dt.date(2021, 9, 1)
# When the statutory guidance in the list was last read against the editions in force (a
# dated entry: change it, and SUPERSEDED, whenever an edition changes).
GUIDANCE_CHECKED_ON = dt.date(2026, 12, 3)

ALL_PHASES = ("eyfs", "ks1", "ks2", "ks3", "ks4", "ks5", "fe")
SCHOOL_AGE = ("ks1", "ks2", "ks3", "ks4", "ks5")
SECONDARY_UP = ("ks3", "ks4", "ks5", "fe")


@dataclass(frozen=True)
class Seed:
    key: str
    title: str
    kind: str
    provider: str
    description: str
    url: str = ""
    phone: str = ""
    email: str = ""
    audience: tuple[str, ...] = ("staff",)
    phases: tuple[str, ...] = ALL_PHASES
    topics: tuple[str, ...] = ()
    source: str = POLICY
    age_from: int | None = None
    age_to: int | None = None
    send: bool = False
    checked_on: dt.date = SEEDED_ON  # when it was last read against its source


_GOV = "https://assets.publishing.service.gov.uk/government/uploads/system/uploads/attachment_data/file/"
SEXUAL = ("sexual_violence", "sexual_harassment", "harmful_sexual_behaviour")

NATIONAL: tuple[Seed, ...] = (
    Seed(
        "nspcc-helpline",
        "NSPCC Helpline",
        "helpline",
        "NSPCC",
        "Report a worry about a child, or get advice. The policy tells children they can call or email if they "
        "do not feel they can speak to staff in school.",
        url="https://www.nspcc.org.uk/keeping-children-safe/reporting-abuse/",
        phone="0808 800 5000",
        email="help@nspcc.org.uk",
        audience=("staff", "pupils", "parents"),
        topics=("bullying", "online_bullying", *SEXUAL, "nudes", "physical"),
    ),
    Seed(
        "childline",
        "Childline: Get Support",
        "helpline",
        "Childline (NSPCC)",
        "Children and young people can get support about anything that worries them. Schools invite NSPCC and "
        "Childline speakers to assemblies and put up their posters.",
        url="https://www.childline.org.uk/get-support/",
        audience=("pupils",),
        phases=SCHOOL_AGE,
        topics=("bullying", "online_bullying", *SEXUAL, "nudes", "relationship_abuse"),
    ),
    Seed(
        "ceop-safety-centre",
        "CEOP Safety Centre",
        "support_organisation",
        "CEOP (National Crime Agency)",
        "Report online sexual abuse or the way someone has been communicating online.",
        url="https://www.ceop.police.uk/Safety-Centre/",
        audience=("staff", "pupils", "parents"),
        phases=SCHOOL_AGE,
        topics=("online_sexual_harassment", "nudes", "cse"),
    ),
    Seed(
        "thinkuknow",
        "Thinkuknow",
        "teaching",
        "CEOP (National Crime Agency)",
        "CEOP's education programme: online safety resources for children, parents and professionals.",
        url="https://www.thinkuknow.co.uk/",
        audience=("staff", "pupils", "parents"),
        topics=("online_bullying", "online_sexual_harassment", "nudes"),
    ),
    Seed(
        "internet-watch-foundation",
        "Internet Watch Foundation",
        "support_organisation",
        "Internet Watch Foundation",
        "Report child sexual abuse images and videos online, so they can be removed.",
        url="https://www.iwf.org.uk/",
        audience=("staff", "parents"),
        topics=("nudes", "cse"),
    ),
    Seed(
        "uk-safer-internet-centre-helpline",
        "UK Safer Internet Centre helpline",
        "helpline",
        "UK Safer Internet Centre",
        "The professionals' online safety helpline, by email.",
        email="helpline@saferinternet.org.uk",
        audience=("staff",),
        topics=("online_bullying", "online_sexual_harassment", "nudes"),
    ),
    Seed(
        "rape-crisis",
        "Rape Crisis (specialist sexual violence support)",
        "support_organisation",
        "Rape Crisis England & Wales",
        "Specialist support for anyone affected by rape, sexual assault or any form of sexual violence.",
        url="https://rapecrisis.org.uk/",
        audience=("staff", "pupils", "parents"),
        phases=SECONDARY_UP,
        topics=("sexual_violence",),
    ),
    Seed(
        "disrespect-nobody",
        "Disrespect NoBody",
        "teaching",
        "Home Office",
        "Helps young people understand healthy relationships and what abuse in a relationship looks like.",
        url="https://www.disrespectnobody.co.uk/",
        audience=("staff", "pupils"),
        phases=SECONDARY_UP,
        topics=("relationship_abuse", "sexual_harassment"),
    ),
    Seed(
        "anti-bullying-alliance-sexual-bullying",
        "Preventing sexual bullying",
        "teaching",
        "Anti-Bullying Alliance",
        "Sexual and sexist bullying: what it is and how schools prevent it.",
        url="https://anti-bullyingalliance.org.uk/tools-information/all-about-bullying/sexual-and-sexist-bullying/"
        "preventing-sexual-bullying",
        topics=("bullying", "sexist", "sexual_harassment"),
    ),
    Seed(
        "kcsie-2025",
        "Keeping children safe in education 2025",
        "guidance",
        "Department for Education",
        "Statutory guidance for schools and colleges, in force from 1 September 2025: the role of the DSL, "
        "child-on-child abuse and sexual violence and sexual harassment between children (Part five), filtering "
        "and monitoring, and misinformation, disinformation and conspiracy theories as content risks.",
        url="https://www.gov.uk/government/publications/keeping-children-safe-in-education--2",
        topics=SEXUAL,
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "working-together-2023",
        "Working Together to Safeguard Children 2023",
        "guidance",
        "HM Government",
        "Statutory guidance on multi-agency working to help, protect and promote the welfare of children.",
        url="https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "ofsted-review-sexual-abuse",
        "Review of sexual abuse in schools and colleges",
        "guidance",
        "Ofsted",
        "Ofsted's 2021 review, which found sexual harassment so widespread it has become normalised.",
        url="https://www.gov.uk/government/publications/review-of-sexual-abuse-in-schools-and-colleges/"
        "review-of-sexual-abuse-in-schools-and-colleges",
        phases=SCHOOL_AGE,
        topics=SEXUAL,
    ),
    Seed(
        "sharing-nudes-advice",
        "Sharing nudes and semi-nudes: advice for education settings working with children and young people",
        "guidance",
        "UK Council for Internet Safety",
        "How to respond to an incident of sharing nudes and semi-nudes (updated 2024: computer-generated images "
        "count; an adult involved is child sexual abuse and goes to the police; never view, copy, print or "
        "forward the images).",
        url="https://www.gov.uk/government/publications/sharing-nudes-and-semi-nudes-advice-for-education-settings-"
        "working-with-children-and-young-people/sharing-nudes-and-semi-nudes-advice-for-education-settings-working-"
        "with-children-and-young-people",
        phases=SCHOOL_AGE,
        topics=("nudes",),
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "searching-screening-confiscation-2022",
        "Searching, screening and confiscation",
        "guidance",
        "Department for Education",
        "Advice for headteachers, staff and governing bodies on searching pupils and confiscating items "
        "(July 2022 edition).",
        url="https://www.gov.uk/government/publications/searching-screening-and-confiscation",
        phases=SCHOOL_AGE,
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "preventing-bullying",
        "Preventing and tackling bullying",
        "guidance",
        "Department for Education",
        "Advice for headteachers, staff and governing bodies.",
        url="https://www.gov.uk/government/publications/preventing-and-tackling-bullying",
        topics=("bullying", "online_bullying", "prejudice"),
    ),
    Seed(
        "cyberbullying-advice",
        "Cyberbullying: advice for headteachers and school staff",
        "guidance",
        "Department for Education",
        "Preventing and responding to cyberbullying.",
        url=_GOV + "374850/Cyberbullying_Advice_for_Headteachers_and_School_Staff_121114.pdf",
        topics=("online_bullying",),
    ),
    Seed(
        "equality-law-schools",
        "What equality law means for you as an education provider: schools",
        "guidance",
        "Equality and Human Rights Commission",
        "The Equality Act 2010 and schools: discrimination, harassment and the duties a school has.",
        url="https://www.equalityhumanrights.com/sites/default/files/"
        "what_equality_law_means_for_you_as_an_education_provider_schools.pdf",
        topics=("prejudice", "hate"),
        send=True,
    ),
    Seed(
        "rse-health-education",
        "Relationships and sex education (RSE) and health education",
        "guidance",
        "Department for Education",
        "Statutory guidance on teaching relationships, sex and health education.",
        url="https://www.gov.uk/government/publications/relationships-education-relationships-and-sex-education-"
        "rse-and-health-education",
        phases=SCHOOL_AGE,
        topics=("relationship_abuse", "sexual_harassment"),
    ),
    Seed(
        "mental-health-behaviour-2018",
        "Mental health and behaviour in schools 2018",
        "guidance",
        "Department for Education",
        "Advice on identifying and supporting pupils whose behaviour may be related to their mental health.",
        url=_GOV + "755135/Mental_health_and_behaviour_in_schools__.pdf",
        send=True,
    ),
    Seed(
        "suspension-exclusion-guidance",
        "Suspension and permanent exclusion from maintained schools, academies and pupil referral units",
        "guidance",
        "Department for Education",
        "Statutory guidance on suspensions and permanent exclusions.",
        url="https://www.gov.uk/government/publications/school-exclusion",
        phases=SCHOOL_AGE,
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "children-missing-education",
        "Children missing education",
        "guidance",
        "Department for Education",
        "Statutory guidance for local authorities, and what schools must do.",
        url="https://www.gov.uk/government/publications/children-missing-education",
    ),
    Seed(
        "behaviour-in-schools",
        "Behaviour in schools",
        "guidance",
        "Department for Education",
        "Advice for headteachers and school staff on behaviour policies, sanctions and support.",
        url="https://www.gov.uk/government/publications/behaviour-in-schools--2",
        phases=SCHOOL_AGE,
        checked_on=GUIDANCE_CHECKED_ON,
    ),
    Seed(
        "ukccis",
        "UK Council for Child Internet Safety (UKCCIS)",
        "support_organisation",
        "UK Council for Internet Safety",
        "The government's council for online safety, and its publications.",
        url="https://www.gov.uk/government/groups/uk-council-for-child-internet-safety-ukccis",
        topics=("online_bullying", "nudes"),
    ),
    Seed(
        "when-to-call-police",
        "When to call the police: guidance for schools and colleges",
        "guidance",
        "National Police Chiefs' Council",
        "When a school should call the police about an incident involving pupils.",
        url="https://www.npcc.police.uk/documents/Children%20and%20Young%20people/"
        "When%20to%20call%20police%20guidance%20for%20schools%20and%20colleges.pdf",
        phases=SCHOOL_AGE,
        topics=("sexual_violence", "physical", "nudes"),
    ),
    Seed(
        "outcome-21-sexting",
        "Outcome 21 sexting guidance",
        "guidance",
        "National Police Chiefs' Council",
        "How police record youth-produced sexual imagery without criminalising the children (Outcome 21).",
        url=_GOV + "578979/GD8_-_Sexting_Guidance.pdf",
        phases=SECONDARY_UP,
        topics=("nudes",),
    ),
)

ASK = "The review gives no contact details: ask the authority's education safeguarding advice service."
LOCAL: tuple[Seed, ...] = (
    Seed(
        "esas",
        "Education Safeguarding Advice Service (ESAS)",
        "support_organisation",
        "County council",
        "Safeguarding advice for schools by phone and email; it logs schools' enquiries. "
        "Schools told the review its support is invaluable. " + ASK,
        source=REVIEW,
    ),
    Seed(
        "survive",
        "Survive: advice and referral for children affected by sexual abuse and sexual assault",
        "support_organisation",
        "Staffordshire Women's Aid, commissioned by the Police, Fire and Crime Commissioner",
        "A county-wide advice and referral service for children who are victims of sexual abuse and sexual "
        "assault, with a directory of services on the Commissioner's website.",
        url="https://staffordshire-pfcc.gov.uk/initiatives/survive/",
        audience=("staff", "parents"),
        topics=("sexual_violence", "harmful_sexual_behaviour"),
        source=REVIEW,
    ),
    Seed(
        "youth-offending-service",
        "Youth Offending Service: prevention offer, out of court disposals and court work",
        "support_organisation",
        "Staffordshire Youth Offending Service (SYOS)",
        "Works with children who have displayed inappropriate or illegal sexualised behaviour towards peers, "
        "using the AIM3 assessment and intervention tool and the NSPCC's problematic sexualised behaviour "
        "resources. Schools, police and early help can refer. " + ASK,
        phases=SECONDARY_UP,
        topics=("harmful_sexual_behaviour",),
        source=REVIEW,
        age_from=10,
        age_to=17,
    ),
    Seed(
        "new-era",
        "New Era domestic abuse service",
        "support_organisation",
        "New Era",
        "The domestic abuse service commissioned by the county council: free and confidential support for "
        "victims, perpetrators and their families. " + ASK,
        audience=("staff", "pupils", "parents"),
        topics=("relationship_abuse",),
        source=REVIEW,
    ),
    Seed(
        "yess",
        "YESS (Your Emotional Support Service)",
        "support_organisation",
        "YESS",
        "A mental health and well-being organisation providing emotional support and opportunities for "
        "children, young people and adults. " + ASK,
        audience=("staff", "pupils", "parents"),
        source=REVIEW,
    ),
    Seed(
        "glow-relationships-without-fear",
        "Relationships without Fear",
        "teaching",
        "Glow",
        "A fully evaluated six-week preventative programme for primary and secondary schools: recognising "
        "unhealthy relationships and where to get support, with data for the school on what changed. " + ASK,
        audience=("pupils",),
        phases=("ks2", "ks3", "ks4"),
        topics=("relationship_abuse",),
        source=REVIEW,
    ),
    Seed(
        "glow-x-roads",
        "X-Roads",
        "support_organisation",
        "Glow",
        "An intensive programme for young people in secondary and further education on the brink of offending, "
        "exclusion or abusive behaviour, diverting them from the criminal justice system. " + ASK,
        audience=("pupils",),
        phases=SECONDARY_UP,
        topics=("relationship_abuse", "harmful_sexual_behaviour"),
        source=REVIEW,
    ),
    Seed(
        "glow-one-to-one",
        "Glow 1-1 Service",
        "support_organisation",
        "Glow",
        "One-to-one specialist sessions in schools, colleges and academies: safety planning, healthy and "
        "unhealthy relationships, feelings and behaviours. " + ASK,
        audience=("pupils",),
        phases=SCHOOL_AGE,
        topics=("relationship_abuse",),
        source=REVIEW,
        age_from=5,
        age_to=19,
        send=True,
    ),
    Seed(
        "glow-ypva",
        "Young person's violence advisors (YPVA/ISVA)",
        "support_organisation",
        "Glow",
        "Specialist advisors for young people at high risk from domestic abuse or who have experienced sexual "
        "violence; they support young witnesses at court and attend MARAC. " + ASK,
        audience=("staff", "pupils"),
        phases=SCHOOL_AGE,
        topics=("relationship_abuse", "sexual_violence"),
        source=REVIEW,
        age_from=5,
        age_to=19,
    ),
    Seed(
        "pshe-coordinator",
        "PSHE Coordinator: quality-assured PSHE resources",
        "teaching",
        "Staffordshire Council of Voluntary Youth Services (SCVYS)",
        "A PSHE coordinator, funded by the Commissioner, mapping PSHE provision and developing a suite of "
        "quality-assured resources and guiding principles for schools. " + ASK,
        phases=SCHOOL_AGE,
        topics=("sexual_harassment", "relationship_abuse"),
        source=REVIEW,
    ),
    Seed(
        "nspcc-hsb-training",
        "NSPCC training on harmful sexual behaviour",
        "training",
        "NSPCC",
        "Training for schools on harmful sexual behaviour, which the review found not every school knew of. " + ASK,
        topics=("harmful_sexual_behaviour",),
        source=REVIEW,
    ),
    Seed(
        "staffs-scb-sexting",
        "Responding to sexting guidance",
        "guidance",
        "Staffordshire Safeguarding Children Board",
        "The local safeguarding board's guidance on responding to sexting.",
        url="https://www.staffsscb.org.uk/wp-content/uploads/2020/12/Responding-to-Sexting-Guidance.pdf",
        phases=SCHOOL_AGE,
        topics=("nudes",),
    ),
    Seed(
        "staffs-scb-threshold",
        "Threshold document",
        "guidance",
        "Staffordshire Safeguarding Children Board",
        "The local thresholds for early help and children's social care.",
        url="https://www.staffsscb.org.uk/wp-content/uploads/2020/09/Threshold-Document.pdf",
    ),
)


# Entries the list once held and what replaced them (their seed key, and why), as of
# GUIDANCE_CHECKED_ON. A bank that still holds one withdraws it (resources 0005), so no school
# is pointed to an edition that is no longer in force.
SUPERSEDED: dict[str, tuple[str, str]] = {
    "kcsie-2021": ("kcsie-2025", "Keeping children safe in education 2025 is in force from 1 September 2025."),
    "svsh-2021": (
        "kcsie-2025",
        "The advice was withdrawn in September 2022; its content is Part five of Keeping children safe in education.",
    ),
    "working-together-2018": ("working-together-2023", "Working Together to Safeguard Children 2023 replaced it."),
    "ukcis-sharing-nudes-guidance": (
        "sharing-nudes-advice",
        "A summary of the 2020 edition; the advice itself was updated in 2024.",
    ),
    "searching-screening-confiscation": (
        "searching-screening-confiscation-2022",
        "The July 2022 edition replaced the 2018 one.",
    ),
    "exclusion-guidance": (
        "suspension-exclusion-guidance",
        "The 2017 exclusion guidance was replaced in September 2022.",
    ),
    "behaviour-discipline": ("behaviour-in-schools", "Behaviour in schools (2022, updated 2024) replaced it."),
}


def resource_bank_withdraw_superseded(*, Resource: Any = None) -> int:
    """Withdraw the seeded entries an edition in SUPERSEDED replaced, saying by what and why
    (the entry stays, for the record; it is no longer listed). Returns how many."""
    if Resource is None:
        from haven.resources.models import Resource
    withdrawn = 0
    for row in Resource.objects.filter(seed_key__in=list(SUPERSEDED)).exclude(status="withdrawn"):
        new_key, why = SUPERSEDED[row.seed_key]
        title = next((s.title for s in NATIONAL if s.key == new_key), new_key)
        row.status = "withdrawn"
        row.curator_note = f"Replaced by {title} (checked {GUIDANCE_CHECKED_ON:%d %B %Y}): {why}"
        row.save(update_fields=["status", "curator_note"])
        withdrawn += 1
    return withdrawn


def resource_bank_seed(*, Resource: Any = None, Category: Any = None, authority: Authority | None = None) -> int:
    """Load the national list, and with ``authority`` the review's local organisations for
    that authority. Entries already there (by ``seed_key``) are left as they are, so a
    curator's later corrections survive a second run. Returns how many were added.

    ``Resource``/``Category`` may be historical models (from a data migration)."""
    if Resource is None or Category is None:
        from haven.concerns.models import Category
        from haven.resources.models import Resource
    by_code: dict[str, Any] = {}
    for c in Category.objects.filter(authority__isnull=True).order_by("valid_from"):
        by_code[c.code] = c
    seeds: list[tuple[Seed, Authority | None]] = [(s, None) for s in NATIONAL]
    if authority is not None:
        seeds += [(s, authority) for s in LOCAL]
    existing = set(Resource.objects.filter(seed_key__isnull=False).values_list("seed_key", flat=True))
    added = 0
    for seed, auth in seeds:
        key = seed.key if auth is None else f"{seed.key}-{auth.pk}"
        if key in existing:
            continue
        resource = Resource.objects.create(
            seed_key=key,
            title=seed.title,
            kind=seed.kind,
            provider=seed.provider,
            description=seed.description,
            url=seed.url,
            phone=seed.phone,
            email=seed.email,
            for_staff="staff" in seed.audience,
            for_pupils="pupils" in seed.audience,
            for_parents="parents" in seed.audience,
            **{p: p in seed.phases for p in ALL_PHASES},
            age_from=seed.age_from,
            age_to=seed.age_to,
            send_suitable=seed.send,
            authority=auth,
            national=auth is None,
            status="approved",
            last_reviewed_on=seed.checked_on,
            reviewer_name=f"Loaded from the {seed.source}",
        )
        resource.topics.set([by_code[t] for t in seed.topics if t in by_code])
        added += 1
    return added
