"""/statut and /start for someone already known (issue 12, part 3): where they stand, what comes
next, the date and place of their session, and the buttons that apply. Through the fake Bot API."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from tests.botharness import Chat, running_bot
from tests.botharness import services_of as svc
from tests.test_screening_e2e import begin
from tests.test_sessions_consistency_e2e import booked
from tests.test_sessions_e2e import eligible, new_session


def labels(message: object) -> list[str]:
    return [b.text for row in getattr(message, "buttons", []) for b in row]


async def test_status_before_and_during_the_screening(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chat = Chat(server, server.new_user("Léa"))
        await chat.command("statut", expect="Avant de commencer")  # the notice, nothing stored
        await begin(chat)
        await chat.command("statut", expect="pas encore envoyée")
        await chat.expect("Question 1/")  # and the question where she was
        await chat.command("status", expect="pas encore envoyée")  # the English alias


async def test_status_at_each_stage_with_the_next_step_and_its_buttons(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services)
        lea = await eligible(server, services, "Léa")

        eligible_status = await lea.command("statut", expect="candidature est validée")
        assert "réunion d'information" in eligible_status.plain_text
        assert labels(eligible_status) == ["📅 Choisir une réunion", "🙋 Parler à une personne"]

        lea_id = await booked(services, lea)
        status = await lea.command("statut", expect="Ta réunion : vendredi 27 novembre à 14h00")
        assert "FabNum Gonesse, 3 rue de Paris" in status.plain_text
        assert [b for b in labels(status) if "Changer" in b or "Annuler" in b]
        # /start says the same for someone already known
        again = await lea.command("start", expect="Ta réunion : vendredi 27 novembre à 14h00")
        assert labels(again) == labels(status)

        at = clock.now() + dt.timedelta(minutes=1)
        pipeline = services.pipeline
        await pipeline.move(lea_id, to=Stage.ATTENDED, by=1, at=at)
        await lea.command("statut", expect="Prochaine étape : un entretien")
        await pipeline.move(lea_id, to=Stage.INTERVIEW, by=1, at=at)
        await lea.command("statut", expect="un entretien avec l'équipe")
        cohort = await pipeline.create_cohort(
            site="gonesse",
            name="Promo Mars 2027",
            start=dt.date(2027, 3, 1),
            end=dt.date(2027, 9, 30),
            capacity=12,
            by=1,
            at=at,
        )
        await pipeline.move(lea_id, to=Stage.ADMITTED, by=1, at=at, cohort_id=cohort.id)
        admitted = await lea.command("statut", expect="Tu es admis·e dans la promo")
        assert "Promo Mars 2027" in admitted.plain_text and "1er mars 2027" in admitted.plain_text
        assert "Ta réunion" not in admitted.plain_text  # the booking went with the admission


async def test_status_in_english_and_after_asking_for_a_person(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        chat = await eligible(server, services, "Sam")
        candidate = await services.candidates.by_telegram_id(chat.user.id)
        assert candidate is not None
        await services.candidates.update(candidate.id, clock.now(), language="en")
        await chat.command("human", expect="")
        status = await chat.command("status", expect="Your application is accepted")
        assert "You asked to talk to someone" in status.plain_text
        assert "🙋" not in "".join(labels(status))  # no second request button
