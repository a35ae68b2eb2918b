"""The candidate conversation through ScreeningService on a real SQLite file (no Telegram)."""

from __future__ import annotations

import html
import json
import re

import pytest

from bot.config import StaffMember
from bot.kernel.actions import Button, EditPressed, Response, Send, SendFile, Toast
from bot.kernel.person import Person
from bot.services import Services
from tests import flowscript as fs

LEA = Person(user_id=1001, chat_id=1001)


def sends(response: Response) -> list[Send]:
    return [a for a in response.actions if isinstance(a, Send)]


def last_send(response: Response) -> Send:
    found = sends(response)
    assert found, f"no message in {response.actions}"
    return found[-1]


def text_of(response: Response, index: int = -1) -> str:
    """A message's text as the person reads it (entities decoded, tags kept)."""
    found = sends(response)
    assert found, f"no message in {response.actions}"
    return html.unescape(found[index].text)


def button(response: Response, text: str) -> Button:
    for row in last_send(response).keyboard:
        for b in row:
            if text in b.text:
                return b
    raise AssertionError(f"no button {text!r} in {last_send(response).keyboard}")


async def consent(services: Services, person: Person = LEA, source: str | None = None) -> Response:
    s = services.screening
    notice = await s.start(person, source)
    return await s.button(person, button(notice, "J'accepte").data)


async def play(services: Services, person: Person, r: Response, moves: list[fs.Move]) -> Response:
    """Give these answers (tests/flowscript.py), by buttons and text; the last response."""
    s = services.screening
    for move in moves:
        if move.typed is not None:
            r = await s.text(person, move.typed)
            continue
        question = r
        for pressed in move.presses:
            r = await s.button(person, button(question, pressed).data)
    return r


async def answer_all(services: Services, person: Person = LEA, **changes: object) -> Response:
    """Answer every question of the flow, returning the summary. `changes` are answers as the
    flow's values (qualification="higher") or typed text (postcode="75011")."""
    given = fs.profile(fs.profile(interests=["programming", "web"]), **changes)
    return await play(services, person, await consent(services, person), fs.walk(given))


async def test_refusing_the_notice_stores_nothing(services: Services) -> None:
    s = services.screening
    notice = await s.start(LEA, "mission-locale-gonesse")
    texts = [m.text for m in sends(notice)]
    assert "CNIL" in texts[-1] and "facultative" in texts[-1]
    r = await s.button(LEA, button(notice, "Non merci").data)
    assert "rien enregistré" in text_of(r)
    assert await services.candidates.by_telegram_id(LEA.user_id) is None
    row = await services.db.fetchone("SELECT count(*) FROM candidates")
    assert row is not None and row[0] == 0


async def test_text_before_consent_gets_a_short_line_and_the_buttons(services: Services) -> None:
    await services.screening.start(LEA, None)
    r = await services.screening.text(LEA, "Léa")
    assert len(r.actions) == 1
    assert "accord" in text_of(r, 0) and len(text_of(r, 0)) < 250  # not the whole notice
    assert button(r, "J'accepte") and button(r, "Non merci")
    assert await services.candidates.by_telegram_id(LEA.user_id) is None


@pytest.mark.parametrize(
    "typed", ["oui", "OUI !", "Ok", "d'accord", "D’accord", "j'accepte", "yes"]
)
async def test_typed_yes_at_the_notice_is_consent(services: Services, typed: str) -> None:
    await services.screening.start(LEA, None)
    r = await services.screening.text(LEA, typed)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert candidate.consent_version == services.programme.notice_version
    assert fs.first_heading() in text_of(r, 0)  # thanks, then question 1


async def test_typed_consent_keeps_the_deep_link_source(services: Services) -> None:
    await services.screening.start(LEA, "mission-locale-gonesse")
    r = await services.screening.text(LEA, "bonjour")
    assert button(r, "J'accepte").data.endswith("mission-locale-gonesse")
    await services.screening.text(LEA, "oui")
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.source == "mission-locale-gonesse"


async def test_consent_stores_version_time_and_source(services: Services) -> None:
    r = await consent(services, source="mission-locale-gonesse")
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert candidate.source == "mission-locale-gonesse"
    assert candidate.consent_version == services.programme.notice_version
    assert candidate.consented_at == "2026-11-25T09:00:00+00:00"
    assert "FabNum" in text_of(r) and fs.first_heading() in text_of(r)


async def test_full_path_to_eligible(services: Services) -> None:
    summary = await answer_all(services)
    text = text_of(summary)
    assert "Léa" in text and "95500" in text and "06/2005" in text
    assert "Coder, 🌐 Sites web" in text
    r = await services.screening.button(LEA, button(summary, "C'est bon").data)
    assert "Bravo Léa" in text_of(r, 0)  # then the session offer (issue 3)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert (candidate.status, candidate.result, candidate.review_status) == (
        "submitted",
        "eligible",
        None,
    )


async def test_summary_and_my_data_show_every_question_of_the_flow(services: Services) -> None:
    given = fs.profile(interests=["programming", "web"])
    summary = await answer_all(services)
    for line in fs.lines(given):
        assert line in re.sub(r"</?b>", "", text_of(summary)), line
    edits = [b.text for row in last_send(summary).keyboard for b in row]
    assert [e for e in edits if e.startswith("✏️")] == [
        f"✏️ {fs.label('fr', f'title.{k}')}" for k in fs.stored(given)
    ]
    r = await services.screening.my_data(LEA)
    for line in fs.lines(given):
        assert line in html.unescape(sends(r)[0].text), line


@pytest.mark.parametrize(
    ("name", "result", "reasons"),
    [
        ("ELIGIBLE", "eligible", []),
        ("TOO_OLD", "oriented", ["age_over_max"]),
        ("STUDYING", "review", ["situation_studying"]),
        ("NOT_NOW", "oriented", ["availability_no"]),
    ],
)
async def test_the_walkthrough_profiles_get_the_result_they_are_named_after(
    services: Services, name: str, result: str, reasons: list[str]
) -> None:
    given: fs.Profile = getattr(fs, name)
    summary = await answer_all(services, **given)
    assert len(fs.walk(given)) == fs.count(given)
    if not fs.stops_early(given):  # else the result came at once, without a summary
        for line in fs.lines(given):
            assert line in re.sub(r"</?b>", "", text_of(summary)), line
        await services.screening.button(LEA, button(summary, "C'est bon").data)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert (candidate.result, candidate.result_reasons) == (result, reasons)
    answers = await services.candidates.answers(candidate.id)
    assert answers.complete == fs.stored(given)


async def test_oriented_candidate_is_queued_for_a_person(services: Services) -> None:
    summary = await answer_all(services, qualification="higher")
    r = await services.screening.button(LEA, button(summary, "C'est bon").data)
    text = text_of(r)
    assert "pas une décision finale" in text
    assert "Mission Locale Val d'Oise Est" in text
    assert button(r, "Parler à une personne")
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert candidate.result == "oriented"
    assert candidate.review_status == "pending"
    assert candidate.result_reasons == ["qualification_higher"]
    r = await services.screening.button(LEA, "human")
    assert "une personne de l'équipe va t'écrire" in text_of(r)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.human_requested_at is not None


async def test_review_path_with_reasons(services: Services) -> None:
    summary = await answer_all(services, availability="discuss", postcode="75011")
    r = await services.screening.button(LEA, button(summary, "C'est bon").data)
    text = text_of(r)
    assert "disponibilités" in text and "loin de Gonesse" in text


async def test_invalid_text_is_reasked_with_a_hint_and_nothing_lost(services: Services) -> None:
    s = services.screening
    given = fs.profile(birth="mars 2007")
    r = await play(services, LEA, await consent(services), fs.moves_between(given, stop="birth"))
    r = await s.text(LEA, "bientôt 18 ans")
    assert "03/2007" in text_of(r) and fs.heading("birth") in text_of(r)
    r = await s.text(LEA, "2007")
    assert "le mois" in text_of(r)
    r = await s.text(LEA, "mars 2007")
    assert fs.then("birth") in text_of(r)  # the next question
    answers = await services.candidates.answers(
        (await services.candidates.by_telegram_id(LEA.user_id)).id  # type: ignore[union-attr]
    )
    assert answers.complete == fs.stored_through("birth", given)
    assert answers.complete["birth"] == "2007-03"


async def test_typed_answer_to_a_button_question(services: Services) -> None:
    s = services.screening
    r = await consent(services)
    r = await s.text(LEA, "marcq en baroeul")
    assert fs.WORDING_FR[fs.next_key("site")] in text_of(r)
    given = fs.profile(site="marcq", first_name="Yanis", birth="01/2006")
    r = await play(services, LEA, r, fs.moves_between(given, after="site", stop="situation"))
    r = await s.text(LEA, "banane")
    assert "Touche un des boutons" in text_of(r)
    r = await s.text(LEA, "rien")  # a synonym of "none"
    assert fs.then("situation") in text_of(r)


async def test_edit_from_summary_returns_to_summary(services: Services) -> None:
    s = services.screening
    summary = await answer_all(services)
    r = await s.button(LEA, button(summary, "✏️ Code postal").data)
    assert "Ta réponse actuelle" in text_of(r) and "95500" in text_of(r)
    r = await s.text(LEA, "95 190")
    assert "Tes réponses" in text_of(r) and "95190" in text_of(r)


async def test_back_while_editing_from_summary_returns_to_summary(services: Services) -> None:
    s = services.screening
    summary = await answer_all(services)
    r = await s.button(LEA, button(summary, "✏️ Code postal").data)
    labels = [b.text for a in sends(r) for row in a.keyboard for b in row]
    assert "↩️ Retour au résumé" in labels and "↩️ Question d'avant" not in labels
    r = await s.button(LEA, button(r, "Retour au résumé").data)
    assert "Tes réponses" in text_of(r) and "95500" in text_of(r)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.editing_step is None
    # the first question too (it has no "previous question"), and a multi-choice one
    for title in ("✏️ Lieu", "✏️ Ce qui te plaît"):
        r = await s.button(LEA, button(summary, title).data)
        r = await s.button(LEA, button(r, "Retour au résumé").data)
        assert "Tes réponses" in text_of(r), title


async def test_editing_situation_to_studying_hides_left_school(services: Services) -> None:
    s = services.screening
    summary = await answer_all(services)
    assert "Sortie de l'école" in text_of(summary)
    r = await s.button(LEA, button(summary, "✏️ Situation").data)
    r = await s.button(LEA, button(r, "Au lycée").data)
    assert "Tes réponses" in text_of(r)
    assert "Sortie de l'école" not in text_of(r)


async def test_back_button_goes_to_previous_question_then_forward(services: Services) -> None:
    s = services.screening
    r = await consent(services)
    r = await s.button(LEA, button(r, "Gonesse").data)
    r = await play(services, LEA, r, fs.moves_between(after="site", through="first_name"))
    r = await s.button(LEA, button(r, "Question d'avant").data)
    assert "prénom" in text_of(r) and "Léa" in text_of(r)
    r = await s.text(LEA, "Léna")
    assert "Merci Léna" in text_of(r)
    r = await s.button(LEA, button(r, "Question d'avant").data)
    r = await s.button(LEA, button(r, "Question d'avant").data)
    assert "quel mois" in text_of(r) and "06/2005" in text_of(r)


async def test_stale_forged_and_double_taps(services: Services) -> None:
    s = services.screening
    r = await consent(services)
    site = button(r, "Gonesse").data
    r = await s.button(LEA, site)
    again = await s.button(LEA, site)  # double tap (or a press again after a crash, issue 14)
    second = fs.WORDING_FR[fs.next_key("site")]
    assert any(isinstance(a, Toast) and "déjà noté" in a.text for a in again.actions)
    assert second in text_of(again)  # the current question again: nobody is left stuck
    forged = await s.button(LEA, "ans:site:paris")
    assert any(isinstance(a, Toast) and "plus actif" in a.text for a in forged.actions)
    assert second in text_of(forged)
    for data in ("", "zzz", "ans", "ans:first_name:x:y", "edit:postcode", "confirm", "tog:x:y"):
        r = await s.button(LEA, data)
        assert second in text_of(r), data
    answers = await services.candidates.answers(
        (await services.candidates.by_telegram_id(LEA.user_id)).id  # type: ignore[union-attr]
    )
    assert answers.complete == {"site": "gonesse"}


async def test_multi_select_toggles_are_stored_as_drafts(services: Services) -> None:
    s = services.screening
    summary = await answer_all(services)
    r = await s.button(LEA, button(summary, "✏️ Ce qui te plaît").data)
    question = r
    r = await s.button(LEA, button(question, "Robots").data)
    edit = next(a for a in r.actions if isinstance(a, EditPressed))
    labels = [b.text for row in edit.keyboard for b in row]
    assert "✅ 🤖 Robots" in labels and "✅ 💻 Coder" in labels
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    answers = await services.candidates.answers(candidate.id)
    assert answers.drafts["interests"] == ["programming", "robotics", "web"]
    r = await s.text(LEA, "valider")
    answers = await services.candidates.answers(candidate.id)
    assert answers.complete["interests"] == ["programming", "robotics", "web"]
    assert "Tes réponses" in text_of(r)


async def test_cancel_keeps_answers_and_resume(services: Services) -> None:
    s = services.screening
    r = await consent(services)
    await s.button(LEA, button(r, "Gonesse").data)
    r = await s.cancel(LEA)
    assert "gardé toutes tes réponses" in text_of(r)
    r = await s.text(LEA, "coucou")
    assert "pause" in text_of(r)
    r = await s.start(LEA, None)
    assert "Re-bonjour" in text_of(r, 0) and fs.WORDING_FR[fs.next_key("site")] in text_of(r)


async def test_restart_after_confirmation(services: Services) -> None:
    s = services.screening
    await answer_all(services)
    r = await s.restart(LEA)
    r2 = await s.button(LEA, button(r, "Non, je continue").data)
    assert "Tes réponses" in text_of(r2)
    r = await s.button(LEA, button(r, "Oui, tout recommencer").data)
    assert fs.first_heading() in text_of(r)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.consent_version  # consent kept
    assert (await services.candidates.answers(candidate.id)).complete == {}


async def test_my_data_sends_text_and_json(services: Services) -> None:
    summary = await answer_all(services, first_name='<b>Léa & "Zoé"</b>')
    await services.screening.button(LEA, button(summary, "C'est bon").data)
    r = await services.screening.my_data(LEA)
    assert "&lt;b&gt;Léa &amp; &#34;Zoé&#34;&lt;/b&gt;" in sends(r)[0].text
    file = next(a for a in r.actions if isinstance(a, SendFile))
    data = json.loads(file.content)
    assert data["answers"]["first_name"] == '<b>Léa & "Zoé"</b>'
    assert data["candidate"]["result"] == "eligible"
    assert [e["kind"] for e in data["history"]][:2] == ["consented", "answered"]
    # tables of other features that refer to the candidate are exported too (found from the schema)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    await services.db.execute(
        "INSERT INTO waitlist (candidate_id, site, joined_at) VALUES (?, 'gonesse', 'x')",
        (candidate.id,),
    )
    r = await services.screening.my_data(LEA)
    file = next(a for a in r.actions if isinstance(a, SendFile))
    assert json.loads(file.content)["other_records"]["waitlist"][0]["site"] == "gonesse"


async def test_delete_erases_everything_after_confirmation(services: Services) -> None:
    s = services.screening
    await answer_all(services)
    r = await s.delete(LEA)
    kept = await s.button(LEA, button(r, "Non, garder").data)
    assert "je ne touche à rien" in text_of(kept, 0)
    assert await services.candidates.by_telegram_id(LEA.user_id) is not None
    r = await s.button(LEA, button(r, "Oui, tout effacer").data)
    assert "effacé" in text_of(r)
    assert await services.candidates.by_telegram_id(LEA.user_id) is None
    row = await services.db.fetchone("SELECT count(*) FROM answers")
    assert row is not None and row[0] == 0
    r = await s.my_data(LEA)
    assert "rien enregistré" in text_of(r)


async def test_two_candidates_never_see_each_other(services: Services) -> None:
    tom = Person(user_id=2002, chat_id=2002)
    s = services.screening
    r = await consent(services)
    await s.button(LEA, button(r, "Gonesse").data)
    r = await consent(services, tom)
    assert fs.first_heading() in text_of(r)
    await s.button(tom, button(r, "Marcq").data)
    tom_moves = fs.moves_between(fs.profile(first_name="Tom"), after="site", through="first_name")
    await play(services, tom, r, tom_moves)
    r = await play(services, LEA, r, fs.moves_between(after="site", through="first_name"))
    assert "Merci Léa" in text_of(r) and "Tom" not in text_of(r)


async def test_language_switch_before_and_after_consent(services: Services) -> None:
    s = services.screening
    notice = await s.start(LEA, "partner-x")
    r = await s.button(LEA, button(notice, "English").data)
    assert "CNIL" in text_of(r)
    accept = next(
        b for row in last_send(r).keyboard for b in row if b.data.startswith("consent:yes")
    )
    assert accept.data == "consent:yes:en:partner-x"
    r = await s.button(LEA, accept.data)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.language == "en" and candidate.source == "partner-x"
    r = await s.language(LEA)
    r = await s.button(LEA, button(r, "Français").data)
    assert "français" in text_of(r, 0)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.language == "fr"


def test_eligibility_is_asked_first() -> None:
    assert fs.question_keys()[:2] == ["site", "birth"]


async def _site_then_birth(services: Services, birth: str) -> Response:
    r = await consent(services)
    r = await services.screening.button(LEA, button(r, "Gonesse").data)
    assert "quel mois" in text_of(r) and "Question 2/" in text_of(r)
    return await services.screening.text(LEA, birth)


async def test_too_old_hears_it_after_the_birth_question(services: Services) -> None:
    r = await _site_then_birth(services, "01/1996")  # 31 at the cohort's start
    text = text_of(r)
    assert "25 ans maximum" in text and "Je m'arrête là" in text
    assert "France Travail" in text and "Mission Locale" not in text
    assert "pas une décision finale" in text and "Question" not in text
    assert button(r, "Parler à une personne")
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert (candidate.status, candidate.result, candidate.result_reasons) == (
        "submitted",
        "oriented",
        ["age_over_max"],
    )
    assert candidate.review_status == "pending"  # a person reviews it (GDPR art. 22)
    answers = await services.candidates.answers(candidate.id)
    assert answers.complete == {"site": "gonesse", "birth": "1996-01"}  # nothing more asked
    assert answers.drafts == {}
    queue = await services.staff.review.queue(StaffMember(600, "staff", frozenset({"gonesse"})))
    assert "À relire : 1" in text_of(queue, 0)
    assert "plus de 25 ans au début" in html.unescape(text_of(queue))
    # typing on gets where they stand, never the next question
    r = await services.screening.text(LEA, "Léa")
    assert "Question" not in text_of(r)
    assert (await services.candidates.answers(candidate.id)).complete == answers.complete


async def test_too_young_hears_it_with_a_school_referral(services: Services) -> None:
    r = await _site_then_birth(services, "mars 2012")  # 14 or 15 at the cohort's start
    text = text_of(r)
    assert "16 ans" in text and "CIO" in text and "Je m'arrête là" in text
    assert "Mission Locale" not in text and "responsable légal" not in text
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert (candidate.result, candidate.result_reasons) == ("oriented", ["age_under_min"])
    answers = await services.candidates.answers(candidate.id)
    assert set(answers.complete) == {"site", "birth"}


async def test_an_age_on_the_limit_goes_on_to_the_next_question(services: Services) -> None:
    # born March 2001, the cohort starts on 01/03/2027: 25 or 26 then, decided at review
    r = await _site_then_birth(services, "03/2001")
    assert fs.then("birth") in text_of(r) and "prénom" in text_of(r)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None and candidate.status == "screening"
