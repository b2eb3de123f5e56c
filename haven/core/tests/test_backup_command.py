"""manage.py backup's options and settings, refused before anything is written."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("value", ["seven", "-1", "1.5"])
def test_a_rotation_setting_that_is_not_a_whole_number_is_named(value, tmp_path, monkeypatch):
    monkeypatch.setenv("HAVEN_BACKUP_KEEP_WEEKLY", value)
    with pytest.raises(
        CommandError, match=f"HAVEN_BACKUP_KEEP_WEEKLY must be a whole number, 0 or more, not '{value}'"
    ):
        call_command("backup", "--to", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_negative_keep_option_is_refused(tmp_path):
    with pytest.raises(CommandError, match="must be 0 or more"):
        call_command("backup", "--to", str(tmp_path), "--keep-monthly", "-1")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_backup_key_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("HAVEN_BACKUP_KEY", "not a key")
    with pytest.raises(CommandError, match="HAVEN_BACKUP_KEY is not a backup key: it must be 32 random bytes"):
        call_command("backup", "--to", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
