"""Who gets handled at all: a budget per person, and no groups but the staff chat (issue 10).

The update processor asks `FloodGuard.check` about every update before it queues it, so what is
refused costs no handler, no database query and no slot:

- A person (`effective_user`) gets `flood_updates` updates per `flood_seconds` (a sliding window
  on the injected clock; 20 per 10 s by default, 0 turns the budget off). Beyond it updates are
  dropped; the person gets at most one short "doucement 🙂" per minute, a dropped button press is
  still answered (an empty answer: it stops the spinner), and the drops are counted in the logs
  (the user id and counts only). Staff members (FABNUM_STAFF_IDS) have no budget: their updates
  never delay anyone else's (one chat holds at most one slot) and a staff bulk action must not be
  cut silently.
- A group or supergroup other than FABNUM_STAFF_CHAT_ID gets one short message, then the bot
  leaves it (leaveChat); its further updates are ignored. The bot's own removal from a group
  (a `my_chat_member` update saying left or kicked) is ignored without a word.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections import OrderedDict, deque
from dataclasses import dataclass

from telegram import Bot, ChatMember, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot.config import Settings
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer

log = logging.getLogger(__name__)

WARN_EVERY = dt.timedelta(minutes=1)  # at most one "doucement" per person per minute
MAX_LEFT_GROUPS = 10_000  # groups remembered as left (only to ignore their backlog cheaply)
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


class Verdict(enum.Enum):
    RUN = "run"  # handle it
    DROP = "drop"  # over the person's budget
    LEAVE = "leave"  # first update of a group that is not the staff chat: say so and leave
    IGNORE = "ignore"  # a group already left, or the bot's own removal from a group


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    warn: bool = False  # send the "doucement" message with this drop

    @property
    def runs(self) -> bool:
        return self.verdict is Verdict.RUN


RUN = Decision(Verdict.RUN)
IGNORE = Decision(Verdict.IGNORE)


@dataclass
class _Person:
    accepted: deque[dt.datetime]  # times of the updates accepted in the window, oldest first
    warned_at: dt.datetime | None = None
    dropped: int = 0  # drops since the last log line about this person


class FloodGuard:
    def __init__(self, settings: Settings, clock: Clock, renderer: Renderer) -> None:
        self.settings = settings
        self.clock = clock
        self.renderer = renderer
        self.budget = settings.flood_updates
        self.window = dt.timedelta(seconds=settings.flood_seconds)
        self._people: dict[int, _Person] = {}
        self._left: OrderedDict[int, None] = OrderedDict()
        self._checks = 0
        self.dropped_total = 0
        self.groups_left = 0

    def check(self, update: object) -> Decision:
        """What to do with an update; cheap and synchronous (no I/O)."""
        if not isinstance(update, Update):
            return RUN
        chat = update.effective_chat
        if chat is not None and chat.type in GROUPS and chat.id != self.settings.staff_chat_id:
            return self._foreign_group(update, chat.id)
        user = update.effective_user
        if user is None or self.budget <= 0 or user.id in self.settings.staff:
            return RUN
        return self._spend(user.id)

    def _foreign_group(self, update: Update, chat_id: int) -> Decision:
        member = update.my_chat_member
        added = False
        if member is not None:
            if member.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
                self._remember_left(chat_id)
                return IGNORE  # the bot left or was removed: nothing to say, nothing to leave
            added = True  # added (again): say so and leave, even if it left this group before
        if chat_id in self._left and not added:
            return IGNORE
        self._remember_left(chat_id)
        return Decision(Verdict.LEAVE)

    def _remember_left(self, chat_id: int) -> None:
        self._left[chat_id] = None
        self._left.move_to_end(chat_id)
        if len(self._left) > MAX_LEFT_GROUPS:
            self._left.popitem(last=False)

    def _spend(self, user_id: int) -> Decision:
        now = self.clock.now()
        self._checks += 1
        if self._checks % 1000 == 0:
            self._forget_quiet(now)
        person = self._people.get(user_id)
        if person is None:
            person = self._people[user_id] = _Person(deque())
        accepted = person.accepted
        while accepted and now - accepted[0] >= self.window:
            accepted.popleft()
        if len(accepted) < self.budget:
            accepted.append(now)
            return RUN
        person.dropped += 1
        self.dropped_total += 1
        if person.warned_at is not None and now - person.warned_at < WARN_EVERY:
            return Decision(Verdict.DROP)
        # One log line per person per minute at most: the drops since the previous one.
        log.warning(
            "flood: user %d over budget (%d updates per %gs), %d update(s) dropped since the"
            " last report",
            user_id,
            self.budget,
            self.window.total_seconds(),
            person.dropped,
        )
        person.dropped = 0
        person.warned_at = now
        return Decision(Verdict.DROP, warn=True)

    def _forget_quiet(self, now: dt.datetime) -> None:
        """Forget people with nothing in the window and no recent warning (bounded memory)."""
        quiet = [
            user_id
            for user_id, p in self._people.items()
            if (not p.accepted or now - p.accepted[-1] >= self.window)
            and (p.warned_at is None or now - p.warned_at >= WARN_EVERY)
        ]
        for user_id in quiet:
            person = self._people.pop(user_id)
            if person.dropped:
                log.warning("flood: user %d, %d more update(s) dropped", user_id, person.dropped)

    async def act(self, update: object, decision: Decision) -> None:
        """The cheap Bot API calls that go with a refusal (never a database query)."""
        if not isinstance(update, Update) or decision.verdict is Verdict.RUN:
            return
        try:
            bot: Bot = update.get_bot()
        except RuntimeError:  # an update built without a bot (not from the Bot API)
            return
        language = self.settings.language
        chat = update.effective_chat
        if decision.verdict is Verdict.IGNORE and update.callback_query is None:
            return  # a group left: nothing to say there
        if decision.verdict is Verdict.LEAVE and chat is not None:
            self.groups_left += 1
            log.info("leaving group %d: the bot only talks in private chats", chat.id)
            try:
                await bot.send_message(
                    chat.id, self.renderer.render(language, "group_left"), parse_mode=ParseMode.HTML
                )
            except TelegramError as exc:
                log.info("group %d: message before leaving not sent: %s", chat.id, exc.message)
            try:
                await bot.leave_chat(chat.id)
            except TelegramError as exc:
                log.warning("group %d: leaveChat failed: %s", chat.id, exc.message)
            return
        query = update.callback_query
        if query is not None:
            try:
                await query.answer()  # stops the spinner; nothing else is done
            except TelegramError as exc:
                log.debug("dropped press not answered: %s", exc.message)
        if decision.warn and chat is not None:
            try:
                await bot.send_message(
                    chat.id, self.renderer.render(language, "slow_down"), parse_mode=ParseMode.HTML
                )
            except TelegramError as exc:
                log.info("flood: slow-down message not sent: %s", type(exc).__name__)
