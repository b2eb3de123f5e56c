import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Files made in a test stay in the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
