"""Every table on the pages people use most sits in a region that can be scrolled from the
keyboard and is named, so a wide table on a phone says what it is and scrolls by itself
(haven.css gives the region its sideways-scroll cue). Through real HTTP, as the DSL and as
the authority's officer, on the pages the navigation offers and a case's sections."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.cases.services import case_open
from haven.insights import rollups

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Tables(HTMLParser):
    """Each <table> with the attributes of the elements around it; every element's id and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.tables: list[list[dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open_ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.tables.append([a for _, a in self.stack])
        if tag in VOID:
            return
        self.stack.append((tag, attributes))
        if "id" in attributes:
            self.texts[attributes["id"]] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, attributes in self.stack:
            if "id" in attributes:
                self.texts[attributes["id"]].append(data)

    def name_of(self, region: dict[str, str]) -> str:
        ids = region.get("aria-labelledby", "").split()
        named = " ".join("".join(self.texts.get(i, [])) for i in ids).strip()
        return named or region.get("aria-label", "").strip()


def unnamed_tables(html: str) -> list[str]:
    """A description of each table not inside a named, focusable region."""
    parser = Tables()
    parser.feed(html)
    problems = []
    for n, ancestors in enumerate(parser.tables, 1):
        regions = [a for a in ancestors if a.get("role") == "region" and a.get("tabindex") == "0"]
        if not regions or not parser.name_of(regions[-1]):
            problems.append(f"table {n} (inside {[a.get('class', '') for a in ancestors[-2:]]})")
    return problems


def test_the_checker_finds_a_bare_table_and_an_unnamed_region():
    assert unnamed_tables("<main><table><tr><td>1</td></tr></table></main>")
    assert unnamed_tables('<div role="region" tabindex="0" aria-labelledby="gone"><table></table></div>')
    assert unnamed_tables('<div role="region" aria-labelledby="c"><table><caption id="c">X</caption></table></div>')
    assert not unnamed_tables(
        '<div role="region" tabindex="0" aria-labelledby="c"><table><caption id="c">X</caption></table></div>'
    )


@pytest.fixture
def pages(world, make_concern):
    dsl = world.users["dsl_a"]
    case = case_open(by=dsl, concern=make_concern(), title="Name-calling in the corridor")
    make_concern(days_ago=3)  # waiting for triage
    for _ in range(5):
        make_concern(days_ago=20)
    rollups.rebuild()
    sections = [
        "detail",
        "concerns",
        "considerations",
        "decisions",
        "support",
        "plans",
        "tasks",
        "access",
        "chronology",
    ]
    return case, [reverse(f"cases:{s}", args=[case.reference]) for s in sections]


def sweep(client, paths: list[str]) -> int:
    tables = 0
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        tables += html.count("<table")
        assert not unnamed_tables(html), f"{path}: {unnamed_tables(html)}"
    return tables


def test_every_table_a_dsl_sees_is_in_a_named_focusable_region(client, world, pages):
    _, case_paths = pages
    sign_in(client, world.users["dsl_a"])
    nav = [url for _, url, _ in client.get("/").context["nav"]]
    tables = sweep(client, [*nav, *case_paths, reverse("insights_report")])
    assert tables >= 8  # the dashboard's two, the case's, the insights tables and more


def test_every_table_an_authority_officer_sees_is_in_a_named_focusable_region(client, world, pages):
    sign_in(client, world.users["la_officer_a"])
    nav = [url for _, url, _ in client.get("/").context["nav"]]
    tables = sweep(client, [*nav, reverse("insights:monthly")])
    assert tables >= 3
