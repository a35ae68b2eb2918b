"""The staff service without Telegram: review, moves, search, shortlist, aggregates, digest."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from bot.config import StaffMember
from bot.core.pipeline import Stage
from bot.fakeapi.html_check import check_telegram_html
from bot.kernel.actions import EditPressed, Response, Send, SendFile, Tell, Toast
from bot.kernel.clock import FakeClock
from bot.screening.store import CandidateStore
from bot.services import Services
from tests import flowscript as fs

ADMIN = StaffMember(500, "admin")
GONESSE = StaffMember(600, "staff", frozenset({"gonesse"}))
MARCQ = StaffMember(700, "staff", frozenset({"marcq"}))


async def seed_candidate(
    store: CandidateStore,
    now: dt.datetime,
    tg: int,
    *,
    name: str = "Léa",
    site: str = "gonesse",
    result: str | None = "eligible",
    reasons: list[str] | None = None,
    source: str | None = "mission-locale",
    answers: dict[str, Any] | None = None,
    stop_after: str | None = None,
) -> int:
    """A candidate as the screening leaves them; stop_after leaves the screening unfinished."""
    c = await store.create(
        telegram_id=tg, chat_id=tg, language="fr", source=source, consent_version="v", now=now
    )
    given = fs.profile(site=site, postcode="95500" if site == "gonesse" else "59700")
    # every question of the flow, in order; the name as given, even one the bot would refuse now
    full = {**fs.stored(fs.profile(given, gender="no_answer")), "first_name": name}
    full.update(answers or {})
    for step, value in full.items():
        await store.save_answer(c.id, step, value, now)
        if step == stop_after:
            return c.id
    if result is not None:
        await store.submit(c.id, result=result, reasons=reasons or [], now=now)
    return c.id


def texts(reply: Response) -> str:
    """The plain text staff see (HTML checked as Telegram would)."""
    return "\n".join(check_telegram_html(a.text) for a in reply.actions if isinstance(a, Send))


def told(reply: Response) -> list[tuple[int, Response]]:
    """The messages to other chats (candidates told of a staff decision)."""
    return [(a.chat_id, a.response) for a in reply.actions if isinstance(a, Tell)]


def buttons(reply: Response) -> dict[str, str]:
    return {
        b.text: b.data
        for a in reply.actions
        if isinstance(a, Send | EditPressed)
        for row in a.keyboard
        for b in row
    }


def shown(reply: Response) -> str:
    """The text of a reply: its new messages, or the message a button press rewrote."""
    found = [a.text for a in reply.actions if isinstance(a, Send | EditPressed) and a.text]
    return "\n".join(check_telegram_html(text) for text in found)


async def pages(services: Services, member: StaffMember, reply: Response) -> list[str]:
    """Every page of a paged reply (a shortlist), pressing "Suivant ▶️" to the last: each fits
    in 700 characters."""
    found = [shown(reply)]
    while (data := buttons(reply).get("Suivant ▶️")) is not None:
        reply = await services.staff.button(member, data)
        found.append(shown(reply))
        assert len(found) < 50
    assert all(0 < len(page) <= 700 for page in found), [len(p) for p in found]
    return found


async def test_review_overturn_drafts_the_candidate_message_for_a_preview(
    services: Services, clock: FakeClock
) -> None:
    staff = services.staff
    cid = await seed_candidate(
        services.candidates,
        clock.now(),
        1001,
        result="oriented",
        reasons=["qualification_higher"],
    )
    queue = await staff.review.queue(GONESSE)
    assert "À relire : 1" in texts(queue) and "diplôme au-dessus du bac" in texts(queue)
    assert "À relire : 1\nConfirmer" in texts(queue)  # its own line
    assert await staff.review.queue(MARCQ) is not None
    assert "Rien à relire" in texts(await staff.review.queue(MARCQ))
    # another site's staff pressing a forged button: a short notice, nothing changes
    forged = await staff.button(MARCQ, f"st:r:{cid}:o")
    assert told(forged) == [] and await services.pipeline.stage_of(cid) is Stage.TO_REVIEW
    reply = await staff.button(GONESSE, f"st:r:{cid}:o")
    assert await services.pipeline.stage_of(cid) is Stage.ELIGIBLE
    # nothing told at once: a draft waits for the staff member's "Envoyer" (bot/decisions)
    assert told(reply) == []
    draft = await services.decisions.store.latest_draft(cid)
    assert draft is not None and draft.kind == "overturned" and "Bonne nouvelle Léa" in draft.text
    assert draft.staff_id == GONESSE.user_id
    again = await staff.button(GONESSE, f"st:r:{cid}:o")
    assert told(again) == [] and isinstance(again.actions[0], Toast)
    audit = await services.pipeline.audit_log(cid)
    assert audit[-1]["action"] == "review" and audit[-1]["staff_id"] == GONESSE.user_id


async def test_human_requests_are_in_the_queue_until_handled(
    services: Services, clock: FakeClock
) -> None:
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    await services.candidates.add_event(cid, "human_requested", clock.now())
    await services.candidates.update(cid, clock.now(), human_requested_at="x")
    queue = await services.staff.review.queue(ADMIN)
    assert "À relire : 1" in texts(queue) and "🙋 Demande traitée" in buttons(queue)
    await services.staff.button(ADMIN, f"st:r:{cid}:h")
    assert "Rien à relire" in texts(await services.staff.review.queue(ADMIN))


async def test_search_is_forgiving_and_limited_to_the_sites(
    services: Services, clock: FakeClock
) -> None:
    store = services.candidates
    a = await seed_candidate(store, clock.now(), 1001, name="Léa")
    await seed_candidate(store, clock.now(), 1002, name="LÉANE")
    await seed_candidate(store, clock.now(), 1003, name="Zoé", site="marcq")
    several = await services.staff.cards.find(ADMIN, "lea")
    assert "2 candidats" in texts(several) and len(buttons(several)) == 2
    assert "Zoé" in texts(await services.staff.cards.find(ADMIN, "ZOE"))
    assert "Aucun candidat" in texts(await services.staff.cards.find(GONESSE, "zoe"))
    card = await services.staff.cards.find(GONESSE, str(a))
    assert "Étape : Éligible" in texts(card)
    assert "Aucun candidat" in texts(await services.staff.cards.find(MARCQ, str(a)))
    assert "Aucun candidat" in texts(await services.staff.cards.find(MARCQ, "#" + str(a)))


async def test_card_never_shows_gender(services: Services, clock: FakeClock) -> None:
    cid = await seed_candidate(services.candidates, clock.now(), 1001, answers={"gender": "femme"})
    text = texts(await services.staff.cards.find(ADMIN, str(cid)))
    assert "Femme" not in text and "Genre" not in text and "femme" not in text
    assert "Code postal : 95500 (QPV)" in text


async def test_moves_from_the_card_with_cohort_choice(services: Services, clock: FakeClock) -> None:
    staff = services.staff
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    none_yet = await staff.button(ADMIN, f"st:m:{cid}:admitted")
    assert "Impossible de passer" in texts(none_yet)
    await staff.button(ADMIN, f"st:m:{cid}:interview")
    no_cohort = await staff.button(ADMIN, f"st:m:{cid}:admitted")
    assert "Aucune promo ouverte" in texts(no_cohort)
    created = await staff.cohorts.create(
        ADMIN, ["gonesse", "01/03/2027", "30/09/2027", "12", "Promo", "Mars", "2027"]
    )
    assert "Promo Mars 2027" in texts(created)
    denied = await staff.cohorts.create(GONESSE, ["gonesse", "01/03/2027", "30/09/2027", "12", "X"])
    assert "Seul un admin" in texts(denied)
    bad_date = await staff.cohorts.create(ADMIN, ["gonesse", "31/02/2027", "x", "12", "X"])
    assert "Écris" in texts(bad_date)
    choose = await staff.button(ADMIN, f"st:m:{cid}:admitted")
    [data] = buttons(choose).values()
    cohort_id = int(data.rsplit(":", 1)[1])
    marcq_cohort = await services.pipeline.create_cohort(
        site="marcq",
        name="M",
        start=dt.date(2027, 2, 1),
        end=dt.date(2027, 8, 1),
        capacity=5,
        by=1,
        at=clock.now(),
    )
    wrong = await staff.button(ADMIN, f"st:m:{cid}:admitted:{marcq_cohort.id}")
    assert "autre site" in texts(wrong)
    forged = await staff.button(GONESSE, f"st:m:{cid}:admitted:{marcq_cohort.id}")
    assert isinstance(forged.actions[0], Toast) and not texts(forged)
    done = await staff.button(ADMIN, data)
    assert "Entretien → Admis" in texts(done)
    assert await services.pipeline.members(cohort_id) == [cid]
    refused = await staff.moves.command(ADMIN, [str(cid), "sorti", "fin"])
    assert "Impossible de passer de « Admis » à « Sorti (alumni) »" in texts(refused)
    assert "En formation" in texts(refused)
    ok = await staff.moves.command(ADMIN, [str(cid), "en formation", "a", "commencé"])
    assert "Admis → En formation" in texts(ok) and "(a commencé)" in texts(ok)
    cohorts = await staff.cohorts.command(ADMIN)
    assert "1/12 admis" in texts(cohorts)
    assert "Promo Mars 2027" not in texts(await staff.cohorts.command(MARCQ))
    note = await staff.cards.note(ADMIN, [str(cid), "Très", "motivée"])
    assert "Note ajoutée" in texts(note)
    card = texts(await staff.cards.find(ADMIN, str(cid)))
    assert "Très motivée" in card and "→ En formation" in card and "(a commencé)" not in card


async def test_unknown_or_forged_buttons_get_a_short_notice(services: Services) -> None:
    for data in (
        "st:",
        "st:zz",
        "st:c:abc",
        "st:m:1:admitted:x",
        "st:m:1:nonsense",
        "st:r:1:q",
        "st:c:999",
        "st:x:zz",
        "st:p:atlantis",
        "st:s:999",
        "st:m:1",
    ):
        reply = await services.staff.button(ADMIN, data)
        assert reply.actions == [Toast("Ce bouton n'est plus valable.")] or (
            reply.actions[0] == Toast("Candidat introuvable.")
        ), data


async def test_pipeline_funnel_dropoff_and_sources(services: Services, clock: FakeClock) -> None:
    store = services.candidates
    await store.count("start", clock.now(), "mission-locale")
    for _ in range(6):
        await store.count("start", clock.now(), "tiktok")
    await seed_candidate(store, clock.now(), 1001, stop_after="first_name", result=None)
    await seed_candidate(store, clock.now(), 1002, stop_after="postcode", result=None)
    await seed_candidate(store, clock.now(), 1003, stop_after="postcode", result=None)
    await seed_candidate(store, clock.now(), 1004)
    await seed_candidate(store, clock.now(), 1005, site="marcq", source=None)
    text = texts(await services.staff.report.pipeline(ADMIN, []))
    assert "5 candidats" in text
    assert "Ont lancé le bot : 7" in text and "Ont donné leur accord : 5 (−29 %)" in text
    assert "Questionnaire fini : 2 (−60 %)" in text
    # where they stopped: at the question after the first name, and after the postcode
    after_name = fs.label("fr", f"title.{fs.next_key('first_name')}")
    after_postcode = fs.label("fr", f"title.{fs.next_key('postcode')}")
    assert f"{after_name} : 1 (33 %)" in text and f"{after_postcode} : 2 (67 %)" in text
    assert "mission-locale : 4" in text and "sans lien : 1" in text
    site_text = texts(await services.staff.report.pipeline(GONESSE, []))
    assert "4 candidats" in site_text and "Ont lancé" not in site_text
    assert "Je ne connais pas ce site" in texts(
        await services.staff.report.pipeline(GONESSE, ["marcq"])
    )
    assert "Pipeline Marcq-en-Barœul" in texts(
        await services.staff.report.pipeline(ADMIN, ["marcq en baroeul"])
    )


async def make_cohort_with_people(services: Services, clock: FakeClock) -> int:
    """12 places; 6 admitted (2 women); 8 on the shortlist (5 women)."""
    store, p = services.candidates, services.pipeline
    cohort = await p.create_cohort(
        site="gonesse",
        name="Promo Mars 2027",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 30),
        capacity=12,
        by=1,
        at=clock.now(),
    )
    for i in range(6):
        cid = await seed_candidate(
            store,
            clock.now(),
            2000 + i,
            name=f"Admis{i}",
            answers={"gender": "femme" if i < 2 else "homme"},
        )
        await p.move(cid, to="interview", by=1, at=clock.now())
        await p.move(cid, to="admitted", by=1, at=clock.now(), cohort_id=cohort.id)
    for i in range(8):
        clock.advance(dt.timedelta(days=1))
        cid = await seed_candidate(
            store,
            clock.now(),
            3000 + i,
            name=f"Cand{i}",
            answers={
                "gender": "femme" if i % 2 == 0 or i == 7 else "homme",
                "availability": "yes" if i != 1 else "discuss",
                "postcode": "95500" if i < 5 else "95570",
            },
        )
        if i == 5:
            await store.add_event(cid, "session_booked", clock.now())
            await store.add_event(cid, "session_attended", clock.now())
    return cohort.id


async def test_shortlist_order_reasons_and_masked_aggregates(
    services: Services, clock: FakeClock
) -> None:
    await make_cohort_with_people(services, clock)
    reply = await services.staff.shortlist.command(GONESSE, ["promo", "mars", "2027"])
    every = await pages(services, GONESSE, reply)
    assert "Page 1/" in every[0] and every[-1].startswith("📋 Shortlist Promo Mars 2027")
    assert "Mixité" in every[-1] and "Mixité" not in "".join(every[:-1])
    text = "\n".join(every)
    lines = [line for line in text.splitlines() if line[:2].rstrip(".").isdigit()]
    assert lines[0].startswith("1. ⭐ #") and "Cand5" in lines[0]  # attended a session
    assert "Cand1" in lines[-1]  # not available: last
    assert "✓ venu à une réunion" in text and "candidature du" in text
    assert "Le genre n'est jamais un critère" in text
    # aggregates only, masked under 5
    assert "Shortlist : 8 personnes" in text
    # 5 women of 8 would give the 3 others away by subtraction: withheld ("–")
    assert "femmes – · hommes < 5 · autre < 5 · non dit < 5" in text
    assert "part des femmes : 62 %" not in text  # 3 men < 5: shown as a bound
    assert "part des femmes : > 37 %" in text
    assert "Déjà admis : 6 personnes" in text and "part des femmes : < 84 %" in text
    # "< 84 %" straddles the 40 % target: a warning would tell more than the bound
    assert "⚠️ sous l'objectif" not in text
    assert "Si les 6 premiers (⭐) étaient admis : 12 personnes" in text
    for forbidden in ("Femme", "Homme", "Genre"):
        assert forbidden not in text
    assert "Aucun candidat ni promo" in texts(
        await services.staff.shortlist.command(MARCQ, ["promo", "mars", "2027"])
    )
    reply = await services.staff.shortlist.command(ADMIN, ["promo", "mars", "2027", "3"])
    top3 = "\n".join(await pages(services, ADMIN, reply))
    # fewer than 5 added people: no "what if", their genders would show by difference
    assert "Si les 3 premiers étaient admis : pas de calcul sous 5 personnes" in top3
    assert top3.count("⭐") == 3 and "part des femmes" in top3
    reply = await services.staff.shortlist.command(ADMIN, ["promo", "mars", "2027", "5"])
    top5 = "\n".join(await pages(services, ADMIN, reply))
    assert "Si les 5 premiers (⭐) étaient admis : 11 personnes" in top5


async def test_digest_counts_and_suggests_outreach(services: Services, clock: FakeClock) -> None:
    cohort_id = await make_cohort_with_people(services, clock)
    # 2 women among 6 admitted only says "< 84 %", which does not tell whether the cohort is
    # under 40 %; with 7 more men admitted (2 of 13, beyond the 12 places: an admin confirmed),
    # "< 39 %" does
    for i in range(7):
        cid = await seed_candidate(
            services.candidates, clock.now(), 2100 + i, answers={"gender": "homme"}
        )
        await services.pipeline.move(cid, to="interview", by=1, at=clock.now())
        await services.pipeline.move(
            cid, to="admitted", by=1, at=clock.now(), cohort_id=cohort_id, over_capacity=True
        )
    services.staff.digest.bot_username = "fabnum_bot"
    text = await services.staff.digest.text()
    assert "part des femmes : <b>&lt; 39 %</b>" in text
    assert "Nouveaux candidats : <b>15</b>" in text  # in the last 7 days (8 + the 7 above)
    assert "Promo Mars 2027" in text and "8 sur la shortlist" in text
    assert "sous l'objectif de 40 % de femmes" in text
    assert "https://t.me/fabnum_bot?start=partenaire-femmes-numerique" in text
    clock.advance(dt.timedelta(days=30))
    later = await services.staff.digest.text({"marcq"})
    assert "Nouveaux candidats : <b>0</b>" in later and "Aucune promo ouverte" in later


async def test_card_shows_every_answer_of_the_flow_but_gender(
    services: Services, clock: FakeClock
) -> None:
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    card = texts(await services.staff.cards.find(ADMIN, str(cid)))
    given = fs.profile(gender="no_answer")
    # name and site are the card's title
    for line in fs.lines(given, but=("first_name", "gender", "site")):
        assert line in card, line
    assert card.startswith(f"🗂 #{cid} Léa · {fs.shown('site', given)}")
    assert fs.label("fr", "title.gender") not in card
    assert fs.shown("gender", given) not in card


async def test_pipeline_export_has_a_column_per_question_in_the_flow_order(
    services: Services, clock: FakeClock
) -> None:
    await seed_candidate(services.candidates, clock.now(), 1001, name="Léa")
    reply = await services.staff.exports.command(ADMIN, ["pipeline"])
    [file] = [a for a in reply.actions if isinstance(a, SendFile)]
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    labels = fs._renderer().labels("fr")
    questions = [k for k in fs.question_keys() if k not in ("site", "first_name", "gender")]
    titles = [labels.get(f"csv.{k}") or labels[f"title.{k}"] for k in questions]
    # the columns of the questions, in the flow's order, with the QPV one after the postcode
    columns = [h for h in header if h in titles]
    assert columns == titles
    postcode = labels["csv.postcode"]
    assert header[header.index(postcode) + 1] == "Code postal avec QPV"
    given = fs.profile(gender="no_answer")
    for key, title in zip(questions, titles, strict=True):
        assert row[title] == fs.shown(key, given), key
    assert row["Ce qui te plaît"] == "💻 Coder"  # multi-select: the labels ticked
    # the columns other than questions are where they were, and gender has none, ever
    fixed = ["Numéro", "Prénom", "Site", "Étape", "Résultat questionnaire", "Revue", "Source"]
    assert header[: len(fixed)] == fixed
    assert header[-3:] == ["Accord donné le", "Questionnaire envoyé le", "Promo"]
    assert not any("enre" in h for h in header)
    before = ["Naissance", "Situation", "Diplôme", "Code postal", "Code postal avec QPV"]
    before += ["Disponible", "Suivi par", "Accord donné le", "Questionnaire envoyé le", "Promo"]
    assert [h for h in header if h in before] == before  # today's columns keep their order


async def test_exports_are_audited(services: Services, clock: FakeClock) -> None:
    await seed_candidate(services.candidates, clock.now(), 1001)
    reply = await services.staff.exports.command(ADMIN, ["pipeline"])
    [file] = [a for a in reply.actions if isinstance(a, SendFile)]
    assert file.filename == "pipeline-2026-11-25.csv"
    log = await services.pipeline.audit_log()
    assert log[-1]["action"] == "export" and log[-1]["detail"] == {"what": "pipeline", "rows": 1}


async def test_etape_takes_french_stage_names_and_attendance_waits_for_the_session(
    services: Services, clock: FakeClock
) -> None:
    staff = services.staff
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    usage = texts(await staff.moves.command(GONESSE, [str(cid)]))
    assert "/etape 12 entretien" in usage and "venu (Venu à la réunion)" in usage
    assert "interview" not in usage
    starts = clock.now() + dt.timedelta(days=2)
    session_id = await services.sessions.admin.create_session(
        site="gonesse", starts_at=starts, capacity=5, place="FabNum", address="3 rue de Paris"
    )
    await services.sessions.store.book(cid, 1001, "gonesse", session_id, clock.now())
    assert await services.pipeline.stage_of(cid) is Stage.SESSION_BOOKED
    for word in ("venu", "attended", "absent"):
        early = texts(await staff.moves.command(GONESSE, [str(cid), word]))
        assert "Pas encore" in early and "27/11/2026" in early, word
        assert await services.pipeline.stage_of(cid) is Stage.SESSION_BOOKED
    clock.advance(dt.timedelta(days=2, minutes=1))
    came = texts(await staff.moves.command(GONESSE, [str(cid), "Venu"]))
    assert "Réunion réservée → Venu à la réunion" in came
    interview = texts(await staff.moves.command(GONESSE, [str(cid), "entretien"]))
    assert "→ Entretien" in interview
