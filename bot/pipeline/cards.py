"""/candidat: find a candidate by number or first name and show their card (answers, history,
notes, the moves they can make); /note and the notes pages of a card."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.config import StaffMember
from bot.core.pipeline import Stage, allowed_moves
from bot.core.text import fold
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, rows
from bot.kernel.rendering import plain_length
from bot.pipeline.buttons import Card, History, Move, Note, Notes, encode
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.models import CandidateView
from bot.pipeline.review import Review
from bot.pipeline.views import CardNotes, card_notes, fr_datetime, note_pages, visible_sites

log = logging.getLogger(__name__)

NOTE_MAX = 1000  # characters in one note
CARD_MAX = 700  # characters of a card: its essentials, the latest history and notes
CARD_NOTES = 200  # characters of notes on a candidate's card; the rest under "all notes"
NOTES_PAGE = 640  # characters of notes (with their date and author) in a page: a longer note alone
NOTE_SHOWN = 3500  # a note (older ones had no cap) is cut there to stay within Telegram's 4096
# (history lines, notes, characters of notes) on a card, from the most to the least generous:
# the first that fits in CARD_MAX is shown; the rest is one button away.
CARD_LAYOUTS: tuple[tuple[int, int, int], ...] = (
    (3, 2, CARD_NOTES),
    (3, 1, 120),
    (2, 1, 120),
    (2, 1, 60),
    (1, 1, 60),
    (0, 1, 60),
    (0, 0, 0),
)
CARD_REASON = 60  # characters of a move's reason on the card
PAGE_REASON = 200  # characters of a move's reason on a page of the history
HISTORY_LINES = 6  # lines of history in one page
HISTORY_PAGE = 560  # characters of history lines (estimated) in one page
# Stages staff can move a candidate to with a button on the card (reviews have their own).
CARD_MOVES = (
    Stage.INTERVIEW,
    Stage.ADMITTED,
    Stage.WAITLISTED,
    Stage.NOT_SELECTED,
    Stage.IN_TRAINING,
    Stage.EXITED,
    Stage.ELIGIBLE,
)


# The "✍️ Écrire" button of a card, in a language, for a candidate (bot/messages).
WriteButton = Callable[[str, int], Button]


class Cards:
    def __init__(
        self, ctx: PipelineContext, review: Review, write_button: WriteButton | None = None
    ) -> None:
        self.ctx = ctx
        self.review = review  # a card to review carries the review's buttons
        self.write_button = write_button

    async def find(self, member: StaffMember, query: str) -> Response:
        ctx = self.ctx
        query = query.strip().lstrip("#")
        if not query:
            return ctx.usage("candidate")
        if query.isdigit():
            view = await ctx.candidate(member, int(query))
            if view is None:
                return ctx.say("not_found", query=query)
            return self.card(view)
        wanted = fold(query)
        count, found = (
            await ctx.store.find_by_name(visible_sites(member), wanted, MAX_LIST)
            if wanted
            else (0, [])
        )
        if not found:
            return ctx.say("not_found", query=query)
        if count == 1:
            view = await ctx.store.candidate(found[0].id)  # the card shows the history
            return self.card(view) if view is not None else ctx.say("not_found", query=query)
        buttons = [
            Button(f"#{v.id} {v.first_name[:30]} · {ctx.site_name(v.site)}", encode(Card(v.id)))
            for v in found
        ]
        return ctx.say(
            "search_results", rows(buttons), query=query, count=count, shown=len(buttons)
        )

    async def show(self, member: StaffMember, candidate_id: int) -> Response | None:
        """The card of a candidate (button st:c); None if not found or of another site."""
        view = await self.ctx.candidate(member, candidate_id)
        return self.card(view) if view else None

    def card(self, view: CandidateView) -> Response:
        """The card: the essentials, the latest history lines and notes that fit in CARD_MAX
        characters (fewer when the card is full), and buttons for the rest."""
        ctx = self.ctx
        base = self._card_context(view)
        history = self._history(view, CARD_REASON)
        notes = self._notes(view)
        text, shown_notes, shown_history = "", card_notes(notes, CARD_NOTES), 0
        for lines, most, budget in CARD_LAYOUTS:
            shown_notes = _card_notes(notes, budget, most)
            shown_history = min(lines, len(history))
            text = ctx.render(
                "card",
                **base,
                history=history[len(history) - shown_history :],
                history_more=len(history) - shown_history,
                notes=shown_notes,
            )
            if plain_length(text) <= CARD_MAX:
                break
        keyboard = self.keyboard(
            view, notes=shown_notes, whole_history=shown_history == len(history)
        )
        return Response().send(text, keyboard)

    async def history_page(
        self, member: StaffMember, candidate_id: int, page: int
    ) -> Response | None:
        """A candidate's whole history, oldest first, a page per message (button st:hi): the
        first page a new message, the others in its place (◀️ ▶️); None for a candidate not
        found (or of another site) or a page that is not there."""
        ctx = self.ctx
        view = await ctx.candidate(member, candidate_id)
        pages = _history_pages(self._history(view, PAGE_REASON)) if view else []
        if view is None or not 0 <= page < len(pages):
            return None
        arrows = []
        if page > 0:
            arrows.append(
                Button(ctx.label("staff.btn.previous"), encode(History(view.id, page - 1)))
            )
        if page + 1 < len(pages):
            arrows.append(Button(ctx.label("staff.btn.next"), encode(History(view.id, page + 1))))
        keyboard: Keyboard = (
            tuple(arrows),
            (Button(ctx.label("staff.btn.card"), encode(Card(view.id))),),
        )
        keyboard = tuple(row for row in keyboard if row)
        text = ctx.render(
            "history", c=ctx.summary(view), history=pages[page], page=page + 1, pages=len(pages)
        )
        if page == 0:
            return Response().send(text, keyboard)
        return Response().add(EditPressed(text=text, keyboard=keyboard))

    def _notes(self, view: CandidateView) -> list[dict[str, Any]]:
        """The candidate's notes, newest first."""
        return [
            {
                "at": fr_datetime(event.at, self.ctx.tz),
                "by": event.detail.get("by"),
                "text": str(event.detail.get("text", "")),
            }
            for event in reversed(view.events)
            if event.kind == "note"
        ]

    async def notes_page(
        self, member: StaffMember, candidate_id: int, page: int
    ) -> Response | None:
        """Every note of a candidate, newest first, a page per message (button st:nl); None for
        a candidate not found (or of another site) or a page that is not there."""
        ctx = self.ctx
        view = await ctx.candidate(member, candidate_id)
        pages = note_pages(self._notes(view), NOTES_PAGE) if view else []
        if view is None or not 0 <= page < len(pages):
            return None
        keyboard: Keyboard = ()
        if page + 1 < len(pages):
            data = encode(Notes(view.id, page + 1))
            keyboard = ((Button(ctx.label("staff.btn.older_notes"), data),),)
        notes = [{**n, "text": str(n["text"])[:NOTE_SHOWN]} for n in pages[page]]
        return ctx.say(
            "notes",
            keyboard,
            c=ctx.summary(view),
            notes=notes,
            page=page + 1,
            pages=len(pages),
        )

    def _card_context(self, view: CandidateView) -> dict[str, Any]:
        ctx = self.ctx
        answers = []
        for step in ctx.flow.steps:
            if step.key in ("gender", "first_name", "site"):
                continue  # gender is never shown per candidate; name and site are in the title
            if step.key in view.answers:
                answers.append(
                    {
                        "key": step.key,
                        "title": ctx.label(f"title.{step.key}"),
                        "value": ctx.screening.display(ctx.lang, step, view.answers[step.key]),
                    }
                )
        return {
            "c": ctx.summary(view),
            "source": view.source,
            "reasons": view.reasons,
            "answers": answers,
            "human": view.human_pending,
            "qpv": ctx.qpv.contains(view.answers.get("postcode")),
            "interview": self._interview(view),
        }

    def _history(self, view: CandidateView, reason_max: int) -> list[dict[str, Any]]:
        """What happened to the candidate, oldest first (answers and notes aside)."""
        ctx = self.ctx
        history = []
        for event in view.events:
            if event.kind in ("answered", "edited", "note"):
                continue
            reason = event.detail.get("reason") or event.detail.get("comment")
            history.append(
                {
                    "at": fr_datetime(event.at, ctx.tz),
                    "kind": event.kind,
                    "to": ctx.stage(event.detail["to"])
                    if event.kind == "stage" and event.detail.get("to") in set(Stage)
                    else None,
                    "decision": event.detail.get("decision"),
                    "result": event.detail.get("result"),
                    "by": event.detail.get("by"),
                    "reason": _cut(str(reason), reason_max) if reason else None,
                }
            )
        return history

    def _interview(self, view: CandidateView) -> dict[str, Any] | None:
        """The last interview set (bot/interviews) and the candidate's answer, from the history."""
        found: dict[str, Any] | None = None
        for event in view.events:
            if event.kind == "interview_set":
                found = {
                    "id": event.detail.get("interview_id"),
                    "at": fr_datetime(event.detail.get("starts_at"), self.ctx.tz),
                    "place": event.detail.get("place"),
                    "answer": None,
                }
            elif found is not None and event.detail.get("interview_id") == found["id"]:
                if event.kind == "interview_answer":
                    found["answer"] = event.detail.get("answer")
                elif event.kind == "interview_cancelled":
                    found["answer"] = "cancelled"
        return found

    def keyboard(
        self,
        view: CandidateView,
        *,
        notes: CardNotes | None = None,
        whole_history: bool = True,
    ) -> Keyboard:
        """The card's buttons: moves, review, note, write; the whole history and all the notes
        when the card shows only part of them (`notes`: those shown, the first layout's when
        None)."""
        ctx = self.ctx
        buttons = [
            Button(ctx.label(f"staff.move.{s.value}"), encode(Move(view.id, s.value)))
            for s in allowed_moves(view.stage)
            if s in CARD_MOVES and view.stage is not Stage.TO_REVIEW
        ]
        keyboard = list(rows(buttons, 2))
        if view.stage is Stage.TO_REVIEW or view.human_pending:
            keyboard.extend(self.review.item(view)[1][:-1])
        keyboard.append((Button(ctx.label("staff.btn.note"), encode(Note(view.id))),))
        if self.write_button is not None:
            keyboard.append((self.write_button(ctx.lang, view.id),))
        if notes is None:
            notes = card_notes(self._notes(view), CARD_NOTES, CARD_LAYOUTS[0][1])
        more = []
        if not whole_history:
            more.append(Button(ctx.label("staff.btn.history"), encode(History(view.id, 0))))
        if not notes.complete:
            more.append(Button(ctx.label("staff.btn.all_notes"), encode(Notes(view.id, 0))))
        if more:
            keyboard.append(tuple(more))
        return tuple(keyboard)

    async def note_how(self, member: StaffMember, candidate_id: int) -> Response | None:
        """How to write a note (button st:n); None if not found or of another site."""
        view = await self.ctx.candidate(member, candidate_id)
        return self.ctx.say("note_how", c=self.ctx.summary(view)) if view else None

    async def note(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/note <number> <text>"""
        ctx = self.ctx
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            return ctx.usage("note")
        candidate_id = int(args[0].lstrip("#"))
        view = await ctx.candidate(member, candidate_id)
        if view is None:
            return ctx.say("not_found", query=args[0])
        text = " ".join(args[1:]).strip()
        if len(text) > NOTE_MAX:
            # Nothing is stored; what they typed comes back so they can shorten it.
            log.info("staff note on candidate %s refused: %s characters", candidate_id, len(text))
            response = ctx.say(
                "note_too_long", c=ctx.summary(view), length=len(text), most=NOTE_MAX
            )
            response.send(ctx.render("note_back", id=view.id, text=text))
            return response
        await ctx.store.add_note(candidate_id, text=text, by=member.user_id, at=ctx.now())
        log.info("staff note on candidate %s", candidate_id)
        return ctx.say("noted", c=ctx.summary(view))


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _card_notes(newest_first: list[dict[str, Any]], budget: int, most: int) -> CardNotes:
    """The notes a card shows: at most `most` of them in `budget` characters (none: all under
    the button)."""
    if most == 0:
        return CardNotes([], len(newest_first), False)
    return card_notes(newest_first, budget, most)


def _history_pages(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """History lines in pages of at most HISTORY_LINES lines and about HISTORY_PAGE characters
    (a line's words and date count as 80, its reason on top); at least one page."""
    pages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for line in lines:
        size = 80 + len(line["reason"] or "")
        if pages[-1] and (len(pages[-1]) >= HISTORY_LINES or used + size > HISTORY_PAGE):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += size
    return pages
