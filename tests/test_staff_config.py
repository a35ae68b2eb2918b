"""Staff-side settings: export separator, digest day and hour, data files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_QPV_FILE, DEFAULT_SHORTLIST_FILE, ConfigError, load_settings
from bot.core.diversity import load_qpv
from bot.core.ranking import load_rules


def test_defaults() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.export_separator == ";"
    assert (settings.digest_weekday, settings.digest_hour) == (0, 8)
    assert settings.shortlist_file == DEFAULT_SHORTLIST_FILE
    assert settings.qpv_file == DEFAULT_QPV_FILE
    load_rules(settings.shortlist_file)
    load_qpv(settings.qpv_file)


def test_values(tmp_path: Path) -> None:
    rules = tmp_path / "s.toml"
    rules.write_text('ready_stages = ["eligible"]\n', "utf-8")
    settings = load_settings(
        {
            "FABNUM_EXPORT_SEPARATOR": "virgule",
            "FABNUM_DIGEST_DAY": "Vendredi",
            "FABNUM_DIGEST_HOUR": "17",
            "FABNUM_SHORTLIST_FILE": str(rules),
        },
        env_file=None,
    )
    assert settings.export_separator == ","
    assert (settings.digest_weekday, settings.digest_hour) == (4, 17)
    assert settings.shortlist_file == rules
    assert load_settings({"FABNUM_DIGEST_DAY": "sunday"}, env_file=None).digest_weekday == 6
    assert load_settings({"FABNUM_EXPORT_SEPARATOR": "tab"}, env_file=None).export_separator == "\t"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FABNUM_EXPORT_SEPARATOR": "|"}, "FABNUM_EXPORT_SEPARATOR"),
        ({"FABNUM_DIGEST_DAY": "lundo"}, "FABNUM_DIGEST_DAY"),
        ({"FABNUM_DIGEST_HOUR": "24"}, "FABNUM_DIGEST_HOUR"),
        ({"FABNUM_DIGEST_HOUR": "8h"}, "FABNUM_DIGEST_HOUR"),
        ({"FABNUM_SHORTLIST_FILE": "/nope.toml"}, "FABNUM_SHORTLIST_FILE"),
        ({"FABNUM_QPV_FILE": "/nope.toml"}, "FABNUM_QPV_FILE"),
    ],
)
def test_mistakes_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, env_file=None)
