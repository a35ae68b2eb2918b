"""GET /healthz on FABNUM_HEALTH_LISTEN in polling mode (in webhook mode the webhook listener
serves it, bot/telegram/webhook_health.py). A tiny aiohttp server in the bot's own event loop,
imported only when FABNUM_HEALTH_LISTEN is set (a small server's memory)."""

from __future__ import annotations

from aiohttp import web

from bot.ops.health import HEALTH_PATH, HealthCheck, answer


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
        app.router.add_get(HEALTH_PATH, self._healthz)
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
