from django.conf import settings


def test_a_test_run_never_uses_the_developers_data_folder():
    assert settings.DATA_DIR != settings.BASE_DIR / "var"
