"""A user agent becomes a short phrase a person recognises, made only of known words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.core import useragent
from haven.core.useragent import describe

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("ua", "phrase"),
    [
        (WINDOWS_CHROME, "Chrome on Windows"),
        (WINDOWS_CHROME + " Edg/131.0.2903.86", "Edge on Windows"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari on a Mac",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari on an iPhone",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 "
            "Mobile/15E148 Safari/604.1",
            "Chrome on an iPad",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
            "Safari/537.36",
            "Chrome on a Chromebook",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
        ("curl/8.5.0", useragent.UNKNOWN),
        ("", useragent.UNKNOWN),
    ],
)
def test_it_names_the_browser_and_the_system(ua, phrase):
    assert describe(ua) == phrase


KNOWN_WORDS = {word for _, name in (*useragent._BROWSERS, *useragent._SYSTEMS) for word in name.split()} | {
    "on",
    "A",
    "browser",
    *useragent.UNKNOWN.split(),
}


@given(st.text(max_size=400))
def test_nothing_of_the_string_itself_comes_out(ua):
    phrase = describe(ua)
    assert len(phrase) <= 40
    assert set(re.split(r" ", phrase)) <= KNOWN_WORDS
