"""The objects the handlers use, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.alumni.service import Alumni
from bot.config import Settings
from bot.core.sites import Programme
from bot.db.database import Database
from bot.decisions.service import Decisions
from bot.inbox.service import Inbox
from bot.interviews.feature import Interviews
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.messages.service import Messaging
from bot.ops.backup import Backups
from bot.ops.erasures import Erasures
from bot.ops.service import Operations
from bot.outbox.dispatcher import Dispatcher
from bot.pipeline.service import Pipeline
from bot.pipeline.store import PipelineStore
from bot.reengagement.service import ReengagementService
from bot.retention.service import Retention
from bot.screening.service import ScreeningService
from bot.screening.store import CandidateStore
from bot.sessions.feature import Sessions


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
    sessions: Sessions  # issue 3: information sessions, booking, reminders
    pipeline: PipelineStore  # issue 4: cohorts, stages (move), reviews, staff audit
    staff: Pipeline  # issue 4: staff commands, shortlists, exports, digest
    alumni: Alumni  # issue 5: exits, follow-up surveys, calls, outcomes
    reengagement: ReengagementService  # issue 5: "tell me when the next cohort opens"
    retention: Retention  # issue 5: the daily purge of people whose time is up
    messages: Messaging  # issue 12: staff and candidates write to each other
    interviews: Interviews  # issue 12: staff set interviews, candidates answer, reminders
    decisions: Decisions  # issue 12: every staff decision reaches the candidate
    backups: Backups  # issue 14: the daily backup, and the one before migrations
    ops: Operations  # issue 14: health, heartbeat, alerts (ops.alerts.raise_alert)
    inbox: Inbox  # issue 14: every update written before it is acknowledged, taken up at start
    erasures: Erasures  # erasures re-applied after a restore (the erasure journal)
