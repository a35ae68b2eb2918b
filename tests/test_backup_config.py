"""FABNUM_BACKUP_DIR, FABNUM_BACKUP_KEEP, FABNUM_BACKUP_HOUR (issue 14)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_backup_defaults_next_to_the_database() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.backup_folder == Path("data/backups")
    assert settings.backup_keep == 14
    assert settings.backup_time == dt.time(3, 0)
    moved = load_settings({"FABNUM_DATABASE": "/srv/fabnum/bot.db"}, env_file=None)
    assert moved.backup_folder == Path("/srv/fabnum/backups")


def test_backup_settings() -> None:
    settings = load_settings(
        {
            "FABNUM_BACKUP_DIR": "/var/backups/fabnum",
            "FABNUM_BACKUP_KEEP": "30",
            "FABNUM_BACKUP_HOUR": "02:30",
        },
        env_file=None,
    )
    assert settings.backup_folder == Path("/var/backups/fabnum")
    assert settings.backup_keep == 30
    assert settings.backup_time == dt.time(2, 30)
    assert load_settings({"FABNUM_BACKUP_HOUR": "4"}, env_file=None).backup_time == dt.time(4, 0)
    assert load_settings({"FABNUM_BACKUP_HOUR": "off"}, env_file=None).backup_time is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("FABNUM_BACKUP_KEEP", "0", "FABNUM_BACKUP_KEEP must be how many backups to keep"),
        ("FABNUM_BACKUP_KEEP", "two", "FABNUM_BACKUP_KEEP must be"),
        ("FABNUM_BACKUP_HOUR", "24:00", "FABNUM_BACKUP_HOUR must be a local time like 03:00"),
        ("FABNUM_BACKUP_HOUR", "3h", "FABNUM_BACKUP_HOUR must be"),
        ("FABNUM_BACKUP_HOUR", "03:75", "FABNUM_BACKUP_HOUR must be"),
    ],
)
def test_malformed_backup_values(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({key: value}, env_file=None)


async def test_the_privacy_notice_says_how_long_backups_keep_an_erased_person(
    tmp_path: Path,
) -> None:
    from bot.app import build_services
    from bot.config import Settings

    services = build_services(Settings(database=tmp_path / "t.db", backup_keep=7))
    for lang, words in (
        ("fr", "sauvegarde peut encore garder tes données 7 jours"),
        ("en", "7 more days"),
    ):
        response = services.screening.conversation.notice(lang, None)
        assert words in response.actions[0].text  # type: ignore[attr-defined]
