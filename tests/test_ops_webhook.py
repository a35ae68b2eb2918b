"""Webhook mode (issue 14, item 1): PTB's own webhook listener with a secret, end to end through
the fake Bot API; switching back to long polling deletes the webhook."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.fakeapi import FakeTelegram
from bot.ops.settings import OpsSettings
from bot.telegram.update_processor import PerChatUpdateProcessor
from tests.botharness import Chat, bot_process_env, handled, services_of
from tests.opsharness import SECRET, WEBHOOK_URL, get_json, listener_url, served_bot, webhook_ops

ROOT = Path(__file__).resolve().parent.parent


async def test_set_webhook_answer_with_the_secret_refuse_without(
    server: FakeTelegram, settings: Settings
) -> None:
    ops = webhook_ops()
    async with served_bot(server, settings, ops) as app:
        # setWebhook reached the Bot API with the public URL and the secret; no getUpdates
        (call,) = server.requests_for("setWebhook")
        assert (call.params["url"], call.params["secret_token"]) == (WEBHOOK_URL, SECRET)
        assert (server.webhook_url, server.webhook_secret) == (WEBHOOK_URL, SECRET)
        assert not server.requests_for("getUpdates")
        target = listener_url(ops)  # the path of the URL: /tg/hook
        assert target.endswith("/tg/hook")

        lea = Chat(server, server.new_user("Léa"))
        server.send_command(lea.user, "start")
        assert await server.deliver_webhook(target) == [200]
        await lea.expect("Avant de commencer")

        # an impostor: a wrong secret, then none at all, then a bare POST: 403 each time
        intruder = server.new_user("Intrus")
        forged = server.send_command(intruder, "start")
        assert await server.deliver_webhook(target, "not-the-secret", only=[forged]) == [403]
        assert await server.deliver_webhook(target, "", only=[forged]) == [403]
        (update,) = server.pending_updates
        async with aiohttp.ClientSession() as session, session.post(target, json=update) as bare:
            assert bare.status == 403
        # the positive sign: a later update with the secret is handled; the forged one never was
        later = server.send_command(lea.user, "aide")
        assert await server.deliver_webhook(target, only=[later]) == [200]
        await handled(server, app, later)
        processor = app.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        assert forged not in processor.recently_handled
        assert server.messages(intruder.id) == []
        assert await services_of(app).candidates.by_telegram_id(intruder.id) is None

        # GET /healthz on the same listener
        status, body = await get_json(listener_url(ops, "/healthz"))
        assert status == 200
        assert body["ok"] is True and body["database"] is True
        assert set(body["outbox"]) == {"due", "pending", "failed"}
        assert body["last_api_success"] is not None and body["last_update"] is not None
    # the listener closed with the bot
    with pytest.raises(aiohttp.ClientConnectionError):
        await get_json(listener_url(ops, "/healthz"))


async def test_per_chat_order_kept_in_webhook_mode(
    server: FakeTelegram, settings: Settings
) -> None:
    ops = webhook_ops()
    async with served_bot(server, settings, ops) as app:
        chats = [Chat(server, server.new_user(f"P{i}")) for i in range(3)]
        sent = [
            server.send_command(c.user, command) for command in ("start", "aide") for c in chats
        ]
        assert await server.deliver_webhook(listener_url(ops)) == [200] * len(sent)
        await handled(server, app, *sent)
        for chat in chats:
            texts = [m.plain_text for m in chat.messages]
            notice = next(i for i, t in enumerate(texts) if "Avant de commencer" in t)
            helped = next(i for i, t in enumerate(texts) if "Comment ça marche" in t)
            assert notice < helped  # /start answered before /aide, in every chat


async def test_back_to_polling_deletes_the_webhook(
    server: FakeTelegram, settings: Settings
) -> None:
    async with served_bot(server, settings, webhook_ops()):
        assert server.webhook_url == WEBHOOK_URL
    # a message sent while the bot is away, then the bot comes back in polling mode
    lea = Chat(server, server.new_user("Léa"))
    server.send_command(lea.user, "start")
    async with served_bot(server, settings, OpsSettings()):
        await lea.expect("Avant de commencer")
        assert server.requests_for("deleteWebhook")
        assert server.webhook_url is None
        assert all(r.status == 200 for r in server.requests_for("getUpdates"))


def test_webhook_needs_a_secret_and_an_https_url(tmp_path: Path) -> None:
    base = {"FABNUM_ENV_FILE": str(tmp_path / "none.env")}
    with pytest.raises(ConfigError, match=r"secrets\.token_urlsafe"):
        load_settings({**base, "FABNUM_WEBHOOK_URL": WEBHOOK_URL}, env_file=None)
    with pytest.raises(ConfigError, match="1 to 256 characters"):
        load_settings(
            {**base, "FABNUM_WEBHOOK_URL": WEBHOOK_URL, "FABNUM_WEBHOOK_SECRET": "a b"}, None
        )
    with pytest.raises(ConfigError, match="1 to 256 characters"):
        load_settings(
            {**base, "FABNUM_WEBHOOK_URL": WEBHOOK_URL, "FABNUM_WEBHOOK_SECRET": "x" * 257}, None
        )
    with pytest.raises(ConfigError, match="https://"):
        load_settings(
            {
                **base,
                "FABNUM_WEBHOOK_URL": "http://bot.example.org/x",
                "FABNUM_WEBHOOK_SECRET": "a",
            },
            None,
        )
    with pytest.raises(ConfigError, match="host:port"):
        load_settings({**base, "FABNUM_WEBHOOK_LISTEN": "8080"}, None)
    settings = load_settings(
        {
            **base,
            "FABNUM_WEBHOOK_URL": WEBHOOK_URL,
            "FABNUM_WEBHOOK_SECRET": "x" * 256,
            "FABNUM_HEALTH_LISTEN": "[::1]:9000",
        },
        None,
    )
    assert settings.ops.webhook and settings.ops.webhook_path == "/tg/hook"
    assert settings.ops.webhook_listen == ("127.0.0.1", 8080)  # the default
    assert settings.ops.health_listen == ("::1", 9000)
    assert not load_settings(base, None).ops.webhook  # polling stays the default


async def test_run_refuses_webhook_without_secret(server: FakeTelegram, tmp_path: Path) -> None:
    env = bot_process_env(server, tmp_path / "w.db", FABNUM_WEBHOOK_URL=WEBHOOK_URL)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "FABNUM_WEBHOOK_SECRET is required" in stderr.decode()
    assert "secrets.token_urlsafe(32)" in stderr.decode()
    assert not server.requests_for("setWebhook")
