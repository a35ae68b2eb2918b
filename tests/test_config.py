from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, ConfigError, load_settings, read_env_file


def test_defaults() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.token is None
    assert settings.api_url == DEFAULT_API_URL
    assert settings.database == Path("data/fabnum.db")
    assert str(settings.timezone) == "Europe/Paris"
    assert settings.language == "fr"
    assert settings.file_url == "https://api.telegram.org/file/bot"
    with pytest.raises(ConfigError, match="@BotFather"):
        settings.require_token()


def test_env_file_then_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\nexport FABNUM_LANGUAGE=en\nFABNUM_DATABASE='x.db'\n"
        "FABNUM_STAFF_IDS=111:admin, 222:gonesse+marcq ,333\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("FABNUM_ENV_FILE", raising=False)
    settings = load_settings({"FABNUM_DATABASE": "y.db"}, env_file=env)
    assert settings.language == "en"
    assert settings.database == Path("y.db")
    assert settings.staff[111].is_admin
    assert settings.staff[222].sites == {"gonesse", "marcq"}
    assert not settings.staff[222].is_admin
    assert settings.staff[222].can_see_site("marcq")
    assert not settings.staff[222].can_see_site("lille")
    assert settings.staff[333].is_admin


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "nope"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"FABNUM_TIMEZONE": "Mars/Olympus"}, "FABNUM_TIMEZONE"),
        ({"FABNUM_LANGUAGE": "de"}, "FABNUM_LANGUAGE"),
        ({"FABNUM_STAFF_IDS": "bob"}, "FABNUM_STAFF_IDS"),
        ({"FABNUM_STAFF_CHAT_ID": "group"}, "FABNUM_STAFF_CHAT_ID"),
        ({"FABNUM_RULES_FILE": "/nowhere.toml"}, "FABNUM_RULES_FILE"),
        ({"FABNUM_LOG_LEVEL": "LOUD"}, "FABNUM_LOG_LEVEL"),
        ({"FABNUM_CHAT_BURST": "-1"}, "FABNUM_CHAT_BURST"),
        ({"FABNUM_CHAT_BURST": "50"}, "FABNUM_CHAT_BURST"),
        ({"FABNUM_MESSAGES_PER_SECOND": "fast"}, "FABNUM_MESSAGES_PER_SECOND"),
        ({"FABNUM_MESSAGES_PER_SECOND": "0"}, "FABNUM_MESSAGES_PER_SECOND"),
    ],
)
def test_malformed_values_give_one_clear_sentence(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env, env_file=None)
    assert "\n" not in str(info.value)


def test_bad_env_file_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("JUST SOME WORDS\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        read_env_file(env)


def test_cli_prints_a_sentence_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN is not set" in err
    assert "Traceback" not in err


def test_rate_settings_from_the_environment() -> None:
    settings = load_settings(
        {"FABNUM_CHAT_BURST": "1", "FABNUM_MESSAGES_PER_SECOND": "25"}, env_file=None
    )
    assert settings.chat_burst == 1 and settings.messages_per_second == 25.0
    defaults = load_settings({}, env_file=None)
    assert defaults.chat_burst == 3 and defaults.messages_per_second == 30.0
