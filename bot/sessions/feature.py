"""The information-sessions feature as bot/app.py builds it: its use cases side by side."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.actions import Response
from bot.kernel.person import Person
from bot.sessions.admin import SessionAdmin
from bot.sessions.booking import Booking
from bot.sessions.buttons import candidate_press, is_staff, staff_press
from bot.sessions.loading import SessionsFile
from bot.sessions.reminders import Reminders
from bot.sessions.store import SessionStore


@dataclass(frozen=True)
class Sessions:
    store: SessionStore  # sessions, bookings, waitlist (staff changes: admin.admin_store)
    booking: Booking  # candidates: offer, book, change, cancel, waitlist, "je viens", /stop
    admin: SessionAdmin  # staff: list, create, edit, cancel, attendance
    reminders: Reminders  # the outbox kinds: reminders, staff flag, seat free, changes
    file: SessionsFile  # the TOML sessions file

    async def button(self, person: Person, data: str) -> Response:
        """An "s:" button, staff or candidate's, past the staff gate (see handlers.py)."""
        if is_staff(data):
            return await self.admin.button(person, staff_press(data))
        return await self.booking.button(person, candidate_press(data))
