"""Bot API methods on messages: text and markup validation, sendMessage, edits, deleteMessage,
answerCallbackQuery.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.fakeapi.faults import FaultsAndLimits
from bot.fakeapi.forum import ForumMethods
from bot.fakeapi.html_check import HtmlParseError, parse_telegram_html
from bot.fakeapi.models import (
    Call,
    SentMessage,
)
from bot.fakeapi.protocol import (
    INLINE_BUTTON_KINDS,
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    URL_RE,
    ApiError,
    JsonDict,
    canonical_json,
    trim,
)


class MessageMethods(FaultsAndLimits, ForumMethods):
    """sendMessage, editMessage*, deleteMessage, answerCallbackQuery and their validation."""

    def _format(
        self, params: JsonDict, text_key: str, entities_key: str
    ) -> tuple[str, str, list[JsonDict], str | None]:
        """(text as sent, plain text, entities, parse_mode) with Telegram's parse errors."""
        text = self._str(params, text_key) or ""
        parse_mode = self._str(params, "parse_mode") or None
        entities: list[JsonDict] = []
        if parse_mode is not None and parse_mode.lower() == "html":
            try:
                parsed = parse_telegram_html(text)
            except HtmlParseError as error:
                raise ApiError(
                    400, f"Bad Request: can't parse entities: {error.description}"
                ) from error
            plain, entities = parsed.text, parsed.entities
        elif parse_mode is not None and parse_mode.lower() in ("markdown", "markdownv2"):
            plain = text  # Markdown is not interpreted by the fake
        elif parse_mode is not None:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        else:
            plain = text
            given = self._json(
                params, entities_key, f"Bad Request: can't parse {entities_key} JSON object"
            )
            if isinstance(given, list):
                entities = [e for e in given if isinstance(e, dict)]
        plain, entities = trim(plain, entities)
        return text, plain, entities, parse_mode

    def _markup(self, params: JsonDict) -> JsonDict | None:
        markup = self._json(
            params, "reply_markup", "Bad Request: can't parse reply keyboard markup JSON object"
        )
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, 'Bad Request: field "keyboard" must be an Array of Arrays')
            for row in rows:
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if not isinstance(label, str) or not label:
                        raise ApiError(400, "Bad Request: keyboard button text must be non-empty")
        elif not ("remove_keyboard" in markup or "force_reply" in markup):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(
                400,
                'Bad Request: can\'t parse inline keyboard button: Field "text" must be '
                "of type String",
            )
        if not any(kind in button for kind in INLINE_BUTTON_KINDS):
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if (
                not isinstance(data, str)
                or not data
                or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
            ):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not URL_RE.fullmatch(url):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _reply_to(self, params: JsonDict, chat_id: int) -> JsonDict | None:
        reply = self._json(params, "reply_parameters", "Bad Request: can't parse reply parameters")
        message_id: int | None = None
        if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
            message_id = reply["message_id"]
        elif params.get("reply_to_message_id") is not None:
            message_id = self._int(params, "reply_to_message_id")
        if message_id is None:
            return None
        target: JsonDict | None = self._user_by_id.get((chat_id, message_id))
        if target is None and (chat_id, message_id) in self._bot_by_id:
            target = self._bot_by_id[(chat_id, message_id)].raw
        if target is None:
            target = self._topic_created_message(chat_id, message_id)
        if target is None:
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in copy.deepcopy(target).items() if k != "reply_to_message"}

    # -- message storage --------------------------------------------------------------------------

    def _base_raw(self, chat: JsonDict, message_id: int, date: int) -> JsonDict:
        raw: JsonDict = {"message_id": message_id}
        if chat.get("type") == "channel":
            raw["sender_chat"] = chat
        else:
            raw["from"] = self.bot_user
        raw["chat"] = chat
        raw["date"] = date
        return raw

    def _render_raw(self, message: SentMessage, chat: JsonDict, extra: JsonDict) -> None:
        """Rebuild message.raw (the Bot API Message) from the message's current state."""
        raw = self._base_raw(chat, message.message_id, message.date)
        raw.update(extra)
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            raw["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
        message.raw = raw

    def _deliver(self, message: SentMessage) -> JsonDict:
        self._bot_messages.setdefault(message.chat_id, []).append(message)
        self._bot_by_id[(message.chat_id, message.message_id)] = message
        self.stats.messages_delivered += 1
        self._notify_change()
        return copy.deepcopy(message.raw)

    def _editable(self, params: JsonDict) -> tuple[SentMessage, JsonDict]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._resolve_chat(params)
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat_id = int(chat["id"])
        message = self._bot_by_id.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_by_id and message is None:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return message, chat

    def _commit_edit(self, message: SentMessage) -> JsonDict:
        message.edit_count += 1
        message.raw["edit_date"] = self._now()
        self.stats.messages_edited += 1
        self._notify_change()
        return copy.deepcopy(message.raw)

    # -- API methods ------------------------------------------------------------------------------
    async def _send_message(self, call: Call) -> JsonDict:
        params = call.params
        text, plain, entities, parse_mode = self._format(params, "text", "entities")
        if not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        chat = self._resolve_chat(params)
        chat_id = int(chat["id"])
        reply_to = self._reply_to(params, chat_id)
        extra: JsonDict = self._thread_extra(params, chat)
        self._check_rate(chat)
        message = SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
            date=self._now(),
        )
        extra["text"] = plain
        if entities:
            extra["entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        self._render_raw(message, chat, extra)
        return self._deliver(message)

    async def _edit_message_text(self, call: Call) -> JsonDict:
        params = call.params
        text, plain, entities, parse_mode = self._format(params, "text", "entities")
        if not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        message, chat = self._editable(params)
        if "text" not in message.raw:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        old_inline = message.raw.get("reply_markup")
        new_inline = (
            {"inline_keyboard": markup["inline_keyboard"]}
            if markup and "inline_keyboard" in markup
            else None
        )
        same_text = message.raw["text"] == plain and message.raw.get("entities", []) == entities
        if same_text and canonical_json(old_inline) == canonical_json(new_inline):
            raise ApiError(400, NOT_MODIFIED)
        self._check_rate(chat)
        message.text, message.plain_text, message.parse_mode = text, plain, parse_mode
        # Without reply_markup, Telegram removes the inline keyboard.
        message.reply_markup = new_inline
        extra: JsonDict = {"text": plain}
        if entities:
            extra["entities"] = entities
        if "reply_to_message" in message.raw:
            extra["reply_to_message"] = message.raw["reply_to_message"]
        self._render_raw(message, chat, extra)
        return self._commit_edit(message)

    async def _edit_message_reply_markup(self, call: Call) -> JsonDict:
        markup = self._markup(call.params)
        message, chat = self._editable(call.params)
        if markup is not None and "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if canonical_json(message.raw.get("reply_markup")) == canonical_json(markup):
            raise ApiError(400, NOT_MODIFIED)
        self._check_rate(chat)
        message.reply_markup = markup
        if markup is None:
            message.raw.pop("reply_markup", None)
        else:
            message.raw["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return self._commit_edit(message)

    async def _delete_message(self, call: Call) -> bool:
        chat = self._resolve_chat(call.params, for_sending=False)
        chat_id = int(chat["id"])
        message_id = self._int(call.params, "message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._bot_by_id.get((chat_id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
        elif (chat_id, message_id) in self._user_by_id:
            incoming = self._user_by_id.pop((chat_id, message_id))
            incoming["deleted"] = True
        else:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.stats.messages_deleted += 1
        self._notify_change()
        return True

    async def _answer_callback_query(self, call: Call) -> bool:
        query_id = self._str(call.params, "callback_query_id")
        entry = self._callback_queries.get(query_id or "")
        if query_id is None or entry is None or entry["answered"]:
            raise ApiError(400, QUERY_TOO_OLD)
        text = self._str(call.params, "text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        entry["answered"] = True
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": self._bool(call.params, "show_alert"),
            "url": self._str(call.params, "url"),
            "cache_time": self._int(call.params, "cache_time", 0),
        }
        self._notify_change()
        return True
