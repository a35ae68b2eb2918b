"""Staff use cases: list the sessions, create, edit and cancel one, mark attendance.

Staff (settings.staff, site staff limited to their sites) reach these through the staff gate
(bot/telegram/gate.py and the sessions handlers): a non-staff sender never gets here.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.config import Settings, StaffMember
from bot.core.pipeline import too_early_for_attendance
from bot.core.sites import Programme
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.sessions import rules
from bot.sessions.admin_store import SessionAdminStore
from bot.sessions.buttons import (
    Attendees,
    CancelSession,
    CancelSessionNo,
    CancelSessionYes,
    EditSession,
    MarkAttendance,
    StaffPress,
    encode,
)
from bot.sessions.rules import EditOutcome, InfoSession
from bot.sessions.store import SessionStore
from bot.sessions.views import SessionViews

log = logging.getLogger(__name__)


class SessionAdmin:
    def __init__(
        self,
        *,
        store: SessionStore,
        admin_store: SessionAdminStore,
        views: SessionViews,
        programme: Programme,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.store = store
        self.admin_store = admin_store
        self.views = views
        self.programme = programme
        self.clock = clock
        self.settings = settings
        self.tz = settings.timezone

    def _member(self, person: Person) -> StaffMember | None:
        member = self.settings.staff.get(person.user_id)
        if member is None:  # not reached: the staff gate answers them as an unknown command
            log.warning("sessions staff method called for a non-staff user")
        return member

    # ---------------------------------------------------------------- commands
    async def staff_sessions(self, person: Person) -> Response:
        """/sessions: the sessions of the last week and ahead, with their buttons."""
        member = self._member(person)
        if member is None:
            return Response()
        lang = self.settings.language
        now = self.clock.now()
        sessions = [
            s
            for s in await self.store.since(now - dt.timedelta(days=7))
            if member.can_see_site(s.site)
        ]
        items = [
            {**self.views.describe(s, lang), "past": s.starts_at <= now} for s in sessions[:20]
        ]
        buttons: list[tuple[Button, ...]] = []
        for s in sessions[:20]:
            when = self.views.renderer.format_datetime(s.starts_at, lang, "button")
            row = [Button(f"👥 {when}", encode(Attendees(s.id)))]
            if s.status == "scheduled" and s.starts_at > now:
                row.append(Button("✏️", encode(EditSession(s.id))))
                row.append(Button("❌", encode(CancelSession(s.id))))
            buttons.append(tuple(row))
        return Response().send(
            self.views.render(lang, "sessions/staff_list", sessions=items), tuple(buttons)
        )

    async def staff_new(self, person: Person, args: list[str]) -> Response:
        """/nouvelle_session SITE DATE HEURE PLACES LIEU."""
        member = self._member(person)
        if member is None:
            return Response()
        lang = self.settings.language
        now = self.clock.now()
        try:
            new = rules.parse_new_session(args, self.programme.site_ids, now, self.tz)
        except rules.ArgumentError as error:
            return Response().send(
                self.views.render(
                    lang, "sessions/staff_error", what=str(error), sites=self.programme.site_ids
                )
            )
        if not member.can_see_site(new.site):
            return Response().send(
                self.views.render(
                    lang, "sessions/staff_error", what="not_your_site", sites=sorted(member.sites)
                )
            )
        session_id = await self.create_session(
            site=new.site,
            starts_at=new.starts_at,
            capacity=new.capacity,
            place=new.place,
            address=new.address,
            created_by=person.user_id,
        )
        session = await self.store.session(session_id)
        assert session is not None
        return Response().send(
            self.views.render(
                lang, "sessions/staff_created", session=self.views.describe(session, lang)
            )
        )

    async def staff_edit(self, person: Person, args: list[str]) -> Response:
        """/modifier_session NUMÉRO ...: change date/time, place, seats or language."""
        member = self._member(person)
        if member is None:
            return Response()
        lang = self.settings.language
        now = self.clock.now()
        try:
            edit = rules.parse_session_edit(args)
        except rules.ArgumentError as error:
            if str(error) == "usage":
                return Response().send(self._edit_usage(lang, None))
            return self._edit_error(lang, str(error))
        session = await self.store.session(edit.session_id)
        if session is None or not member.can_see_site(session.site):
            return self._edit_error(lang, "not_found", session_id=edit.session_id)
        if edit.empty:
            return Response().send(self._edit_usage(lang, session))
        try:
            starts_at = edit.new_start(session.starts_at, now, self.tz)
        except rules.ArgumentError as error:
            return self._edit_error(lang, str(error), session_id=session.id)
        outcome = await self.edit_session(
            session.id,
            starts_at=starts_at,
            capacity=edit.capacity,
            place=edit.place,
            address=edit.address,
            language=edit.language,
        )
        if outcome.status != "edited":
            return self._edit_error(
                lang, outcome.status, session_id=session.id, booked=outcome.booked
            )
        log.info("session %s edited by staff: %s", session.id, ",".join(outcome.changed))
        edited = await self.store.session(session.id)
        assert edited is not None
        return Response().send(
            self.views.render(
                lang,
                "sessions/staff_edited",
                session=self.views.describe(edited, lang),
                changed=list(outcome.changed),
                told=outcome.told,
                waiting=outcome.waiting,
            )
        )

    def _edit_usage(self, lang: str, session: InfoSession | None) -> str:
        info = self.views.describe(session, lang) if session is not None else None
        return self.views.render(lang, "sessions/staff_edit_usage", session=info)

    def _edit_error(
        self, lang: str, what: str, *, session_id: int = 0, booked: int = 0
    ) -> Response:
        return Response().send(
            self.views.render(
                lang, "sessions/staff_edit_error", what=what, session_id=session_id, booked=booked
            )
        )

    # ----------------------------------------------------------------- changes
    async def create_session(
        self,
        *,
        site: str,
        starts_at: dt.datetime,
        capacity: int,
        place: str,
        address: str,
        map_url: str | None = None,
        language: str = "fr",
        duration_minutes: int = 90,
        created_by: int | None = None,
        external_key: str | None = None,
    ) -> int:
        """Insert a session (idempotent with an external key); waiting candidates are told."""
        return await self.admin_store.create_session(
            now=self.clock.now(),
            site=site,
            starts_at=starts_at,
            capacity=capacity,
            place=place,
            address=address,
            map_url=map_url,
            language=language,
            duration_minutes=duration_minutes,
            created_by=created_by,
            external_key=external_key,
        )

    async def edit_session(
        self,
        session_id: int,
        *,
        starts_at: dt.datetime | None = None,
        capacity: int | None = None,
        place: str | None = None,
        address: str | None = None,
        language: str | None = None,
    ) -> EditOutcome:
        """Change a scheduled, future session (see SessionAdminStore.edit_session)."""
        return await self.admin_store.edit_session(
            session_id,
            now=self.clock.now(),
            starts_at=starts_at,
            capacity=capacity,
            place=place,
            address=address,
            language=language,
        )

    async def cancel_session(self, session_id: int, *, by: int | None) -> int:
        """Cancel a session: every booked candidate is told and offered the others."""
        return await self.admin_store.cancel_session(session_id, self.clock.now())

    # ----------------------------------------------------------------- buttons
    async def button(self, person: Person, press: StaffPress | None) -> Response:
        """A staff "s:" button; None is a malformed or forged one (answered as stale)."""
        member = self._member(person)
        if member is None:
            return Response().add(Toast(""))
        lang = self.settings.language
        if isinstance(press, MarkAttendance):
            return await self._attendance(person, member, press.booking_id, press.mark)
        session = await self.store.session(press.session_id) if press is not None else None
        if session is None or not member.can_see_site(session.site):
            return Response().add(Toast(self.views.render(lang, "sessions/toast", what="stale")))
        if isinstance(press, EditSession):
            return Response().add(Toast("")).send(self._edit_usage(lang, session))
        if isinstance(press, Attendees):
            text, keyboard = await self._attendance_list(session, lang)
            return Response().add(Toast("")).send(text, keyboard)
        if isinstance(press, CancelSession):
            info = self.views.describe(session, lang)
            keep = CancelSessionNo(session.id)
            return (
                Response()
                .add(Toast(""))
                .send(
                    self.views.render(lang, "sessions/staff_cancel_confirm", session=info),
                    (
                        (
                            Button(
                                self.views.label(lang, "sessions.btn_cancel_session"),
                                encode(CancelSessionYes(session.id)),
                            ),
                        ),
                        (
                            Button(
                                self.views.label(lang, "sessions.btn_keep_session"), encode(keep)
                            ),
                        ),
                    ),
                )
            )
        if isinstance(press, CancelSessionYes):
            count = await self.cancel_session(session.id, by=person.user_id)
            text = self.views.render(
                lang,
                "sessions/staff_cancelled",
                session=self.views.describe(session, lang),
                told=count,
            )
            return Response().add(Toast("")).add(EditPressed()).send(text)
        return Response().add(Toast("")).add(EditPressed())  # CancelSessionNo: kept

    async def _attendance_list(self, session: InfoSession, lang: str) -> tuple[str, Keyboard]:
        people = []
        buttons: list[tuple[Button, ...]] = []
        for b in await self.store.attendees(session.id):
            name = await self.views.first_name(int(b["candidate_id"]))
            people.append(
                {
                    "name": name,
                    "confirmed": b["confirmed_at"] is not None,
                    "attendance": b["attendance"],
                }
            )
            mark = {"attended": "✅ ", "absent": "❌ "}.get(b["attendance"] or "", "")
            attended = self.views.label(lang, "sessions.btn_attended")
            buttons.append(
                (
                    Button(f"{mark}{name} · {attended}", encode(MarkAttendance(b["id"], "y"))),
                    Button(
                        self.views.label(lang, "sessions.btn_absent"),
                        encode(MarkAttendance(b["id"], "n")),
                    ),
                )
            )
        text = self.views.render(
            lang,
            "sessions/staff_attendance",
            session=self.views.describe(session, lang),
            people=people,
        )
        return text, tuple(buttons)

    async def _attendance(
        self, person: Person, member: StaffMember, booking_id: int, mark: str
    ) -> Response:
        lang = self.settings.language
        row = await self.admin_store.booking_for_attendance(booking_id)
        session = await self.store.session(int(row["session_id"])) if row else None
        if (
            row is None
            or session is None
            or not member.can_see_site(session.site)
            or mark not in "yn"  # "" too: a mark left out has always counted as absent
        ):
            return Response().add(Toast(self.views.render(lang, "sessions/toast", what="stale")))
        now = self.clock.now()
        if too_early_for_attendance(session.starts_at, now):
            return Response().add(
                Toast(self.views.render(lang, "sessions/toast", what="not_started"))
            )
        attendance = "attended" if mark == "y" else "absent"
        if row["attendance"] != attendance:
            await self.admin_store.mark_attendance(
                booking_id=booking_id,
                session_id=session.id,
                candidate_id=int(row["candidate_id"]),
                chat_id=int(row["chat_id"]),
                attendance=attendance,
                by=person.user_id,
                now=now,
            )
        _, keyboard = await self._attendance_list(session, lang)
        return Response().add(Toast("")).add(EditPressed(keyboard=keyboard))
