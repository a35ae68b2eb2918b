"""The command menu: candidates see theirs; each staff member who has a chat sees the staff one."""

from __future__ import annotations

import dataclasses

from bot.config import Settings, StaffMember
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from tests.botharness import running_bot


async def test_staff_get_their_commands_in_the_menu(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    server._open_private(admin)  # wrote to the bot before
    never = server.new_user("Jamais")  # configured, but never wrote to the bot
    members = [StaffMember(admin.id, "admin"), StaffMember(never.id, "staff", frozenset({"marcq"}))]
    settings = dataclasses.replace(settings, staff={m.user_id: m for m in members})
    async with running_bot(server, settings, clock):
        everyone = [c["command"] for c in server.commands({"type": "all_private_chats"})]
        staff = [c["command"] for c in server.commands({"type": "chat", "chat_id": admin.id})]
        missing = server.commands({"type": "chat", "chat_id": never.id})
    assert "staff" not in everyone and "reunion" in everyone
    assert staff[: len(everyone)] == everyone  # their own menu, plus the staff commands
    assert {"staff", "pipeline", "sessions", "sorties", "appels"} <= set(staff)
    assert missing == []  # Telegram refuses a chat it does not know: no menu, no crash
