"""Forum supergroups: topics (createForumTopic, closeForumTopic, reopenForumTopic,
deleteForumTopic), ``message_thread_id`` on what the bot sends, and what tests do to a forum.

Like Telegram: a topic is created by a service message whose id is the topic's
``message_thread_id``; a message in a topic carries ``message_thread_id`` and
``is_topic_message``, and one that answers nothing else replies to that service message. Sending
to a deleted (or unknown) topic fails with "message thread not found", to a closed one with
"TOPIC_CLOSED"; managing topics of a chat that is not a forum fails with "the chat is not a
forum".
"""

from __future__ import annotations

import copy

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import Call
from bot.fakeapi.protocol import ApiError, JsonDict

TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
THREAD_NOT_FOUND = "Bad Request: message thread not found"


class ForumMethods(ServerCore):
    """Topics of forum supergroups, for the bot (API methods) and for tests (Python API)."""

    # -- what tests do ------------------------------------------------------------------------

    def make_forum(self, group_id: int, *, title: str | None = None) -> None:
        """Make ``group_id`` a forum supergroup (getChat then says ``is_forum``)."""
        chat = self._chats.get(group_id)
        if chat is None or chat.get("type") != "supergroup":
            chat = {"id": group_id, "type": "supergroup", "title": title or f"Groupe {group_id}"}
        chat["is_forum"] = True
        self._chats[group_id] = chat

    def topics(self, chat_id: int) -> list[JsonDict]:
        """The chat's topics: ``message_thread_id``, ``name``, ``closed``, ``deleted``."""
        return [
            {k: copy.deepcopy(v) for k, v in t.items() if k != "created"}
            for t in self._topics.get(chat_id, {}).values()
        ]

    def close_topic_by_user(self, chat_id: int, thread_id: int) -> None:
        """Someone closes the topic in Telegram (the bot is not told)."""
        self._topic(chat_id, thread_id)["closed"] = True

    def delete_topic_by_user(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes the topic in Telegram (the bot is not told)."""
        self._topic(chat_id, thread_id)["deleted"] = True

    # -- helpers --------------------------------------------------------------------------------

    def _forum_chat(self, params: JsonDict) -> JsonDict:
        chat = self._resolve_chat(params)
        if chat.get("type") != "supergroup" or not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")
        return chat

    def _topic(self, chat_id: int, thread_id: int | None) -> JsonDict:
        topic = self._topics.get(chat_id, {}).get(thread_id or 0)
        if topic is None or topic["deleted"]:
            raise ApiError(400, "Bad Request: TOPIC_ID_INVALID")
        return topic

    def _thread_extra(self, params: JsonDict, chat: JsonDict) -> JsonDict:
        """What a message sent with ``message_thread_id`` carries; Telegram's errors when the
        topic cannot take it."""
        thread_id = self._int(params, "message_thread_id")
        if thread_id is None:
            return {}
        topic = self._topics.get(int(chat["id"]), {}).get(thread_id)
        if not chat.get("is_forum") or topic is None or topic["deleted"]:
            raise ApiError(400, THREAD_NOT_FOUND)
        if topic["closed"]:
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        return {"message_thread_id": thread_id, "is_topic_message": True}

    def _topic_created_message(self, chat_id: int, thread_id: int) -> JsonDict | None:
        topic = self._topics.get(chat_id, {}).get(thread_id)
        return None if topic is None else copy.deepcopy(topic["created"])

    # -- API methods ----------------------------------------------------------------------------

    async def _create_forum_topic(self, call: Call) -> JsonDict:
        chat = self._forum_chat(call.params)
        name = self._str(call.params, "name") or ""
        if not name.strip():
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_TOO_LONG")
        chat_id = int(chat["id"])
        thread_id = self._new_message_id(chat_id)
        color = TOPIC_COLORS[thread_id % len(TOPIC_COLORS)]
        created: JsonDict = {
            "message_id": thread_id,
            "from": self.bot_user,
            "chat": chat,
            "date": self._now(),
            "message_thread_id": thread_id,
            "forum_topic_created": {"name": name, "icon_color": color},
            "is_topic_message": True,
        }
        self._topics.setdefault(chat_id, {})[thread_id] = {
            "message_thread_id": thread_id,
            "name": name,
            "closed": False,
            "deleted": False,
            "created": created,
        }
        self._notify_change()
        return {"message_thread_id": thread_id, "name": name, "icon_color": color}

    async def _set_topic_closed(self, call: Call, closed: bool) -> bool:
        chat = self._forum_chat(call.params)
        topic = self._topic(int(chat["id"]), self._int(call.params, "message_thread_id"))
        if topic["closed"] == closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic["closed"] = closed
        self._notify_change()
        return True

    async def _close_forum_topic(self, call: Call) -> bool:
        return await self._set_topic_closed(call, True)

    async def _reopen_forum_topic(self, call: Call) -> bool:
        return await self._set_topic_closed(call, False)

    async def _delete_forum_topic(self, call: Call) -> bool:
        """Like Telegram: the topic goes with every message in it (the bot's are flagged deleted,
        people's are gone; deleteMessage on one then answers "message to delete not found")."""
        chat = self._forum_chat(call.params)
        chat_id = int(chat["id"])
        thread_id = self._int(call.params, "message_thread_id")
        self._topic(chat_id, thread_id)["deleted"] = True
        for message in self._bot_messages.get(chat_id, []):
            if message.thread_id == thread_id:
                message.deleted = True
        for key, incoming in list(self._user_by_id.items()):
            if key[0] == chat_id and incoming.get("message_thread_id") == thread_id:
                incoming["deleted"] = True
                del self._user_by_id[key]
        self._notify_change()
        return True
