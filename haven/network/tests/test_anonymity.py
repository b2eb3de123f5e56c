"""The minutes check: roster names in any case and punctuation, and anything shaped like a UPN."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from haven.network.anonymity import minutes_findings
from haven.people.upn import make_upn

NAMES = {"tobias", "wrenfield", "o'neill", "aisha"}

name = st.sampled_from(["Tobias", "Wrenfield", "O'Neill", "Aisha"])
casing = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])
around = st.sampled_from(["{}", "({})", "“{}”", "{}'s", "{}.", "{},", "-{}-", "{}!", "'{}'"])
filler = st.text(alphabet="abcdefgh ,.;", max_size=30)


@settings(max_examples=200, deadline=None)
@given(name, casing, around, filler, filler)
def test_a_roster_name_is_found_in_any_case_and_punctuation(n, case, wrap, before, after):
    text = f"{before} {wrap.format(case(n))} {after}"
    found = {f.text.casefold() for f in minutes_findings(text, names=NAMES)}
    assert n.casefold() in found


@settings(max_examples=100, deadline=None)
@given(st.integers(100, 999), st.integers(1000, 9999), st.integers(0, 99), st.integers(0, 999))
def test_every_upn_is_found(la, establishment, year, serial):
    upn = make_upn(la, establishment, year, serial)
    findings = minutes_findings(f"Pupil {upn.lower()} was discussed", names=set())
    assert [f.kind for f in findings] == ["upn"]


def test_ordinary_minutes_pass():
    text = "The pyramid discussed supervision of corridors at lunchtime and online safety assemblies."
    assert minutes_findings(text, names=NAMES) == []
