"""Browser-test helpers: Playwright for Python driving Debian's Chromium, and axe-core.

Never a downloaded browser: Chromium is launched from ``/usr/bin/chromium`` (override with
``HAVEN_CHROMIUM``). Tests get the fixtures by importing them, by name, into their
directory's conftest (see haven/core/tests/conftest.py): ``page``, ``open_context``,
``contexts``, ``browser``, ``playwright_instance``, ``live_server`` (with its helper
``_media_url_for_live_server``) and the ``pytest_runtest_makereport`` hook.

``axe_check(page)`` runs the axe-core bundled with axe-playwright-python against the page
as it is now, for WCAG 2.0/2.1/2.2 A and AA plus best practice, and fails listing every
serious or critical violation. Console errors about the Content-Security-Policy fail the
test too: the site's own scripts and styles must never be blocked.

On failure a full-page screenshot of every open page is written to
``HAVEN_BROWSER_ARTIFACTS`` (default ``var/browser-failures``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("HAVEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
_STASH_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


def _artifacts_dir() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "browser-failures"
    return Path(os.environ.get("HAVEN_BROWSER_ARTIFACTS", default))


@dataclass
class PageWatch:
    """What the browser said while a test ran: CSP refusals and uncaught script errors."""

    attached: bool = False
    javascript: bool = True
    csp_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    minor_axe: list[str] = field(default_factory=list)  # moderate/minor findings, for reading

    def console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_errors.append(f"{message.type}: {message.text} ({message.location.get('url', '')})")

    def assert_clean(self) -> None:
        problems = [*self.csp_errors, *(f"uncaught script error: {e}" for e in self.page_errors)]
        assert not problems, "The browser reported:\n" + "\n".join(problems)


_watches: dict[int, PageWatch] = {}


def watch_of(page: Page) -> PageWatch:
    return _watches.setdefault(id(page), PageWatch())


def _watch(page: Page, *, javascript: bool = True) -> PageWatch:
    watch = watch_of(page)
    if watch.attached:
        return watch
    watch.attached = True
    watch.javascript = javascript
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    return watch


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_STASH_KEY, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def _media_url_for_live_server() -> Iterator[str | None]:
    """Django's live server builds a media-file handler from MEDIA_URL when it starts, and
    crashes on every request when MEDIA_URL is None (haven/settings.py sets None: uploads
    are served only by access-checked views). Give it a prefix nothing uses while it starts."""
    previous = settings.MEDIA_URL
    if previous is None:
        settings.MEDIA_URL = "/__uploads-are-not-served-here__/"
    yield previous


@pytest.fixture(scope="session")
def live_server(_media_url_for_live_server: str | None, live_server: Any) -> Any:
    """pytest-django's live server, started with a usable MEDIA_URL (see above), which is
    put back as soon as the server's handler has been built."""
    settings.MEDIA_URL = _media_url_for_live_server
    return live_server


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh context (cookies, storage) with the page watchers attached to its pages."""
    options.setdefault("locale", "en-GB")
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    javascript = options.get("java_script_enabled", True)

    def watch(page: Page) -> None:
        _watch(page, javascript=javascript)

    context.on("page", watch)  # pop-ups too
    return context


@pytest.fixture
def contexts(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[BrowserContext]]:
    """Every context a test opens (through ``open_context``) is checked and closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    reports = request.node.stash.get(_STASH_KEY, {})
    failed = any(r.failed for r in reports.values())
    pages = [p for c in opened for p in c.pages]
    if failed:
        out = _artifacts_dir()
        out.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for n, p in enumerate(pages):
            with contextlib.suppress(Exception):  # a screenshot is a courtesy, never the failure
                p.screenshot(path=str(out / f"{name}-{n}.png"), full_page=True)
    watches = [_watches.pop(id(p), PageWatch()) for p in pages]
    for c in opened:
        c.close()
    for w in watches:
        for finding in w.minor_axe:
            print(f"axe (not failing): {finding}")  # shown with -s or -rP, and on failure
    if not failed:
        for w in watches:
            w.assert_clean()


@pytest.fixture
def open_context(browser: Browser, contexts: list[BrowserContext]):
    """``open_context(java_script_enabled=False, viewport=...)`` -> a new page in a fresh context."""

    def _open(**options: Any) -> Page:
        context = new_context(browser, **options)
        contexts.append(context)
        page = context.new_page()
        _watch(page, javascript=options.get("java_script_enabled", True))
        return page

    return _open


@pytest.fixture
def page(open_context) -> Page:
    """A page in a fresh browser context, with JavaScript on."""
    return open_context()


_TIMERS_AS_MICROTASKS = """() => {
    let next = 1;
    const cleared = new Set();
    window.setTimeout = (fn, ms, ...args) => {
        const id = next++;
        Promise.resolve().then(() => { if (!cleared.has(id)) fn(...args); });
        return id;
    };
    window.clearTimeout = (id) => { cleared.add(id); };
}"""


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"]
    for node in violation["nodes"]:
        target = " ".join(str(t) for t in node["target"])
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        lines.append(f"    at {target}: {node['html'][:160]}")
        if summary:
            lines.append(f"      {summary}")
    return "\n".join(lines)


def axe_check(page: Page, *, label: str = "", screenshot: bool = True) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    Returns every violation (including moderate and minor ones) for tests that want them.
    Also fails if the browser has reported a Content-Security-Policy refusal so far.
    """
    watch = watch_of(page)
    # Never judge a half-loaded page: before the stylesheet applies, sizes and colours are
    # the browser's defaults (an assertion on the URL or the text passes before "load").
    page.wait_for_load_state("load")
    watch.assert_clean()
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does
    # not stop axe itself. Without JavaScript the page's timers never fire, and axe's queue
    # waits on setTimeout: there, timers run as microtasks instead (no page script ran, so
    # nothing else is affected).
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if not watch.javascript:
            page.evaluate(_TIMERS_AS_MICROTASKS)
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    violations = results["violations"]
    where = label or page.url
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    watch.minor_axe.extend(f"{where}: {v['id']} ({v['impact']})" for v in violations if v not in failing)
    if failing:
        shot = ""
        if screenshot:
            out = _artifacts_dir()
            out.mkdir(parents=True, exist_ok=True)
            path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", where)[:80] + "-axe.png")
            page.screenshot(path=str(path), full_page=True)
            shot = f" (screenshot: {path})"
        details = "\n".join(_describe(v) for v in failing)
        pytest.fail(
            f"axe found {len(failing)} serious or critical accessibility violation(s) on {where}{shot}:\n{details}",
            pytrace=False,
        )
    return violations


def tick_kind(page: Page, label: str) -> None:
    """Tick one kind of concern on the concern form ("Sexual violence: Sexual assault"), as a
    person would: the kinds sit in their main group, a <details> opened first if it is closed."""
    box = page.get_by_label(label, exact=True)
    group = page.locator("details.category-group").filter(has=box)
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    box.check()


def kind_summary(page: Page, label: str) -> Any:
    """The <summary> of the group holding a kind of concern (for keyboard journeys)."""
    box = page.get_by_label(label, exact=True)
    return page.locator("details.category-group").filter(has=box).locator("summary")
