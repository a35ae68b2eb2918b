"""The composition root: the one place that builds the Application and wires its dependencies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram.ext import Application, ApplicationBuilder, ExtBot

from bot.alumni import handlers as alumni_handlers
from bot.alumni.calls import Calls
from bot.alumni.context import AlumniContext
from bot.alumni.exits import Exits
from bot.alumni.outcomes import OutcomeReports
from bot.alumni.service import Alumni
from bot.alumni.store import AlumniStore
from bot.alumni.surveys import Surveys
from bot.config import Settings
from bot.core.diversity import load_qpv
from bot.core.outcomes import load_outcomes
from bot.core.ranking import load_rules
from bot.core.sites import load_programme
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.decisions import handlers as decisions_handlers
from bot.decisions.service import DecisionReactions, Decisions
from bot.inbox import handlers as inbox_handlers
from bot.inbox.service import Inbox
from bot.interviews import handlers as interviews_handlers
from bot.interviews.feature import InterviewBase
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.erasure import Erasing
from bot.kernel.forum import Forum
from bot.kernel.rendering import Renderer
from bot.messages import handlers as messages_handlers
from bot.messages.cleanup import Cleanup
from bot.messages.service import Messaging
from bot.messages.store import MessageStore
from bot.ops.alerts import Alerts
from bot.ops.alerts_store import AlertStore
from bot.ops.backup import Backups
from bot.ops.erasure_journal import ErasureJournal
from bot.ops.erasures import Erasures
from bot.ops.health import HealthCheck, Heartbeat, Liveness
from bot.ops.health_store import HealthStore
from bot.ops.service import Operations
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxStore
from bot.pipeline import handlers as staff_handlers
from bot.pipeline.cards import Cards
from bot.pipeline.cohorts import Cohorts
from bot.pipeline.context import PipelineContext
from bot.pipeline.digest import DigestText, WeeklyDigest
from bot.pipeline.exports import Exports
from bot.pipeline.guide import Guide
from bot.pipeline.moves import Moves
from bot.pipeline.report import Report
from bot.pipeline.review import Review
from bot.pipeline.service import Pipeline
from bot.pipeline.shortlist import Shortlist
from bot.pipeline.store import CohortCreated, Moved, PipelineStore, Reviewed
from bot.reachability import handlers as reachability_handlers
from bot.reengagement import handlers as reengagement_handlers
from bot.reengagement.reactions import ReengagementReactions
from bot.reengagement.service import ReengagementService
from bot.retention import handlers as retention_handlers
from bot.retention.purge import retention_policy
from bot.retention.service import Retention
from bot.screening import handlers as screening_handlers
from bot.screening.answers import Answering
from bot.screening.commands import Commands
from bot.screening.consent import Consent
from bot.screening.conversation import Conversation
from bot.screening.data_rights import DataRights
from bot.screening.nudges import Nudges
from bot.screening.service import ScreeningService
from bot.screening.store import CandidateStore, ScreeningRestarted
from bot.services import Services
from bot.sessions import handlers as sessions_handlers
from bot.sessions.admin import SessionAdmin
from bot.sessions.admin_store import SessionAdminStore
from bot.sessions.booking import Booking
from bot.sessions.feature import Sessions
from bot.sessions.loading import SessionsFile
from bot.sessions.reactions import SessionReactions
from bot.sessions.reminders import Reminders
from bot.sessions.store import SessionStore
from bot.sessions.views import SessionViews
from bot.status.view import StatusView
from bot.telegram.flood import FloodGuard
from bot.telegram.forum import BotForum
from bot.telegram.io import perform_scheduled
from bot.telegram.jobs import on_error, schedule_backup, schedule_outbox
from bot.telegram.limiter import PriorityRateLimiter
from bot.telegram.liveness import note_updates, requests
from bot.telegram.menu import set_commands
from bot.telegram.serving import schedule_heartbeat
from bot.telegram.update_processor import PerChatUpdateProcessor
from conversations.alumni_survey import ALUMNI_SURVEY
from conversations.screening import SCREENING

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]


def build_services(
    settings: Settings,
    clock: Clock | None = None,
    extra_kinds: Sequence[MessageKind] = (),
    forum: Forum | None = None,
    liveness: Liveness | None = None,
) -> Services:
    """Every object, each built once with its dependencies, in dependency order. Nothing is
    wired afterwards: a feature that reacts to another's change does so through an event handler
    given to the unit of work here, a scheduled message through a kind given to the outbox.
    `forum`: the staff chat's forum topics (the bot's, bot/telegram/forum.py); None: no topics.
    `liveness`: the times of the last Bot API success and update (the bot's requests note them)."""
    clock = clock or SystemClock()
    programme = load_programme(settings.rules_file)
    outcomes = load_outcomes(settings.outcomes_file)
    backups = Backups(
        database=settings.database,
        folder=settings.backup_folder,
        keep=settings.backup_keep,
        clock=clock,
    )
    # a database that has data is backed up before any migration is applied to it
    db = Database(settings.database, before_migrate=backups.before_migration)
    renderer = Renderer(default_language=settings.language, timezone=settings.timezone)
    # Cross-feature reactions, run inside the transaction that raised the event, before COMMIT.
    reengagement_reactions = ReengagementReactions(timezone=settings.timezone)
    session_store = SessionStore(db, settings)
    session_reactions = SessionReactions(store=session_store)
    interview_base = InterviewBase.of(db, settings, renderer, programme, clock)
    decision_reactions = DecisionReactions(renderer, programme, settings)
    message_store = MessageStore(db)
    cleanup = Cleanup(store=message_store, forum=forum)  # relays deleted after an erasure
    journal = ErasureJournal.of(settings.database)  # erasures outlive a restore
    work = UnitOfWork(
        db,
        {
            Moved: [
                reengagement_reactions.on_moved,  # waiting list -> ask about the next one
                session_reactions.on_moved,  # past the sessions -> a live booking goes
                interview_base.reactions.on_moved,  # past the interview -> a planned one goes
                decision_reactions.on_moved,  # admitted, not selected... -> tell the candidate
            ],
            Reviewed: [decision_reactions.on_reviewed],  # orientation confirmed -> tell them
            CohortCreated: [reengagement_reactions.on_cohort_created],  # tell the opted-in
            ScreeningRestarted: [session_reactions.on_restarted],  # its booking goes too
            # before the erased person's rows go: their topic's deletion queued, the journal
            Erasing: [
                cleanup.on_erasing,
                decision_reactions.on_erasing,
                *([journal.on_erasing] if journal else []),
            ],
        },
    )
    candidates = CandidateStore(db, work)
    pipeline = PipelineStore(db, work)
    session_admin_store = SessionAdminStore(db, session_store, settings)
    session_views = SessionViews(
        renderer=renderer, programme=programme, candidates=candidates, timezone=settings.timezone
    )
    session_booking = Booking(
        db=db,
        store=session_store,
        candidates=candidates,
        views=session_views,
        clock=clock,
        default_language=settings.language,
    )
    session_admin = SessionAdmin(
        store=session_store,
        admin_store=session_admin_store,
        views=session_views,
        programme=programme,
        clock=clock,
        settings=settings,
    )
    sessions = Sessions(
        store=session_store,
        booking=session_booking,
        admin=session_admin,
        reminders=Reminders(
            store=session_store,
            booking=session_booking,
            candidates=candidates,
            views=session_views,
            staff_language=settings.language,
        ),
        file=SessionsFile(
            admin=session_admin,
            admin_store=session_admin_store,
            programme=programme,
            timezone=settings.timezone,
        ),
    )
    conversation = Conversation(
        store=candidates,
        renderer=renderer,
        programme=programme,
        flow=SCREENING,
        clock=clock,
        timezone=settings.timezone,
        default_language=settings.language,
        backup_days=settings.backup_keep,  # the notice: how long backups keep an erased person
        status=StatusView(
            pipeline=pipeline,
            sessions=session_store,
            session_views=session_views,
            renderer=renderer,
            programme=programme,
            interviews=interview_base,
        ).of,  # /start and /statut once the application is sent
    )
    consent = Consent(conversation)
    messaging = Messaging(
        db=db,
        store=message_store,
        candidates=candidates,
        renderer=renderer,
        settings=settings,
        clock=clock,
        stage_of=pipeline.stage_of,
        forum=forum,  # a forum staff chat: one topic per candidate
    )
    screening = ScreeningService(
        conversation=conversation,
        consent=consent,
        # an eligible result offers the sessions
        answering=Answering(conversation, after_eligible=session_booking.after_eligible),
        commands=Commands(
            conversation,
            consent,
            booked_when=session_booking.booked_when,
            after_human=messaging.on_human,
        ),
        data_rights=DataRights(conversation),
    )
    alumni_ctx = AlumniContext(
        store=AlumniStore(db, outcomes.followup, settings.timezone),
        renderer=renderer,
        programme=programme,
        outcomes=outcomes,
        flow=ALUMNI_SURVEY,
        clock=clock,
        settings=settings,
    )
    alumni = Alumni(
        store=alumni_ctx.store,
        exits=Exits(alumni_ctx, db=db, pipeline=pipeline),
        surveys=Surveys(alumni_ctx),
        calls=Calls(alumni_ctx),
        outcomes=OutcomeReports(alumni_ctx, db=db),
    )
    retention = Retention(
        db=db,
        clock=clock,
        timezone=settings.timezone,
        retention=retention_policy(programme.retention_months, outcomes.alumni_delay_months),
        followup=outcomes.followup,
        work=work,  # Erasing: forum topics, the erasure journal
    )
    erasures = Erasures(
        journal=journal, candidates=candidates, retention=retention, backups=backups, clock=clock
    )
    staff_ctx = PipelineContext(
        settings=settings,
        store=pipeline,
        renderer=renderer,
        programme=programme,
        screening=screening,
        flow=SCREENING,
        clock=clock,
        rules=load_rules(settings.shortlist_file),
        qpv=load_qpv(settings.qpv_file),
    )
    decisions = Decisions(db, decision_reactions.texts, clock, visible=staff_ctx.candidate)
    review = Review(
        staff_ctx, unanswered=messaging.digest_unanswered_text, drafts=decisions.pending
    )
    cards = Cards(staff_ctx, review, write_button=messaging.card_button)
    shortlist = Shortlist(staff_ctx)
    staff = Pipeline(
        ctx=staff_ctx,
        report=Report(staff_ctx),
        review=review,
        cards=cards,
        moves=Moves(staff_ctx, cards, session_start=session_store.live_session_start),
        cohorts=Cohorts(staff_ctx),
        shortlist=shortlist,
        exports=Exports(staff_ctx, shortlist),
        # the alumni to call
        digest=DigestText(
            staff_ctx,
            shortlist,
            # the alumni to call; the /humain requests unanswered for 2 working days; the
            # decision messages waiting for "Envoyer"
            sections=[
                alumni.calls.digest_calls_text,
                messaging.digest_unanswered_text,
                decisions.digest_pending_text,
            ],
        ),
        guide=Guide(staff_ctx),
    )
    interviews = interview_base.build(ctx=staff_ctx, candidates=candidates)
    reengagement = ReengagementService(
        db=db,
        candidates=candidates,
        pipeline=pipeline,
        screening=screening,
        renderer=renderer,
        programme=programme,
        clock=clock,
        timezone=settings.timezone,
    )
    digest = WeeklyDigest(settings=settings, db=db, digest_of=staff.digest.response)
    outbox_store = OutboxStore(db)
    nudges = Nudges(
        db=db,
        candidates=candidates,
        outbox=outbox_store,
        renderer=renderer,
        clock=clock,
        settings=settings,
    )
    liveness = liveness or Liveness(clock)
    ops = Operations(
        liveness=liveness,
        health=HealthCheck(HealthStore(db), liveness, clock),
        heartbeat=Heartbeat(settings.database, liveness),
        alerts=Alerts(
            db=db,
            store=AlertStore(db),
            renderer=renderer,
            clock=clock,
            settings=settings,
            liveness=liveness,
        ),
    )
    outbox = Dispatcher(
        store=outbox_store,
        clock=clock,
        window=settings.quiet_hours,
        timezone=settings.timezone,
        perform=perform_scheduled,
        kinds=[
            digest.kind(),
            *nudges.kinds(),
            *sessions.reminders.kinds(),
            *interviews.reminders.kinds(),
            *alumni.kinds(),
            *reengagement.kinds(),
            *messaging.kinds(),
            *decisions.kinds(),
            ops.alerts.kind(),  # alerts to the staff group or the admins (issue 14)
            cleanup.kind(ops.alerts.raise_alert),  # an erased person's topic and relays
            *extra_kinds,  # tests of the outbox itself add their own
        ],
        planners=[digest.plan, nudges.plan, messaging.plan, ops.alerts.watch],
    )
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        renderer=renderer,
        programme=programme,
        candidates=candidates,
        screening=screening,
        outbox=outbox,
        sessions=sessions,
        pipeline=pipeline,
        staff=staff,
        alumni=alumni,
        reengagement=reengagement,
        retention=retention,
        messages=messaging,
        interviews=interviews,
        decisions=decisions,
        backups=backups,
        ops=ops,
        inbox=Inbox.of(db, clock),
        erasures=erasures,
    )


def build_application(
    settings: Settings, clock: Clock | None = None, extra_kinds: Sequence[MessageKind] = ()
) -> App:
    """The production Application; tests and the demo only change the settings (API URL, DB).
    The bot is built first (as ApplicationBuilder would: 256 connections, 1 for getUpdates), so
    the services that call it (forum topics) get it at construction."""
    clock = clock or SystemClock()
    liveness = Liveness(clock)
    request, get_updates_request = requests(liveness)  # each Bot API success is noted
    bot: ExtBot[Any] = ExtBot(
        token=settings.require_token(),
        base_url=settings.api_url,
        base_file_url=settings.file_url,
        request=request,
        get_updates_request=get_updates_request,
        rate_limiter=PriorityRateLimiter(
            overall_per_second=settings.messages_per_second, chat_burst=settings.chat_burst
        ),
    )
    services = build_services(settings, clock, extra_kinds, forum=BotForum(bot), liveness=liveness)

    async def on_init(application: App) -> None:
        await services.db.connect()
        # a database put back by hand: the erasures made since its copy, again (the journal)
        await services.erasures.reapply()
        services.erasures.prune()
        services.staff.digest.bot_username = application.bot.username  # digest deep links
        await services.outbox.recover()  # rows a crash left mid-send, before the first run
        await inbox_handlers.take_up(application)  # what a crash or a stop left, queued first
        if settings.sessions_file is not None:
            added, known = await services.sessions.file.load_file(settings.sessions_file)
            log.info("sessions file: %d added, %d already known", added, known)
        if settings.staff and settings.staff_chat_id is None and not settings.site_chats:
            log.warning(
                "FABNUM_STAFF_CHAT_ID and FABNUM_SITE_CHATS are not set: flags of unconfirmed"
                " bookings go to each staff member's private chat (each must have sent /start to"
                " the bot once) and there is no weekly digest"
            )
        await set_commands(application.bot, services.renderer, services.settings)

    async def on_stop(application: App) -> None:
        # Before the bot's connection closes: queued updates dropped, running ones given a grace.
        await processor.stop()

    async def on_shutdown(application: App) -> None:
        await services.db.close()

    guard = FloodGuard(settings, services.clock, services.renderer)
    processor = PerChatUpdateProcessor(256, guard=guard, inbox=services.inbox)

    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .update_queue(inbox_handlers.InboxQueue(services.inbox))  # committed before acked
        .post_init(on_init)
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
        .build()
    )
    application.bot_data["services"] = services
    inbox_handlers.register(application, services.inbox, services.screening.where_we_are)  # 1st
    schedule_outbox(application, services)
    schedule_backup(application, services)  # daily, then the erasure journal pruned
    schedule_heartbeat(application, services.ops.heartbeat)  # for `python -m bot status`
    note_updates(application, services.ops.liveness)  # the time of the last update
    staff_handlers.register(application, services)  # before the candidate catch-alls
    alumni_handlers.register(application, services)  # "fu:" buttons, /sortie, /sorties, /appels
    retention_handlers.register(application, services)  # the daily purge job
    sessions_handlers.register(application, services, services.sessions)  # before catch-alls
    interviews_handlers.register(application, services, services.interviews)  # /entretien, "iv:"
    reachability_handlers.register(application, services)  # my_chat_member: (un)blocked
    reengagement_handlers.register(application, services.reengagement)  # "re:", before catch-alls
    decisions_handlers.register(application, services)  # "dec:" previews, /message
    messages_handlers.register(application, services)  # relays first (group -10), /ecrire, "msg:"
    screening_handlers.register(application, services)
    screening_handlers.register_fallbacks(application, services)  # last by design: catch-alls
    application.add_error_handler(on_error)
    return application
