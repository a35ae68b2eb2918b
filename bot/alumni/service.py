"""Alumni follow-up, Telegram-free, one module per use case: staff mark exits (exits.py), surveys
go out through the outbox and alumni answer with buttons (surveys.py), staff read the call list
and note answers taken by phone (calls.py), and the figures (outcomes.py). Buttons: buttons.py.

Staff commands only reach these objects through the staff gate (bot/telegram/gate.py, used by
bot/alumni/handlers.py). Logs carry ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.alumni.calls import Calls
from bot.alumni.exits import Exits
from bot.alumni.outcomes import OutcomeReports
from bot.alumni.store import AlumniStore
from bot.alumni.surveys import Surveys
from bot.outbox.kinds import MessageKind


@dataclass(frozen=True)
class Alumni:
    """The follow-up's use cases, each built once by the composition root (bot/app.py)."""

    store: AlumniStore
    exits: Exits
    surveys: Surveys
    calls: Calls
    outcomes: OutcomeReports

    def kinds(self) -> list[MessageKind]:
        return self.surveys.kinds()
