"""GET /healthz on FABNUM_HEALTH_LISTEN in polling mode (in webhook mode the webhook listener
serves it, bot/telegram/serving.py). A tiny aiohttp server in the bot's own event loop."""

from __future__ import annotations

import json

from aiohttp import web

from bot.ops.health import HealthCheck

PATH = "/healthz"


async def answer(check: HealthCheck) -> tuple[int, str]:
    report = await check.report()
    return report.http_status, json.dumps(report.as_json())


class HealthServer:
    def __init__(self, check: HealthCheck, host: str, port: int) -> None:
        self.check = check
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        status, body = await answer(self.check)
        return web.Response(status=status, text=body, content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._healthz)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
