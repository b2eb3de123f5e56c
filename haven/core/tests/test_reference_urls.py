"""reference_urls gives what reverse gives, for every reference, and refuses what it refuses."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from haven.core.converters import reference_urls


@pytest.mark.parametrize("viewname", ["concerns:detail", "cases:detail", "cases:triage"])
def test_it_gives_what_reverse_gives(viewname):
    url = reference_urls(viewname)
    for reference in ("C-140001-00042", "K-1-1", "REFERENCE0PLACEHOLDER", "x" * 24):
        assert url(reference) == reverse(viewname, args=[reference])


@pytest.mark.parametrize("reference", ["", "C 1", "C/1", "x" * 25, "<script>"])
def test_it_refuses_what_reverse_refuses(reference):
    with pytest.raises(NoReverseMatch):
        reference_urls("concerns:detail")(reference)
