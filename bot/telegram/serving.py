"""Serving the Application for real (issue 14): long polling (the default) or a webhook with a
secret, GET /healthz, the heartbeat file, a graceful stop on SIGTERM or SIGINT, alerts on errors.

The stop: first the updater stops (the webhook listener closes, or the long poll ends: no new
update is taken); then, at the same time, the Application stops (the JobQueue waits for a running
job, so an outbox send in flight finishes and is recorded; the dispatcher claims no new row once
the Application is not running) and post_stop gives the updates being handled a grace
(bot/telegram/update_processor.py); last, post_shutdown closes the database. A row claimed by a
process killed mid-send is settled by the next start (Dispatcher.recover).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import traceback
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from telegram import Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import Application, ContextTypes, Job

from bot.ops.alerts import Alerts
from bot.ops.health import HealthCheck, Heartbeat
from bot.ops.settings import OpsSettings

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
HEARTBEAT_SECONDS = 60.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_NOT_FEATURES = {"telegram", "kernel", "db", "app", "ops", "__main__"}


@asynccontextmanager
async def serving(
    application: App,
    ops: OpsSettings,
    check: HealthCheck,
    heartbeat: Heartbeat | None = None,
    *,
    poll_timeout: int = 10,
) -> AsyncIterator[App]:
    """Run the Application as PTB's run_polling/run_webhook do, in a running event loop, in the
    mode the settings say; the body runs while it serves. Everything stops in order on exit."""
    health: Any = None  # the HealthServer in polling mode with FABNUM_HEALTH_LISTEN
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            updater = application.updater
            assert updater is not None
            try:
                if ops.webhook_url is not None:
                    host, port = ops.webhook_listen
                    await updater.start_webhook(
                        listen=host,
                        port=port,
                        url_path=ops.webhook_path,
                        webhook_url=ops.webhook_url,
                        secret_token=ops.webhook_secret,
                        allowed_updates=Update.ALL_TYPES,
                        drop_pending_updates=False,
                    )
                    from bot.telegram.webhook_health import add_health_route

                    add_health_route(updater, check)  # tornado: imported in webhook mode only
                    log.info("webhook listening on %s:%d", host, port)
                else:
                    # start_polling deletes a webhook left set: switching back just works
                    await updater.start_polling(
                        poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
                    )
                    if ops.health_listen is not None:
                        from bot.ops.health_server import HealthServer  # aiohttp: only then

                        health = HealthServer(check, *ops.health_listen)
                        await health.start()
                if heartbeat is not None:
                    heartbeat.write()  # then every minute (schedule_heartbeat)
                yield application
            finally:
                if updater.running:
                    await updater.stop()  # no new update from here
                # At the same time, so that a slow send and a slow update do not add up (each is
                # bounded: the send by the HTTP timeout, the updates by the processor's grace):
                # the Application waits for a running job (a send in flight), post_stop gives the
                # updates being handled their grace.
                stops: list[Coroutine[Any, Any, None]] = []
                if application.running:
                    stops.append(application.stop())
                if application.post_stop is not None:
                    stops.append(application.post_stop(application))
                await asyncio.gather(*stops)
                if heartbeat is not None:
                    with contextlib.suppress(OSError):
                        heartbeat.write()
    finally:
        if health is not None:
            await health.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def run_until_signalled(
    application: App, ops: OpsSettings, check: HealthCheck, heartbeat: Heartbeat
) -> None:
    """`python -m bot run`: serve until SIGTERM (systemd's stop) or SIGINT (Ctrl+C)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    try:
        async with serving(application, ops, check, heartbeat):
            log.info("FabNum Bot ready (%s)", "webhook" if ops.webhook_url else "long polling")
            await stopping.wait()
            log.info("stopping: no new update, finishing what is in flight")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
    log.info("stopped")


def schedule_heartbeat(application: App, heartbeat: Heartbeat) -> None:
    """Write the process facts for `status` every minute (serving() writes them at start-up: a
    job added before the JobQueue starts has its first run one interval later)."""

    async def beat(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            heartbeat.write()
        except OSError as exc:
            log.warning("health file not written: %s", type(exc).__name__)

    assert application.job_queue is not None
    application.job_queue.run_repeating(
        beat,
        interval=HEARTBEAT_SECONDS,
        name="heartbeat",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


def feature_of(error: BaseException | None) -> str:
    """The bot's feature where the error was raised (the deepest frame in bot.<feature>)."""
    feature = "bot"
    tb: TracebackType | None = error.__traceback__ if error is not None else None
    for frame, _ in traceback.walk_tb(tb):
        parts = str(frame.f_globals.get("__name__", "")).split(".")
        if len(parts) >= 2 and parts[0] == "bot" and parts[1] not in _NOT_FEATURES:
            feature = parts[1]
    return feature


async def alert_error(
    alerts: Alerts, update: object, error: BaseException | None, job: Job[Any] | None
) -> None:
    """An unhandled error in a handler or a job: an alert (ids, feature and type only). Not for
    the Bot API's network errors and timeouts (the "api_down" alert tells when they last 5
    minutes) nor for a person who blocked the bot (Forbidden: their choice, not a fault)."""
    if isinstance(error, NetworkError | Forbidden):
        return
    name = type(error).__name__ if error is not None else "unknown"
    if job is not None:
        await alerts.raise_alert("job_error", {"job": job.name or "job", "error": name})
        return
    facts: dict[str, object] = {"feature": feature_of(error), "error": name}
    if isinstance(update, Update):
        facts["update_id"] = update.update_id
    await alerts.raise_alert("handler_error", facts)


@asynccontextmanager
async def polling(
    application: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 10
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run an Application as run_polling does (post_init, polling, post_shutdown), inside a loop
    that is already running: for the demo, the tests and the benchmarks.

    post_shutdown (it closes the database) runs even when the body raises: an open aiosqlite
    connection keeps a non-daemon thread alive, and the process would never exit."""
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
            )
            try:
                yield application
            finally:
                if application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
    finally:
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
