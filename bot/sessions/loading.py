"""The sessions file (FABNUM_SESSIONS_FILE, `python -m bot sessions load FILE`): TOML
[[sessions]] tables, all checked before any is written."""

from __future__ import annotations

import asyncio
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.sites import Programme
from bot.sessions import rules
from bot.sessions.admin import SessionAdmin
from bot.sessions.admin_store import SessionAdminStore


class SessionsFileError(ValueError):
    """The sessions file cannot be loaded; the message is one sentence for a person."""


class SessionsFile:
    def __init__(
        self,
        *,
        admin: SessionAdmin,
        admin_store: SessionAdminStore,
        programme: Programme,
        timezone: ZoneInfo,
    ) -> None:
        self.admin = admin
        self.admin_store = admin_store
        self.programme = programme
        self.tz = timezone

    async def load_file(self, path: Path) -> tuple[int, int]:
        """Sessions from a TOML file ([[sessions]] tables); returns (added, already there).

        Every entry is checked before any is written, so a mistake adds nothing; an entry whose
        key (default site:dateTtime) was loaded before is left as it is, even if staff edited it
        since. Raises SessionsFileError with one sentence naming the file and the entry."""
        try:
            text = await asyncio.to_thread(path.read_text, "utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise SessionsFileError(f"{path}: cannot read it ({reason}).") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SessionsFileError(f"{path}: not valid TOML ({error}).") from None
        entries = data.get("sessions", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise SessionsFileError(f"{path}: sessions must be [[sessions]] tables.")
        planned = [self._file_entry(f"{path}, session #{n}", e) for n, e in enumerate(entries, 1)]
        added = existing = 0
        for entry in planned:
            known = await self.admin_store.exists(entry["external_key"])
            await self.admin.create_session(**entry)
            if known:
                existing += 1
            else:
                added += 1
        return added, existing

    def _file_entry(self, where: str, entry: dict[str, Any]) -> dict[str, Any]:
        """One [[sessions]] table, checked, as create_session's arguments."""
        try:
            site = str(entry["site"])
            local = dt.datetime.fromisoformat(f"{entry['date']}T{entry['time']}")
            capacity = int(entry["capacity"])
            place = str(entry["place"]).strip()
            address = str(entry.get("address", place)).strip()
            duration = int(entry.get("duration_minutes", 90))
        except (KeyError, ValueError, TypeError) as error:
            raise SessionsFileError(
                f"{where}: needs site, date (2026-12-03), time (14:00), capacity and place"
                f" ({type(error).__name__}: {error})."
            ) from None
        language = str(entry.get("language", "fr"))
        problem = None
        if site not in self.programme.sites:
            problem = f"unknown site {site!r} (sites: {', '.join(self.programme.site_ids)})"
        elif local.tzinfo is not None:
            problem = "date and time are local, without a time zone"
        elif not 1 <= capacity <= rules.MAX_CAPACITY:
            problem = f"capacity must be between 1 and {rules.MAX_CAPACITY}"
        elif not place or not address:
            problem = "place and address must not be empty"
        elif language not in rules.LANGUAGES:
            problem = f"language must be one of {', '.join(rules.LANGUAGES)}"
        elif not 1 <= duration <= 24 * 60:
            problem = "duration_minutes must be between 1 and 1440"
        if problem is not None:
            raise SessionsFileError(f"{where}: {problem}.")
        map_url = entry.get("map_url")
        return {
            "site": site,
            "starts_at": local.replace(tzinfo=self.tz).astimezone(dt.UTC),
            "capacity": capacity,
            "place": place,
            "address": address,
            "map_url": str(map_url) if map_url else None,
            "language": language,
            "duration_minutes": duration,
            "external_key": str(entry.get("key") or f"{site}:{entry['date']}T{entry['time']}"),
        }
