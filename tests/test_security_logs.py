"""Logs carry ids and counts, never the token, names or answers, even at FABNUM_LOG_LEVEL=DEBUG.

The real bot (`python -m bot run`) goes through a whole screening against the fake Bot API with
its stderr captured; the libraries' own DEBUG logs (PTB payloads, httpx URLs, aiosqlite SQL
parameters) held the token and the answers before (issue 10)."""

from __future__ import annotations

import asyncio
import re
import signal
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.fakeapi import FakeTelegram
from tests import flowscript as fs
from tests.botharness import Chat, bot_process_env

ROOT = Path(__file__).resolve().parent.parent
# Shaped like a real token from @BotFather (id, colon, 35 characters).
TOKEN = "7730019283:AAF-q8Zx1vW9nLp2Rk7TeYb5HsMd3Jc4Gfo"
SECRET = TOKEN.partition(":")[2]


@asynccontextmanager
async def bot_process(env: dict[str, str], log: Path) -> AsyncIterator[None]:
    """`python -m bot run` with its stderr in `log`; stopped with SIGTERM (a clean shutdown, so
    its last lines are written too) at the end."""
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=err
        )
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_debug_logs_hold_no_token_name_answer_or_telegram_id(tmp_path: Path) -> None:
    database = tmp_path / "private" / "fabnum.db"  # the bot creates the folder
    env_file = tmp_path / "open.env"
    env_file.write_text("FABNUM_LANGUAGE=fr\n", encoding="utf-8")
    env_file.chmod(0o644)
    log = tmp_path / "bot.log"
    async with FakeTelegram(token=TOKEN) as server:
        env = bot_process_env(
            server, database, FABNUM_LOG_LEVEL="DEBUG", FABNUM_ENV_FILE=str(env_file)
        )
        user = server.new_user("Zéphyrine", last_name="Quibblesworth", username="zephy_q")
        chat = Chat(server, user)
        async with bot_process(env, log):
            await chat.command("start", "Avant de commencer", args="mission-locale-gonesse")
            await chat.press("J'accepte", expect=fs.first_heading())
            given = fs.profile(first_name="Zéphyrine", birth="07/2004", postcode="95873")
            await fs.answer(chat, given, last="Tes réponses")  # every question of the flow
            assert "Zéphyrine" in chat.messages[-1].plain_text
            await chat.press("C'est bon", expect="Bravo")
    text = log.read_text(encoding="utf-8")
    # The logs were captured, at DEBUG for the bot's own loggers: its lines are there.
    assert "FabNum Bot starting" in text and "submitted: eligible" in text, text[-2000:]
    for secret in (TOKEN, SECRET, SECRET.replace("-", "%2D")):
        assert secret not in text
    for personal in (
        "Zéphyrine",
        "Z\\u00e9phyrine",
        "Zephyrine",
        "phyrine",
        "Quibblesworth",
        "zephy_q",
        "95873",
        "07/2004",
        "2004-07",
        "juillet 2004",
    ):
        assert personal not in text, personal
    assert not re.search(rf"(?<!\d){user.id}(?!\d)", text), "the Telegram id is in the logs"
    assert "open.env is open to group or others (mode 644)" in text
    # Files: the folder the bot created is 0700, the database and its WAL files 0600.
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    files = [p for p in database.parent.iterdir()]
    assert database in files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_library_logs_on_request_keep_the_token_out_and_warn(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    async with FakeTelegram(token=TOKEN) as server:
        env = bot_process_env(
            server,
            tmp_path / "fabnum.db",
            FABNUM_LOG_LEVEL="INFO",
            FABNUM_LIBRARY_LOG_LEVEL="DEBUG",
        )
        user = server.new_user("Zéphyrine")
        chat = Chat(server, user)
        async with bot_process(env, log):
            await chat.command("start", "Avant de commencer")
            await chat.press("J'accepte", expect=fs.first_heading())
    text = log.read_text(encoding="utf-8")
    assert "library logs may contain personal data" in text
    # httpx, httpcore and telegram did log (request URLs hold the token): redacted everywhere.
    assert re.search(r"httpx: HTTP Request: POST \S+/bot<token>/getUpdates", text), text[:3000]
    assert "telegram." in text and "aiosqlite" in text
    assert TOKEN not in text and SECRET not in text
