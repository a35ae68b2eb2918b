"""GET /healthz on PTB's webhook listener (tornado), in webhook mode only: tornado is imported
when this module is, from bot/telegram/serving.py once the webhook server runs."""

from __future__ import annotations

import tornado.web
from telegram.ext import Updater

from bot.ops.health import HEALTH_PATH, HealthCheck, answer


class _HealthHandler(tornado.web.RequestHandler):
    """GET /healthz on the webhook listener (PTB's tornado application)."""

    def initialize(self, check: HealthCheck) -> None:
        self.check = check

    async def get(self) -> None:
        status, body = await answer(self.check)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)


def add_health_route(updater: Updater, check: HealthCheck) -> None:
    """Add /healthz to the webhook server PTB started. PTB gives no public handle on its tornado
    application, hence the attribute walk; tests/test_ops_webhook.py fails if a PTB release
    changes it (the version is pinned below 23 in pyproject.toml)."""
    httpd = getattr(updater, "_httpd", None)
    server = getattr(httpd, "_http_server", None)
    app = getattr(server, "request_callback", None)
    if not isinstance(app, tornado.web.Application):
        raise RuntimeError("PTB's webhook server has changed: /healthz cannot be added")
    app.add_handlers(r".*", [(HEALTH_PATH, _HealthHandler, {"check": check})])
