import pytest

from haven.pupil_voice import limits


@pytest.fixture(autouse=True)
def _fresh_limits():
    limits.reset_all()
    yield
    limits.reset_all()
