"""Bot API methods on the bot itself and its chats: getMe, getChat, leaveChat, sendChatAction,
commands, menu button, close/logOut.
"""

from __future__ import annotations

import copy

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import (
    Call,
)
from bot.fakeapi.protocol import (
    BOT_COMMAND_NAME_RE,
    CHAT_ACTIONS,
    ApiError,
    JsonDict,
    canonical_json,
)


class ChatMethods(ServerCore):
    """Methods on the bot and its chats: profile, chats, commands, menu button."""

    async def _true(self, call: Call) -> bool:
        return True

    async def _get_me(self, call: Call) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _send_chat_action(self, call: Call) -> bool:
        action = self._str(call.params, "action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._resolve_chat(call.params)
        return True

    async def _get_chat(self, call: Call) -> JsonDict:
        chat = self._resolve_chat(call.params, for_sending=False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _leave_chat(self, call: Call) -> bool:
        # Like Telegram: True, the bot's own my_chat_member update (member -> left), and from then
        # on sending there gets 403 "bot is not a member of the group chat".
        chat = self._resolve_chat(call.params, for_sending=True)
        if chat.get("type") == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._left_groups.add(int(chat["id"]))
        self._group_member_update(chat, self.bot_user, "member", "left")
        return True

    def _commands_key(self, params: JsonDict) -> tuple[str, str]:
        scope = self._json(params, "scope", "Bad Request: can't parse BotCommandScope JSON object")
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            # Like Telegram: a chat scope needs a chat the bot knows ("chat not found").
            self._resolve_chat({"chat_id": scope.get("chat_id")}, for_sending=False)
        return canonical_json(scope), self._str(params, "language_code") or ""

    async def _set_my_commands(self, call: Call) -> bool:
        commands = self._json(call.params, "commands", "Bad Request: can't parse commands JSON")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: field "commands" must be an Array')
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        cleaned: list[JsonDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not BOT_COMMAND_NAME_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is invalid")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(call.params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call) -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(call.params), []))

    async def _delete_my_commands(self, call: Call) -> bool:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    async def _set_chat_menu_button(self, call: Call) -> bool:
        chat_id = None
        if call.params.get("chat_id") is not None:
            chat_id = int(self._resolve_chat(call.params, for_sending=False)["id"])
        button = self._json(call.params, "menu_button", "Bad Request: can't parse menu button")
        if button is None:
            self._menu_buttons.pop(chat_id, None)
            return True
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise ApiError(400, "Bad Request: can't parse menu button")
        self._menu_buttons[chat_id] = button
        return True
