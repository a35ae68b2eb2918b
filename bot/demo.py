"""`make demo`: the real bot and the local Bot API in one process; you chat in the terminal.

Nothing leaves this machine: the bot talks to bot.fakeapi on 127.0.0.1, on its own database
(data/demo.db unless FABNUM_DEMO_DATABASE says otherwise). Files the bot sends are saved under
data/demo-files/ (FABNUM_DEMO_FILES). A demo database without upcoming information sessions gets
a few, dated from today, and each site a cohort, through the real services. `--staff`: you are a
staff admin (your id added to the staff) rather than a candidate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path

from bot.app import App, build_application
from bot.config import Settings, StaffMember
from bot.fakeapi import FakeTelegram
from bot.fakeapi.terminal import Idle, chat_in_terminal
from bot.pipeline.store import CohortExists
from bot.services import Services
from bot.telegram.serving import polling
from bot.telegram.update_processor import PerChatUpdateProcessor

# The fake API gives ids from 1001 up: the candidate is created first, the staff admin second.
CANDIDATE_ID = 1001
STAFF_ID = 1002
# Example sessions: (days from today, local hour, seats), at every site.
DEMO_SESSIONS = ((2, 14, 12), (5, 10, 10), (9, 14, 12))
DEMO_PLACES = {
    "gonesse": ("FabNum Gonesse, salle 2", "3 rue de Paris, 95500 Gonesse"),
    "marcq": ("FabNum Marcq", "12 avenue Foch, 59700 Marcq-en-Barœul"),
}


def demo_database(fresh: bool) -> Path:
    database = Path(os.environ.get("FABNUM_DEMO_DATABASE", "data/demo.db"))
    if fresh:
        for suffix in ("", "-wal", "-shm", ".erased", ".erased.key"):  # journal: bot/ops
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    return database


def demo_files() -> Path:
    return Path(os.environ.get("FABNUM_DEMO_FILES", "data/demo-files"))


async def seed(services: Services) -> tuple[int, int]:
    """Example sessions and a cohort per site, when the demo database has no upcoming session;
    returns how many sessions and cohorts were created. Keys and names make it idempotent."""
    now = services.clock.now()
    tz = services.settings.timezone
    today = now.astimezone(tz).date()
    sessions = cohorts = 0
    for site in services.programme.site_ids:
        if await services.sessions.store.upcoming(site, now):
            continue
        place, address = DEMO_PLACES.get(site, (f"FabNum {site}", "(adresse de démonstration)"))
        for days, hour, seats in DEMO_SESSIONS:
            day = today + dt.timedelta(days=days)
            await services.sessions.admin.create_session(
                site=site,
                starts_at=dt.datetime.combine(day, dt.time(hour), tz),
                capacity=seats,
                place=place,
                address=address,
                external_key=f"demo:{site}:{day.isoformat()}",
            )
            sessions += 1
        start = today + dt.timedelta(days=60)
        try:
            await services.pipeline.create_cohort(
                site=site,
                name=f"Promo démo {start:%m/%Y}",
                start=start,
                end=start + dt.timedelta(days=180),
                capacity=15,
                by=STAFF_ID,
                at=now,
            )
            cohorts += 1
        except CohortExists:
            pass
    return sessions, cohorts


def idle_check(application: App, services: Services, chat_id: int) -> Idle:
    """The bot is idle after an update when it handled it (its replies were sent: the handler
    awaits them) and no outbox row of the chat is due."""
    processor = application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)

    async def idle(update_id: int) -> bool:
        if update_id not in processor.recently_handled:
            return False
        due = await services.outbox.store.due_in_chat(chat_id, services.clock.now())
        return due == 0

    return idle


def banner(*, staff: bool, user_id: int, database: Path, files: Path) -> str:
    who = (
        f"You are a staff admin (user id {user_id}, in FABNUM_STAFF_IDS for this demo):"
        " /staff lists the commands, /pipeline shows the funnel."
        if staff
        else f"You are a candidate (user id {user_id}) chatting with the bot."
    )
    other = "make demo (as a candidate)" if staff else "make demo-staff (as staff)"
    return (
        f"FabNum Bot demo. {who}\n"
        "Type a number to press that button, text to answer, /aide for the commands,"
        " /quit to leave.\n"
        f"Database: {database} (make demo-fresh starts over; {other}).\n"
        f"Files the bot sends are saved in {files}/.\n\n"
    )


async def run_demo(settings: Settings, *, fresh: bool = False, staff: bool = False) -> None:
    database = demo_database(fresh)
    files = demo_files()
    async with FakeTelegram() as server:
        candidate = server.new_user("Camille", language_code=settings.language)
        admin = server.new_user("Sam", language_code=settings.language)
        assert (candidate.id, admin.id) == (CANDIDATE_ID, STAFF_ID)
        demo_settings = dataclasses.replace(
            settings,
            token=server.token,
            api_url=server.base_url,
            database=database,
            staff={**settings.staff, STAFF_ID: StaffMember(STAFF_ID, "admin")}
            if staff
            else settings.staff,
        )
        application = build_application(demo_settings)
        services: Services = application.bot_data["services"]
        async with polling(application, poll_timeout=5):
            sessions, cohorts = await seed(services)
            user = admin if staff else candidate
            out = sys.stdout
            out.write(banner(staff=staff, user_id=user.id, database=database, files=files))
            if sessions or cohorts:
                out.write(
                    f"(added to the demo database, dated from today: {sessions} example"
                    f" information sessions, {cohorts} cohorts)\n\n"
                )
            command = "staff" if staff else "start"
            out.write(f"vous: /{command}\n")
            first = server.send_command(user, command)
            await chat_in_terminal(
                server,
                user,
                out=out,
                idle=idle_check(application, services, user.chat_id),
                first_update=first,
                files_dir=files,
            )
