from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_API_URL,
    DEFAULT_RULES_FILE,
    ConfigError,
    load_settings,
    read_env_file,
)


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
        "FABNUM_STAFF_IDS=111:admin, 222:gonesse+marcq ,333:ADMIN\n",
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


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("TELEGRAM_BOT_TOKEN 123456789:AAEhBOweik6ad9r_QZfZbE2Ml8-5yT0mXq4", "TELEGRAM_BOT_TOKEN"),
        ("123456789:AAEhBOweik6ad9r_QZfZbE2Ml8-5yT0mXq4", None),
        ("AAEhBOweik6ad9r_QZfZbE2Ml8", None),
        ("FABNUM_DATABASEsecret value", None),
    ],
)
def test_bad_env_file_line_never_echoes_the_value(
    tmp_path: Path, line: str, named: str | None
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"# token\nFABNUM_LANGUAGE=fr\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_env_file(env)
    message = str(info.value)
    assert "line 3" in message and "may be secret" in message
    for part in ("123456789", "AAEh", "DATABASEsecret", "secret value"):
        assert part not in message
    if named:
        assert f"starts with {named})" in message
    else:
        assert "starts with" not in message


@pytest.mark.parametrize(
    ("staff", "expected"),
    [
        ("111", "111 has no role; write 111:admin for every site, or 111:SITE"),
        ("111:", "111 has no role"),
        (
            "111:admn",
            "111:admn names an unknown site 'admn'; write admin or site ids from the "
            "rules file (gonesse, marcq).",
        ),
        ("111:gonesse+atlantis", "unknown site 'atlantis'"),
        ("111:gonesse+", "unknown site ''"),
        ("111:admin,222:gonesse,111:marcq", "111 is listed twice"),
        ("-5:admin", "'-5' is not a Telegram user id"),
        ("bob:admin", "'bob' is not a Telegram user id"),
    ],
)
def test_staff_ids_are_explicit_and_checked_against_the_rules_file(
    staff: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"FABNUM_STAFF_IDS": staff}, env_file=None)
    assert str(info.value).startswith("FABNUM_STAFF_IDS: ")
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_staff_sites_come_from_the_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "sites.toml"
    text = DEFAULT_RULES_FILE.read_text(encoding="utf-8")
    rules.write_text(text.replace("[sites.marcq]", "[sites.atlantis]"), encoding="utf-8")
    env = {"FABNUM_RULES_FILE": str(rules), "FABNUM_STAFF_IDS": "7:gonesse+atlantis, 8:admin"}
    settings = load_settings(env, env_file=None)
    assert settings.staff[7].sites == {"gonesse", "atlantis"} and settings.staff[8].is_admin
    with pytest.raises(ConfigError, match=r"unknown site 'marcq'.*\(atlantis, gonesse\)"):
        load_settings({**env, "FABNUM_STAFF_IDS": "7:marcq"}, env_file=None)


def test_one_staff_chat_per_site() -> None:
    settings = load_settings(
        {"FABNUM_SITE_CHATS": "gonesse:-100123, Marcq:-100456", "FABNUM_STAFF_CHAT_ID": "-100999"},
        env_file=None,
    )
    assert settings.site_chats == {"gonesse": -100123, "marcq": -100456}
    assert settings.staff_chat_id == -100999
    assert load_settings({}, env_file=None).site_chats == {}
    for bad, expected in [
        ("atlantis:-100123", "'atlantis' is not a site of the rules file (gonesse, marcq)."),
        ("gonesse", "'gonesse' needs a chat id after a colon"),
        ("gonesse:group", "'gonesse' needs a chat id"),
        ("gonesse:-1,gonesse:-2", "gonesse is listed twice"),
    ]:
        with pytest.raises(ConfigError) as info:
            load_settings({"FABNUM_SITE_CHATS": bad}, env_file=None)
        assert str(info.value).startswith("FABNUM_SITE_CHATS: ") and expected in str(info.value)


def test_library_log_level() -> None:
    assert load_settings({}, env_file=None).library_log_level is None
    settings = load_settings({"FABNUM_LIBRARY_LOG_LEVEL": "debug"}, env_file=None)
    assert settings.library_log_level == "DEBUG"
    with pytest.raises(ConfigError, match="FABNUM_LIBRARY_LOG_LEVEL"):
        load_settings({"FABNUM_LIBRARY_LOG_LEVEL": "chatty"}, env_file=None)


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
