"""The Section 175 safeguarding audit's standards, in the words of the policy.

Sections 157 and 175 of the Education Act 2002 put a duty on schools to safeguard and
promote the welfare of children; each year the local authority collects a self-audit against
these standards (DESIGN §1). The county review asks that the audit capture "more robust
detail that helps identify training need and informs schools' action plans resulting from
their self-audit": each standard is answered Met, Partly met or Not met, with evidence when
not fully met and an action (what, who, by when) when not met.

The whole set is copied onto a round when it opens (:func:`snapshot`), so changing the words
here never changes what an earlier round asked; rounds are compared by standard key.
"""

from __future__ import annotations

from typing import Any

MET = "met"
PARTLY = "partly"
NOT_MET = "not_met"
ANSWERS: tuple[tuple[str, str], ...] = ((MET, "Met"), (PARTLY, "Partly met"), (NOT_MET, "Not met"))
ANSWER_WORDS = dict(ANSWERS)

# (section title, [(key, words)]), in the order schools answer them.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Leadership and policy",
        (
            ("dsl_and_deputy", "A Designated Safeguarding Lead (DSL) and at least one deputy DSL are designated."),
            ("dsl_trained", "The DSL has had DSL training in the last 2 years."),
            ("safeguarding_governor", "A named governor leads on safeguarding."),
            ("policy_reviewed", "The child protection policy has been reviewed in the last 12 months."),
            ("policy_published", "The child protection policy is published on the school's website."),
            (
                "policy_child_on_child",
                "The policy covers child-on-child abuse, including sexual violence and sexual harassment, "
                "abuse online, and sharing nudes and semi-nudes.",
            ),
        ),
    ),
    (
        "Staff",
        (
            ("induction_training", "All staff had safeguarding and child protection training at induction."),
            ("annual_update", "All staff have had a safeguarding update in the last 12 months."),
            ("kcsie_part_one", "All staff have read Keeping Children Safe in Education, Part one."),
            (
                "record_in_childs_words",
                "Staff know how to record a concern, in the child's own words, and to tell the DSL the same day.",
            ),
        ),
    ),
    (
        "Safer recruitment",
        (
            ("single_central_record", "The single central record is up to date."),
            ("trained_panel", "Every recruitment panel includes a person trained in safer recruitment."),
        ),
    ),
    (
        "Child-on-child abuse",
        (
            ("concerns_same_day", "Concerns about child-on-child abuse are recorded and triaged the same day."),
            (
                "support_both",
                "The child affected and the child alleged to have harmed both get support, with a safety plan "
                "where needed.",
            ),
            ("hot_spots", "Hot spots (places where incidents cluster, including online) are reviewed termly."),
        ),
    ),
    (
        "Curriculum",
        (
            (
                "rshe",
                "Relationships, sex and health education is taught, including consent and online safety, "
                "in ways suited to the children's ages.",
            ),
        ),
    ),
    (
        "Online safety",
        (("filtering_monitoring", "Filtering and monitoring are in place and reviewed at least once a year."),),
    ),
    (
        "Pupil voice",
        (
            (
                "pupils_know_how_to_report",
                "Pupils know how to report a worry, anonymously if they wish, and are told what happens next.",
            ),
        ),
    ),
)


def snapshot() -> list[dict[str, Any]]:
    """The standards as stored on a new round: numbered, with their section."""
    out = []
    for s, (section, standards) in enumerate(SECTIONS, start=1):
        for n, (key, words) in enumerate(standards, start=1):
            out.append({"key": key, "number": f"{s}.{n}", "section": section, "text": words})
    return out
