"""The person side of the fake server: users write, send files, press buttons, join groups,
block the bot. Each action enqueues the update Telegram would deliver.
"""

from __future__ import annotations

import copy
import mimetypes

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import (
    FakeUser,
    InlineButton,
    SentMessage,
)
from bot.fakeapi.protocol import (
    JsonDict,
    command_entities,
)


class UserSide(ServerCore):
    """What users do: each action enqueues an update and returns its update_id."""

    # -- users and their actions (update producers) -----------------------------------------------

    def new_user(
        self,
        first_name: str = "Léa",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> FakeUser:
        """A new user (ids from 1001 up). The bot cannot write to them before they write."""
        user = FakeUser(
            id=next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user.id] = user
        return user

    def send_text(self, user: FakeUser, text: str, *, reply_to: int | None = None) -> int:
        """The user sends ``text`` to the bot in private; returns the update_id. ``reply_to``:
        the id of a message of that chat it answers (Telegram's reply, ``reply_to_message``)."""
        content: JsonDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = self._replied(user.id, reply_to)
        return self._user_message(user, content)

    def _replied(self, chat_id: int, message_id: int) -> JsonDict:
        """The message a user's reply quotes, as Telegram nests it (without its own reply)."""
        target: JsonDict | None = self._user_by_id.get((chat_id, message_id))
        if target is None and (chat_id, message_id) in self._bot_by_id:
            target = self._bot_by_id[(chat_id, message_id)].raw
        if target is None:
            raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
        return {k: v for k, v in copy.deepcopy(target).items() if k != "reply_to_message"}

    def send_command(self, user: FakeUser, command: str, args: str = "") -> int:
        """``send_command(u, "start", "ref42")`` sends "/start ref42"."""
        text = "/" + command.removeprefix("/")
        if args:
            text += " " + args
        return self.send_text(user, text)

    def send_sticker(self, user: FakeUser, emoji: str = "👍") -> int:
        stored = self._store_file("sticker", b"RIFF fake webp sticker", None, "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.content),
        }
        return self._user_message(user, {"sticker": sticker})

    def send_photo(
        self, user: FakeUser, content: bytes = b"\xff\xd8\xff fake jpeg", caption: str | None = None
    ) -> int:
        stored = self._store_file("photo", content, None, "image/jpeg")
        data: JsonDict = {"photo": self._photo_sizes(stored)}
        if caption:
            data["caption"] = caption
        return self._user_message(user, data)

    def send_voice(self, user: FakeUser, duration: int = 3) -> int:
        stored = self._store_file("voice", b"OggS fake voice", None, "audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        return self._user_message(user, {"voice": voice})

    def send_location(self, user: FakeUser, lat: float = 48.99, lon: float = 2.45) -> int:
        return self._user_message(user, {"location": {"latitude": lat, "longitude": lon}})

    def send_document(
        self,
        user: FakeUser,
        filename: str = "cv.pdf",
        content: bytes | None = None,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        if content is None:
            content = b"%PDF-1.4 fake document\n" if filename.endswith(".pdf") else b"fake"
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file("document", content, filename, mime)
        data: JsonDict = {
            "document": {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(content),
            }
        }
        if caption:
            data["caption"] = caption
        return self._user_message(user, data)

    def send_contact(self, user: FakeUser, phone_number: str = "+33612345678") -> int:
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": user.first_name,
            "user_id": user.id,
        }
        if user.last_name:
            contact["last_name"] = user.last_name
        return self._user_message(user, {"contact": contact})

    def edit_text(self, user: FakeUser, message_id: int, new_text: str) -> int:
        """The user edits a text message they sent earlier: an ``edited_message`` update."""
        message = self._user_by_id.get((user.chat_id, message_id))
        if message is None or "text" not in message:
            raise ValueError(f"user {user.id} sent no text message {message_id}")
        message["text"] = new_text
        message.pop("entities", None)
        entities = command_entities(new_text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = self._now()
        return self._enqueue("edited_message", copy.deepcopy(message))

    def user_messages(self, chat_id: int) -> list[JsonDict]:
        """The Bot API Message objects users sent in a chat, in order."""
        return copy.deepcopy(self._user_messages.get(chat_id, []))

    def sent_by_user(self, chat_id: int) -> list[JsonDict]:
        """Alias of :meth:`user_messages`."""
        return self.user_messages(chat_id)

    def press_button(
        self,
        user: FakeUser,
        message: SentMessage | int,
        *,
        text: str | None = None,
        index: int | None = None,
        data: str | None = None,
    ) -> str:
        """The user presses an inline button of a bot message; returns the callback query id.

        Choose the button by visible ``text`` (exact match, else a unique substring), by
        0-based ``index`` over all buttons row by row, or send forged callback ``data``.
        ``message`` is a SentMessage or a message_id in the user's private chat.
        """
        if sum(x is not None for x in (text, index, data)) != 1:
            raise TypeError("press_button needs exactly one of text=, index=, data=")
        if isinstance(message, SentMessage):
            key = (message.chat_id, message.message_id)
        else:
            key = (user.chat_id, message)
        current = self._bot_by_id.get(key)
        if current is None:
            raise ValueError(f"the bot sent no message {key[1]} in chat {key[0]}")
        if current.deleted:
            raise ValueError(f"message {key[1]} in chat {key[0]} was deleted")
        if data is None:
            button = self._pick_button(current, text, index)
            if button.callback_data is None:
                raise ValueError(f"button {button.text!r} has no callback_data (url={button.url})")
            data = button.callback_data
        query_id = str(4_000_000_000_000_000_000 + next(self._callback_ids) * 7919)
        query: JsonDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(current.raw),
            "chat_instance": str(-(8_000_000_000_000_000_000 + abs(key[0]))),
            "data": data,
        }
        self._users.setdefault(user.id, user)
        self._callback_queries[query_id] = {"answered": False, "query": query}
        self._update_of_query[query_id] = self._enqueue("callback_query", copy.deepcopy(query))
        return query_id

    def update_id_of(self, callback_query_id: str) -> int:
        """The update_id that carried a button press (press_button returns the query id)."""
        return self._update_of_query[callback_query_id]

    @staticmethod
    def _pick_button(message: SentMessage, text: str | None, index: int | None) -> InlineButton:
        flat = [b for row in message.buttons for b in row]
        if not flat:
            raise ValueError(f"message {message.message_id} has no inline keyboard")
        if index is not None:
            if not 0 <= index < len(flat):
                raise ValueError(f"button index {index} out of range (0..{len(flat) - 1})")
            return flat[index]
        assert text is not None
        exact = [b for b in flat if b.text == text]
        if exact:
            return exact[0]
        partial = [b for b in flat if text in b.text] or [
            b for b in flat if text.casefold() in b.text.casefold()
        ]
        if len(partial) == 1:
            return partial[0]
        labels = ", ".join(repr(b.text) for b in flat)
        problem = "matches several buttons" if partial else "matches no button"
        raise ValueError(f"{text!r} {problem}: {labels}")

    def send_group_text(
        self,
        user: FakeUser,
        group_id: int,
        text: str,
        *,
        group_type: str = "supergroup",
        title: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """The user writes in a group the bot is a member of (the bot can then write there);
        ``reply_to``: the id of a message of that group it answers; ``thread_id``: the forum
        topic it is written in (like Telegram, it then answers the topic's first message unless
        it answers another one)."""
        if group_type not in ("group", "supergroup"):
            raise ValueError("group_type must be 'group' or 'supergroup'")
        if group_id in self._left_groups:
            raise ValueError(f"the bot left group {group_id}: add_bot_to_group first")
        chat = self._chats.get(group_id)
        if chat is None or chat.get("type") != group_type:
            chat = {"id": group_id, "type": group_type, "title": title or f"Groupe {group_id}"}
            self._chats[group_id] = chat
        self._users.setdefault(user.id, user)
        self._seen_users.add(user.id)
        content: JsonDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if thread_id is not None:
            topic = self._topics.get(group_id, {}).get(thread_id)
            if topic is None or topic["deleted"] or not chat.get("is_forum"):
                raise ValueError(f"no topic {thread_id} in chat {group_id}")
            content["message_thread_id"] = thread_id
            content["is_topic_message"] = True
            if reply_to is None:
                content["reply_to_message"] = copy.deepcopy(topic["created"])
        if reply_to is not None:
            content["reply_to_message"] = self._replied(group_id, reply_to)
        return self._user_message(user, content, chat=chat)

    def add_bot_to_group(
        self,
        user: FakeUser,
        group_id: int,
        *,
        group_type: str = "supergroup",
        title: str | None = None,
    ) -> int:
        """The user adds the bot to a group: a ``my_chat_member`` update (left -> member)."""
        if group_type not in ("group", "supergroup"):
            raise ValueError("group_type must be 'group' or 'supergroup'")
        chat = self._chats.get(group_id)
        if chat is None or chat.get("type") != group_type:
            chat = {"id": group_id, "type": group_type, "title": title or f"Groupe {group_id}"}
            self._chats[group_id] = chat
        self._left_groups.discard(group_id)
        self._users.setdefault(user.id, user)
        self._seen_users.add(user.id)
        return self._group_member_update(chat, user.to_dict(), "left", "member")

    def left_group(self, group_id: int) -> bool:
        """Whether the bot left this group (leaveChat) and was not added back."""
        return group_id in self._left_groups

    def send_channel_post(self, channel_id: int, text: str, *, title: str | None = None) -> int:
        """A post in a channel where the bot is an administrator: a ``channel_post`` update."""
        chat = self._chats.get(channel_id)
        if chat is None:
            chat = {"id": channel_id, "type": "channel", "title": title or f"Canal {channel_id}"}
            self._chats[channel_id] = chat
        post: JsonDict = {
            "message_id": self._new_message_id(channel_id),
            "sender_chat": chat,
            "chat": chat,
            "date": self._now(),
            "text": text,
        }
        self._user_messages.setdefault(channel_id, []).append(post)
        self._user_by_id[(channel_id, int(post["message_id"]))] = post
        return self._enqueue("channel_post", copy.deepcopy(post))

    def _member_update(self, user: FakeUser, old: str, new: str) -> int:
        def member(status: str) -> JsonDict:
            data: JsonDict = {"user": self.bot_user, "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload: JsonDict = {
            "chat": user.private_chat(),
            "from": user.to_dict(),
            "date": self._now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._enqueue("my_chat_member", payload)

    def block_bot(self, user: FakeUser) -> None:
        """The user blocks the bot: sends to them get 403, a my_chat_member update is sent."""
        if user.id in self._blocked:
            return
        self._blocked.add(user.id)
        if user.id in self._opened_private:
            self._member_update(user, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> None:
        if user.id not in self._blocked:
            return
        self._blocked.discard(user.id)
        if user.id in self._opened_private:
            self._member_update(user, "kicked", "member")

    def deactivate_user(self, user: FakeUser) -> None:
        """The account is deleted: sends get 403 "Forbidden: user is deactivated"."""
        self._deactivated.add(user.id)
