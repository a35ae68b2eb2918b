"""The objects the handlers use, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.alumni.service import AlumniService
from bot.config import Settings
from bot.core.sites import Programme
from bot.db.database import Database
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.outbox.dispatcher import Dispatcher
from bot.reengagement.service import ReengagementService
from bot.screening.service import ScreeningService
from bot.screening.store import CandidateStore
from bot.sessions import SessionService
from bot.staff.service import StaffService
from bot.staff.store import PipelineStore


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    renderer: Renderer
    programme: Programme
    candidates: CandidateStore
    screening: ScreeningService
    outbox: Dispatcher  # durable scheduled messages (issue 3); features register renderers
    sessions: SessionService  # issue 3: information sessions, booking, reminders
    pipeline: PipelineStore  # issue 4: cohorts, stages (move), reviews, staff audit
    staff: StaffService  # issue 4: staff commands, shortlists, exports, digest
    alumni: AlumniService  # issue 5: exits, follow-up surveys, outcomes, retention
    reengagement: ReengagementService  # issue 5: "tell me when the next cohort opens"
