import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Files made in a test stay in the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def leaver(world, make_concern):
    """A child who left school A yesterday, with a concern recorded about them."""
    pupil = world.pupils["a"]
    make_concern(what_happened="Pushed into the lockers at break, twice this week.")
    pupil.left_on = timezone.localdate() - dt.timedelta(days=1)
    pupil.save()
    return pupil
