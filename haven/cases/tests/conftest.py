"""Browser fixtures for the tests in this directory (see haven/testing/browser.py)."""

from haven.testing.browser import (  # noqa: F401
    _media_url_for_live_server,
    browser,
    contexts,
    live_server,
    open_context,
    page,
    playwright_instance,
    pytest_runtest_makereport,
)
