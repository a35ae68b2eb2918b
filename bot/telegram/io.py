"""Carry out a service's actions with the Bot API: the only place that turns actions into calls."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.kernel.actions import (
    EditPressed,
    Keyboard,
    Later,
    Response,
    Send,
    SendFile,
    SendMedia,
    SendPhoto,
    Tell,
    Toast,
)
from bot.outbox.errors import MaybeSent, Rejected, TooManyRequests, Unavailable, Unreachable
from bot.telegram.limiter import SkippedOptional, retry_seconds

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
BULK: dict[str, Any] = {
    "bulk": True
}  # rate_limit_args of scheduled sends (bot/telegram/limiter.py)
OPTIONAL: dict[str, Any] = {"optional": True}  # a tidy-up edit, skipped rather than delayed


async def perform_scheduled(
    bot: ExtBot[Any], chat_id: int, response: Response, bulk: bool
) -> list[int]:
    """How the outbox dispatcher sends a rendered row: the Bot API's errors in the outbox's words
    (bot/outbox/errors.py), so the dispatcher knows nothing of Telegram. Returns the ids of the
    messages sent in `chat_id`."""
    try:
        return await perform(bot, chat_id, response, bulk=bulk)
    except Forbidden as error:
        raise Unreachable() from error
    except RetryAfter as error:
        raise TooManyRequests(retry_seconds(error)) from error
    except TimedOut as error:
        raise MaybeSent() from error
    except BadRequest as error:
        raise Rejected(error.message) from error
    except NetworkError as error:
        raise Unavailable() from error


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in keyboard
        ]
    )


async def perform(
    bot: ExtBot[Any],
    chat_id: int,
    response: Response,
    query: CallbackQuery | None = None,
    *,
    bulk: bool = False,
) -> list[int]:
    """Answer the button press first (it stops the spinner), then send in order, then edit.

    When new messages go out, the edit of the pressed message ("✅ noted", buttons removed) only
    tidies up, so it goes after them and is marked optional: with Telegram's 1 message/s per
    chat, the rate limiter skips it rather than make the person's next reply wait (with the
    default burst of 3 it goes through). Old buttons pressed later are answered as stale by the
    services. An edit that is the whole answer (ticks in a multi-choice list) is never skipped.

    `bulk` marks scheduled sends (bot/outbox): the rate limiter lets interactive replies pass
    first. A 403 (blocked, deactivated) is raised to the caller: the outbox dispatcher marks the
    person unreachable; for an interactive reply the error handler logs it.

    Returns the ids of the messages sent in `chat_id` (not those of Tell).
    """
    sent: list[Message] = []
    later_ids: list[int] = []  # the messages of Later actions
    limit = BULK if bulk else None
    topic = response.thread_id  # a forum topic of chat_id, if any
    if query is not None:
        toast = next((a.text for a in response.actions if isinstance(a, Toast)), None)
        try:
            await query.answer(text=toast or None)
        except BadRequest as exc:  # too old or already answered: nothing to do
            log.debug("callback answer refused: %s", exc.message)
    edits: list[EditPressed] = []
    for action in response.actions:
        if isinstance(action, Send):
            sent.append(
                await bot.send_message(
                    chat_id,
                    action.text,
                    message_thread_id=topic,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(action.keyboard),
                    link_preview_options=NO_PREVIEW,
                    rate_limit_args=limit,
                )
            )
        elif isinstance(action, SendFile):
            sent.append(
                await bot.send_document(
                    chat_id,
                    message_thread_id=topic,
                    document=InputFile(action.content, filename=action.filename),
                    caption=action.caption or None,
                    parse_mode=ParseMode.HTML,
                    rate_limit_args=limit,
                )
            )
        elif isinstance(action, SendPhoto):
            sent.append(
                await bot.send_photo(
                    chat_id,
                    message_thread_id=topic,
                    photo=InputFile(action.content, filename=action.filename),
                    caption=action.caption or None,
                    parse_mode=ParseMode.HTML,
                    rate_limit_args=limit,
                )
            )
        elif isinstance(action, SendMedia):
            sent.append(await _send_media(bot, chat_id, action, limit, topic))
        elif isinstance(action, Later):  # what came before is sent: now make the rest
            more = await action.make()
            more.thread_id = topic
            later_ids += await perform(bot, chat_id, more, bulk=bulk)
        elif isinstance(action, EditPressed) and query is not None:
            edits.append(action)
    if query is not None:
        # With new messages sent, the edit only tidies up: it may be skipped rather than wait.
        cosmetic = any(
            isinstance(a, Send | SendFile | SendPhoto | SendMedia) for a in response.actions
        )
        for edit in edits:
            await _edit_pressed(bot, query, edit, cosmetic=cosmetic)
    for told in (a for a in response.actions if isinstance(a, Tell)):
        try:
            await perform(bot, told.chat_id, told.response, bulk=bulk)
        except (Forbidden, BadRequest) as exc:
            # Blocked the bot or deleted the account: the sender's own reply went out anyway.
            log.warning("message to another chat not delivered: %s", type(exc).__name__)
    return [m.message_id for m in sent] + later_ids


async def _send_media(
    bot: ExtBot[Any],
    chat_id: int,
    action: SendMedia,
    limit: dict[str, Any] | None,
    topic: int | None,
) -> Message:
    """A photo or document re-sent by its file_id (Telegram keeps the file)."""
    caption = action.caption or None
    if action.kind == "photo":
        return await bot.send_photo(
            chat_id,
            photo=action.file_id,
            message_thread_id=topic,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(action.keyboard),
            rate_limit_args=limit,
        )
    return await bot.send_document(
        chat_id,
        document=action.file_id,
        caption=caption,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(action.keyboard),
        rate_limit_args=limit,
    )


async def _edit_pressed(
    bot: ExtBot[Any], query: CallbackQuery, action: EditPressed, *, cosmetic: bool
) -> None:
    message = query.message
    if not isinstance(message, Message):
        return  # inaccessible (too old): leave it
    limit = OPTIONAL if cosmetic else None
    try:
        if action.text is not None:
            await bot.edit_message_text(
                action.text,
                chat_id=message.chat_id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(action.keyboard),
                link_preview_options=NO_PREVIEW,
                rate_limit_args=limit,
            )
        elif action.append is not None and message.text is not None:
            await bot.edit_message_text(
                f"{message.text_html}\n\n<i>{_escape(action.append)}</i>",
                chat_id=message.chat_id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(action.keyboard),
                link_preview_options=NO_PREVIEW,
                rate_limit_args=limit,
            )
        elif action.keyboard or message.reply_markup is not None:
            await bot.edit_message_reply_markup(
                chat_id=message.chat_id,
                message_id=message.message_id,
                reply_markup=markup(action.keyboard),
                rate_limit_args=limit,
            )
    except (BadRequest, Forbidden) as exc:
        # "message is not modified", "message to edit not found": the edit is cosmetic.
        log.debug("edit skipped: %s", exc.message)
    except SkippedOptional:
        log.debug("edit skipped: no capacity left this second")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
