"""Settings from the environment and an optional .env file.

Every key is documented in .env.example. A missing or malformed value raises ConfigError with one
sentence a person can act on; the command line prints it instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.schedule import ReminderOffsets, Window, parse_duration
from bot.ops.settings import OpsSettings, OpsSettingsError, parse_ops_settings

DEFAULT_API_URL = "https://api.telegram.org/bot"
PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_RULES_FILE = PACKAGE_ROOT.parent / "conversations" / "sites.toml"
DEFAULT_OUTCOMES_FILE = PACKAGE_ROOT.parent / "conversations" / "outcomes.toml"
DEFAULT_SHORTLIST_FILE = PACKAGE_ROOT.parent / "conversations" / "shortlist.toml"
DEFAULT_QPV_FILE = PACKAGE_ROOT.parent / "conversations" / "qpv_postcodes.toml"
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LANGUAGES = ("fr", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    role: str  # "admin" (all sites) or "staff" (the sites listed)
    sites: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_site(self, site: str | None) -> bool:
        return self.is_admin or (site is not None and site in self.sites)


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    database: Path = Path("data/fabnum.db")
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    language: str = "fr"
    staff: Mapping[int, StaffMember] = field(default_factory=dict)
    staff_chat_id: int | None = None  # the all-sites staff group (digest of every site)
    rules_file: Path = DEFAULT_RULES_FILE
    log_level: str = "INFO"  # the bot's own loggers (bot.*)
    # Libraries' loggers (httpx, telegram, aiosqlite...): WARNING unless set; may hold personal data
    library_log_level: str | None = None
    # One staff group per site (FABNUM_SITE_CHATS): that site's digest and unconfirmed-booking flags
    site_chats: Mapping[str, int] = field(default_factory=dict)
    # Alumni follow-up (issue 5): outcome categories, survey schedule, alumni retention
    outcomes_file: Path = DEFAULT_OUTCOMES_FILE
    purge_hour: int = 3  # local hour of the daily retention purge
    # Sessions and durable reminders (issue 3)
    quiet_hours: Window = field(default_factory=lambda: Window.parse("09:00-20:00"))
    reminder_offsets: ReminderOffsets = field(default_factory=ReminderOffsets)
    nudge_delays: tuple[dt.timedelta, ...] = (dt.timedelta(hours=24), dt.timedelta(hours=72))
    sessions_file: Path | None = None
    outbox_interval: float = 5.0  # seconds between two dispatcher runs
    chat_burst: int = 3  # messages a private chat may get at once before pacing at 1/s
    messages_per_second: float = 30.0  # Telegram's overall cap (paid broadcasts allow more)
    # Flood budget per person (issue 10): updates per window, beyond them dropped; 0: no budget
    flood_updates: int = 20
    flood_seconds: float = 10.0
    # Staff side (issue 4)
    export_separator: str = ";"
    digest_weekday: int = 0  # Monday
    digest_hour: int = 8
    shortlist_file: Path = DEFAULT_SHORTLIST_FILE
    qpv_file: Path = DEFAULT_QPV_FILE
    # Backups (issue 14): folder (None: "backups" next to the database), how many, daily time
    backup_dir: Path | None = None
    backup_keep: int = 14
    backup_time: dt.time | None = dt.time(3, 0)  # local (FABNUM_TIMEZONE); None: no daily one

    @property
    def backup_folder(self) -> Path:
        """FABNUM_BACKUP_DIR, else data/backups for the default database (its folder's
        "backups")."""
        return self.backup_dir or self.database.parent / "backups"

    # Running for real (issue 14): webhook mode, health listener (bot/ops/settings.py)
    ops: OpsSettings = field(default_factory=OpsSettings)

    @property
    def file_url(self) -> str:
        """PTB's base_file_url derived from the API URL (…/bot -> …/file/bot)."""
        if self.api_url.endswith("/bot"):
            return self.api_url[: -len("/bot")] + "/file/bot"
        return self.api_url.rstrip("/") + "/file/bot"

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in "
                ".env (see .env.example)."
            )
        return self.token


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; '#' comments, blank lines, quotes and 'export ' allowed.

    A malformed line is named by its number and at most its key-like start: the line may hold
    the token, so its value is never echoed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            # Only a known key's name is shown: any other start could be part of a secret.
            start = re.match(r"(?:TELEGRAM|FABNUM)_[A-Z0-9_]+(?![A-Za-z0-9])", line)
            found = f" (it starts with {start.group(0)})" if start else ""
            raise ConfigError(
                f"{path}, line {number}: expected KEY=VALUE{found}; the value is not shown here "
                "because it may be secret."
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def parse_staff(text: str, sites: Collection[str] | None = None) -> dict[int, StaffMember]:
    """FABNUM_STAFF_IDS: comma-separated entries `ID:admin` (every site) or `ID:SITE+SITE`.

    Admin is explicit: a bare id is refused, and so are an unknown role or site (when `sites`, the
    rules file's site ids, is given) and an id listed twice."""
    staff: dict[int, StaffMember] = {}
    known = ", ".join(sorted(sites)) if sites is not None else ""
    for entry in filter(None, (part.strip() for part in text.split(","))):
        user_part, colon, role_part = entry.partition(":")
        user_part = user_part.strip()
        if not user_part.isdigit():
            raise ConfigError(
                f"FABNUM_STAFF_IDS: {user_part!r} is not a Telegram user id (expected digits, e.g. "
                "123456789:admin or 123456789:gonesse)."
            )
        user_id = int(user_part)
        role_part = role_part.strip().lower()
        if not colon or not role_part:
            raise ConfigError(
                f"FABNUM_STAFF_IDS: {user_id} has no role; write {user_id}:admin for every site, "
                f"or {user_id}:SITE (several: SITE+SITE) for some sites."
            )
        if user_id in staff:
            raise ConfigError(
                f"FABNUM_STAFF_IDS: {user_id} is listed twice; give each id once, with all its "
                "sites joined by + (e.g. 123456789:gonesse+marcq)."
            )
        if role_part == "admin":
            staff[user_id] = StaffMember(user_id, "admin")
            continue
        chosen = [s.strip() for s in role_part.split("+")]
        unknown = [s for s in chosen if not s or (sites is not None and s not in sites)]
        if unknown:
            raise ConfigError(
                f"FABNUM_STAFF_IDS: {user_id}:{role_part} names an unknown site "
                f"{unknown[0]!r}; write admin or site ids from the rules file"
                + (f" ({known})." if known else ".")
            )
        staff[user_id] = StaffMember(user_id, "staff", frozenset(chosen))
    return staff


def parse_site_chats(text: str, sites: Collection[str] | None = None) -> dict[str, int]:
    """FABNUM_SITE_CHATS: comma-separated `SITE:CHAT_ID`, one staff group chat per site."""
    chats: dict[str, int] = {}
    known = ", ".join(sorted(sites)) if sites is not None else ""
    for entry in filter(None, (part.strip() for part in text.split(","))):
        site, _, chat = (p.strip() for p in entry.partition(":"))
        site = site.lower()
        if not re.fullmatch(r"-?\d+", chat):
            raise ConfigError(
                f"FABNUM_SITE_CHATS: {site or entry!r} needs a chat id after a colon, e.g. "
                "gonesse:-1001234567890,marcq:-1009876543210."
            )
        if not site or (sites is not None and site not in sites):
            raise ConfigError(
                f"FABNUM_SITE_CHATS: {site!r} is not a site of the rules file"
                + (f" ({known})." if known else ".")
            )
        if site in chats:
            raise ConfigError(f"FABNUM_SITE_CHATS: {site} is listed twice; give one chat per site.")
        chats[site] = int(chat)
    return chats


def env_file_path(env_file: Path | None = Path(".env")) -> Path | None:
    """The .env file load_settings reads (FABNUM_ENV_FILE, else `env_file`), if there is one."""
    if env_file is None:
        return None
    path = Path(os.environ.get("FABNUM_ENV_FILE", str(env_file)))
    return path if path.is_file() else None


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from a .env file (if present) overridden by the process environment."""
    values: dict[str, str] = {}
    env_path = env_file_path(env_file)
    if env_path is not None:
        values.update(read_env_file(env_path))
    values.update(os.environ if environ is None else environ)

    def get(key: str) -> str | None:
        value = values.get(key, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN looks malformed: @BotFather gives a token like "
            "123456789:AAE... (digits, a colon, then letters)."
        )
    api_url = get("TELEGRAM_API_URL") or DEFAULT_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise ConfigError(
            f"TELEGRAM_API_URL must be an http(s) URL ending in /bot, e.g. {DEFAULT_API_URL}."
        )
    tz_name = get("FABNUM_TIMEZONE") or "Europe/Paris"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"FABNUM_TIMEZONE: {tz_name!r} is not a known time zone (e.g. Europe/Paris)."
        ) from None
    language = (get("FABNUM_LANGUAGE") or "fr").lower()
    if language not in LANGUAGES:
        raise ConfigError(
            f"FABNUM_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}."
        )
    staff_chat = get("FABNUM_STAFF_CHAT_ID")
    if staff_chat is not None and not staff_chat.lstrip("-").isdigit():
        raise ConfigError("FABNUM_STAFF_CHAT_ID must be a Telegram chat id (e.g. -1001234567890).")
    rules_file = Path(get("FABNUM_RULES_FILE") or DEFAULT_RULES_FILE)
    if not rules_file.is_file():
        raise ConfigError(f"FABNUM_RULES_FILE: no file at {rules_file}.")
    log_level = (get("FABNUM_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("FABNUM_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
    library_log_level = (get("FABNUM_LIBRARY_LOG_LEVEL") or "").upper() or None
    if library_log_level is not None and library_log_level not in LOG_LEVELS:
        raise ConfigError(
            "FABNUM_LIBRARY_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR (or empty: WARNING)."
        )
    staff_text = get("FABNUM_STAFF_IDS") or ""
    site_chats_text = get("FABNUM_SITE_CHATS") or ""
    site_ids: tuple[str, ...] | None = None
    if staff_text or site_chats_text:
        from bot.core.sites import load_programme

        site_ids = load_programme(rules_file).site_ids
    staff_side = _staff_side_settings(get)
    try:
        ops = parse_ops_settings(get)
    except OpsSettingsError as exc:
        raise ConfigError(str(exc)) from None
    return Settings(
        token=token,
        api_url=api_url.rstrip("/"),
        database=Path(get("FABNUM_DATABASE") or "data/fabnum.db"),
        timezone=timezone,
        language=language,
        staff=parse_staff(staff_text, site_ids),
        staff_chat_id=int(staff_chat) if staff_chat else None,
        site_chats=parse_site_chats(site_chats_text, site_ids),
        rules_file=rules_file,
        log_level=log_level,
        library_log_level=library_log_level,
        outcomes_file=_outcomes_file(get("FABNUM_OUTCOMES_FILE")),
        purge_hour=_purge_hour(get("FABNUM_PURGE_HOUR")),
        **_sessions_settings(get),
        **staff_side,
        **_flood_settings(get),
        **_backup_settings(get),
        ops=ops,
    )


def _backup_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """FABNUM_BACKUP_DIR, FABNUM_BACKUP_KEEP, FABNUM_BACKUP_HOUR (issue 14)."""
    values: dict[str, Any] = {}
    folder = get("FABNUM_BACKUP_DIR")
    if folder is not None:
        values["backup_dir"] = Path(folder)
    keep = get("FABNUM_BACKUP_KEEP")
    if keep is not None:
        if not keep.isdigit() or not 1 <= int(keep) <= 1000:
            raise ConfigError(
                "FABNUM_BACKUP_KEEP must be how many backups to keep, from 1 to 1000 (e.g. 14)."
            )
        values["backup_keep"] = int(keep)
    hour = get("FABNUM_BACKUP_HOUR")
    if hour is not None and hour.strip().lower() in ("off", "non", "no"):
        values["backup_time"] = None  # backups taken elsewhere (by hand, or the host's own)
    elif hour is not None:
        match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", hour)
        if match is None or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
            raise ConfigError(
                "FABNUM_BACKUP_HOUR must be a local time like 03:00 (or an hour, 3) for the daily "
                "backup, or off for none."
            )
        values["backup_time"] = dt.time(int(match.group(1)), int(match.group(2) or 0))
    return values


def _flood_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """FABNUM_FLOOD_UPDATES, FABNUM_FLOOD_SECONDS (issue 10): a person's budget of updates."""
    values: dict[str, Any] = {}
    updates = get("FABNUM_FLOOD_UPDATES")
    if updates is not None:
        if not updates.isdigit() or int(updates) > 10_000:
            raise ConfigError(
                "FABNUM_FLOOD_UPDATES must be a whole number of updates from 0 (no budget) to"
                " 10000 (e.g. 20)."
            )
        values["flood_updates"] = int(updates)
    seconds = get("FABNUM_FLOOD_SECONDS")
    if seconds is not None:
        try:
            values["flood_seconds"] = float(seconds)
        except ValueError:
            values["flood_seconds"] = 0.0
        if not 1 <= values["flood_seconds"] <= 3600:
            raise ConfigError(
                "FABNUM_FLOOD_SECONDS must be a number of seconds from 1 to 3600 (e.g. 10)."
            )
    return values


def _staff_side_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """FABNUM_EXPORT_SEPARATOR, FABNUM_DIGEST_DAY, FABNUM_DIGEST_HOUR, FABNUM_SHORTLIST_FILE,
    FABNUM_QPV_FILE (issue 4)."""
    separator = get("FABNUM_EXPORT_SEPARATOR") or ";"
    names = {"semicolon": ";", "comma": ",", "tab": "\t", "point-virgule": ";", "virgule": ","}
    separator = names.get(separator.lower(), separator)
    if separator not in (";", ",", "\t"):
        raise ConfigError("FABNUM_EXPORT_SEPARATOR must be ; or , (or semicolon, comma, tab).")
    day_text = (get("FABNUM_DIGEST_DAY") or "lundi").lower()
    english = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    if day_text in WEEKDAYS:
        weekday = WEEKDAYS.index(day_text)
    elif day_text in english:
        weekday = english.index(day_text)
    else:
        raise ConfigError(
            f"FABNUM_DIGEST_DAY must be a day of the week (lundi ... dimanche), not {day_text!r}."
        )
    hour_text = get("FABNUM_DIGEST_HOUR") or "8"
    if not hour_text.isdigit() or not 0 <= int(hour_text) <= 23:
        raise ConfigError("FABNUM_DIGEST_HOUR must be an hour from 0 to 23 (e.g. 8).")
    values: dict[str, Any] = {
        "export_separator": separator,
        "digest_weekday": weekday,
        "digest_hour": int(hour_text),
    }
    for key, name in (("FABNUM_SHORTLIST_FILE", "shortlist_file"), ("FABNUM_QPV_FILE", "qpv_file")):
        path = get(key)
        if path is not None:
            if not Path(path).is_file():
                raise ConfigError(f"{key}: no file at {path}.")
            values[name] = Path(path)
    return values


def _sessions_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """FABNUM_QUIET_HOURS, FABNUM_REMINDERS, FABNUM_UNCONFIRMED_AT, FABNUM_NUDGES,
    FABNUM_SESSIONS_FILE, FABNUM_OUTBOX_INTERVAL (issue 3)."""
    values: dict[str, Any] = {}
    quiet = get("FABNUM_QUIET_HOURS")
    if quiet is not None:
        try:
            values["quiet_hours"] = Window.parse(quiet)
        except ValueError:
            raise ConfigError(
                "FABNUM_QUIET_HOURS must be the hours when messages may be sent, like "
                "09:00-20:00 (00:00-00:00: any time)."
            ) from None
    reminders = get("FABNUM_REMINDERS")
    unconfirmed = get("FABNUM_UNCONFIRMED_AT") or "19:30"
    try:
        first, second = (parse_duration(p) for p in (reminders or "24h,2h").split(","))
        hour, _, minute = unconfirmed.partition(":")
        flag = dt.time(int(hour), int(minute or 0))
    except ValueError:
        raise ConfigError(
            "FABNUM_REMINDERS must be two durations before a session, like 24h,2h; "
            "FABNUM_UNCONFIRMED_AT a time like 19:30."
        ) from None
    if not first > second > dt.timedelta(minutes=15):
        raise ConfigError(
            "FABNUM_REMINDERS: the first reminder must come before the second, and the second "
            "more than 15 minutes before the session (e.g. 24h,2h)."
        )
    values["reminder_offsets"] = ReminderOffsets(first, second, flag)
    nudges = get("FABNUM_NUDGES")
    if nudges is not None and nudges.lower() in ("off", "none", "non", "0"):
        values["nudge_delays"] = ()
    elif nudges is not None:
        try:
            delays = tuple(parse_duration(p) for p in nudges.split(",") if p.strip())
        except ValueError:
            raise ConfigError(
                "FABNUM_NUDGES must be up to two durations after a candidate stopped, like "
                "24h,72h (off: no nudges)."
            ) from None
        if len(delays) > 2 or list(delays) != sorted(delays):
            raise ConfigError("FABNUM_NUDGES: at most two increasing durations, like 24h,72h.")
        values["nudge_delays"] = delays
    sessions_file = get("FABNUM_SESSIONS_FILE")
    if sessions_file is not None:
        if not Path(sessions_file).is_file():
            raise ConfigError(f"FABNUM_SESSIONS_FILE: no file at {sessions_file}.")
        values["sessions_file"] = Path(sessions_file)
    interval = get("FABNUM_OUTBOX_INTERVAL")
    if interval is not None:
        try:
            values["outbox_interval"] = float(interval)
        except ValueError:
            raise ConfigError(
                "FABNUM_OUTBOX_INTERVAL must be a number of seconds (e.g. 5)."
            ) from None
        if values["outbox_interval"] <= 0:
            raise ConfigError("FABNUM_OUTBOX_INTERVAL must be more than 0 seconds.")
    burst = get("FABNUM_CHAT_BURST")
    if burst is not None:
        if not burst.strip().isdigit() or not 0 <= int(burst) <= 20:
            raise ConfigError(
                "FABNUM_CHAT_BURST must be a whole number from 0 (no pacing) to 20 (e.g. 3)."
            )
        values["chat_burst"] = int(burst)
    overall = get("FABNUM_MESSAGES_PER_SECOND")
    if overall is not None:
        try:
            values["messages_per_second"] = float(overall)
        except ValueError:
            values["messages_per_second"] = 0.0
        if not 1 <= values["messages_per_second"] <= 1000:
            raise ConfigError(
                "FABNUM_MESSAGES_PER_SECOND must be a number from 1 to 1000 (Telegram: 30)."
            )
    return values


def _outcomes_file(value: str | None) -> Path:
    """FABNUM_OUTCOMES_FILE (issue 5): outcome categories, follow-up schedule, alumni retention."""
    if value is None:
        return DEFAULT_OUTCOMES_FILE
    if not Path(value).is_file():
        raise ConfigError(f"FABNUM_OUTCOMES_FILE: no file at {value}.")
    return Path(value)


def _purge_hour(value: str | None) -> int:
    """FABNUM_PURGE_HOUR (issue 5): local hour of the daily retention purge."""
    if value is None:
        return 3
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ConfigError("FABNUM_PURGE_HOUR must be an hour from 0 to 23 (e.g. 3).")
    return int(value)
