"""Sample contexts for the staff templates (bot/templates/<lang>/staff/), for test_templates."""

from __future__ import annotations

from typing import Any

NASTY = '<b>Léa & "Zoé"</b>'
C = {
    "id": 12,
    "first_name": NASTY,
    "site": "Gonesse",
    "stage": "Entretien",
    "result": "oriented",
    "applied": "25/11/2026",
}
C_EMPTY = {**C, "first_name": "", "result": None}
REASONS = ["qualification_higher", "outside_territory", "unknown_code"]
AGG = {
    "count": 12,
    "genders": {"women": "5", "men": "6", "other": "< 5", "not_said": "< 5", "total": "12"},
    "women_share": "42 %",
    "below_target": False,
    "qpv_share": "< 42 %",
    "sources": [
        ("mission-locale-gonesse", "6"),
        ("france-travail-sarcelles", "5"),
        ("partenaire-femmes-numerique", "5"),
        ("<script>", "< 5"),
    ],
}
AGG_SMALL = {
    "count": 3,
    "genders": {"women": "< 5", "men": "< 5", "other": "< 5", "not_said": "< 5", "total": "< 5"},
    "women_share": "–",
    "below_target": None,
    "qpv_share": "–",
    "sources": [],
}
# The reasons of a shortlist line, every ranking fact (bot/pipeline/shortlist.py _reasons).
RANK_REASONS = [
    "✓ entretien passé, venu à une réunion, disponible, suivi (ML, FT, CEJ), code postal QPV",
    "candidature du 01/11/2026",
]
AGG_LOW = {**AGG, "women_share": "< 36 %", "below_target": True}
AT = "25/11/2026 10:00"
# A card's answers, as many as the screening asks (gender and first name are never shown).
ANSWERS = [
    {"key": k, "title": t, "value": v}
    for k, t, v in (
        ("birth", "Naissance", "06/2005"),
        ("situation", "Situation", "🙌 Rien de tout ça"),
        ("qualification", "Diplôme", "Aucun diplôme"),
        ("left_school", "Sortie de l'école", "Il y a plus d'1 an"),
        ("postcode", "Code postal", "59700"),
        ("availability", "Disponible", "💬 À discuter"),
        ("interests", "Ce qui te plaît", "💻 Coder, 🎨 Créer"),
        ("followed_by", "Suivi par", "France Travail"),
    )
]
# History lines as cards.py gives them (a move's reason cut to 60 characters on the card).
HISTORY = [
    {
        "at": AT,
        "kind": k,
        "to": "Liste d'attente",
        "decision": d,
        "result": "eligible",
        "by": b,
        "reason": r,
    }
    for k, d, b, r in (
        ("consented", None, None, None),
        ("submitted", None, None, None),
        ("stage", None, 1234567890, NASTY + " " + "z" * 40),
        ("review", "overturned", 42, None),
        ("review", "weird", 42, None),
        ("human_requested", None, None, None),
        ("paused", None, None, None),
        ("restarted", None, None, None),
        ("session_booked", None, None, None),
        ("decision_message", "admitted", 42, None),
        ("decision_message", "weird", 42, None),
        ("reengagement_opt_out", None, None, None),
        ("interview_answer", None, None, None),
    )
]
DIGEST_COUNTS = {
    "since": "18/11/2026",
    "new": 4,
    "finished": 3,
    "reviews": 2,
    "target": 40,
    "outreach_link": "https://t.me/fabnum_bot?start=partenaire-femmes-numerique",
}
COHORT = {"id": 3, "name": NASTY, "site": "Gonesse", "start": "01/03/2027", "capacity": 12}

DIGEST_COHORT = {
    "cohort": {**COHORT, "name": "Promo de la rentrée de mars 2027 à Marcq-en-Barœul"},
    "total": 9,
    "top_n": 4,
    "shortlist": AGG,
    "admitted": AGG_LOW,
    "what_if": AGG,
}
DIGEST_SMALL = {
    "cohort": COHORT,
    "total": 1,
    "top_n": 1,
    "shortlist": AGG_SMALL,
    "admitted": AGG_SMALL,
    "what_if": None,
}

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "staff/who": [{"c": C}, {"c": C_EMPTY}],
    "staff/reasons": [{"reasons": REASONS}],
    "staff/aggregates": [
        {"title": "Shortlist", "a": AGG, "target": 40, "small": 5, "brief": False},
        {"title": NASTY, "a": AGG_SMALL, "target": 40, "small": 5, "brief": False},
        {"title": "x", "a": AGG_LOW, "target": 40, "small": 5, "brief": True},
    ],
    "staff/help": [
        {"is_admin": True, "sites": []},
        {"is_admin": False, "sites": ["Gonesse"]},
        {"is_admin": False, "sites": ["Gonesse", "Marcq-en-Barœul", NASTY]},
    ],
    "staff/help_topic": [
        {"topic": t, "is_admin": a}
        for t in ("cand", "meet", "promo", "msg", "alum", "guide")
        for a in (True, False)
    ],
    "staff/guide": [{"missing": False}, {"missing": True}],
    "staff/unknown_site": [{"sites": ["gonesse (Gonesse)", "<b>"]}],
    "staff/usage": [{"what": w} for w in ("candidate", "move", "note", "new_cohort", "other")]
    + [{"what": "move", "stages": [{"fr": "entretien", "en": "interview", "label": "Entretien"}]}],
    "staff/toast": [{"what": w} for w in ("not_found", "already_done", "stale")],
    "staff/review_header": [
        {"count": 0, "shown": 0},
        {"count": 3, "shown": 3},
        {"count": 20, "shown": 8},
        {"count": 2, "shown": 1},
    ],
    "staff/review_item": [
        {"c": C, "to_review": True, "human": True, "reasons": REASONS},
        {"c": {**C, "result": "review"}, "to_review": True, "human": False, "reasons": []},
        {"c": C_EMPTY, "to_review": False, "human": True, "reasons": []},
    ],
    "staff/not_found": [{"query": NASTY}, {"query": 12}],
    "staff/search_results": [{"query": NASTY, "count": 20, "shown": 15}],
    "staff/card": [
        {  # everything a card can hold, as cards.py shrinks it to fit (its last layouts)
            "c": C,
            "source": "mission-locale-gonesse",
            "reasons": REASONS,
            "answers": ANSWERS,
            "history": [],
            "history_more": 11,
            "notes": {"shown": [], "more": 4, "cut": False},
            "human": True,
            "qpv": True,
            "interview": {"at": "03/12/2026 14:00", "place": NASTY, "answer": None},
        },
        {  # a full card with a line of history and a note cut short
            "c": C,
            "source": "mission-locale",
            "reasons": ["qualification_higher"],
            "answers": ANSWERS,
            "history": [HISTORY[9]],
            "history_more": 10,
            "notes": {
                "shown": [{"at": AT, "by": 42, "text": "x" * 59 + "…"}],
                "more": 3,
                "cut": True,
            },
            "human": False,
            "qpv": True,
            "interview": None,
        },
        {  # a card with few answers: its first layout, three lines and two notes
            "c": {**C, "result": "review"},
            "source": "<script>",
            "reasons": ["qualification_bac"],
            "answers": ANSWERS[:2],
            "history": HISTORY[:3],
            "history_more": 2,
            "notes": {
                "shown": [
                    {"at": AT, "by": 42, "text": "y" * 95},
                    {"at": AT, "by": 42, "text": NASTY},
                ],
                "more": 1,
                "cut": False,
            },
            "human": False,
            "qpv": False,
            "interview": None,
        },
        {
            "c": C_EMPTY,
            "source": None,
            "reasons": [],
            "answers": [],
            "history": [],
            "history_more": 0,
            "notes": {"shown": [], "more": 0, "cut": False},
            "human": False,
            "qpv": False,
            "interview": None,
        },
        {
            "c": C,
            "source": None,
            "reasons": [],
            "answers": [],
            "history": [],
            "history_more": 0,
            "notes": {
                "shown": [{"at": AT, "by": 42, "text": NASTY + "…"}],
                "more": 1,
                "cut": True,
            },
            "human": False,
            "qpv": False,
            "interview": {"at": "03/12/2026 14:00", "place": NASTY, "answer": "cannot"},
        },
        {
            "c": C,
            "source": None,
            "reasons": [],
            "answers": [],
            "history": HISTORY[3:6],
            "history_more": 0,
            "notes": {
                "shown": [{"at": AT, "by": 42, "text": NASTY + "…"}],
                "more": 0,
                "cut": True,
            },
            "human": False,
            "qpv": False,
            "interview": {"at": "03/12/2026 14:00", "place": "FabNum", "answer": "coming"},
        },
    ],
    "staff/history_line": [{"h": h} for h in HISTORY],
    "staff/history": [
        {"c": C, "history": HISTORY[:6], "page": 1, "pages": 2},
        {"c": C, "history": [{**HISTORY[2], "reason": "r" * 99}] * 4, "page": 2, "pages": 3},
        {"c": C_EMPTY, "history": HISTORY[6:], "page": 1, "pages": 1},
        {"c": C_EMPTY, "history": [], "page": 1, "pages": 1},
    ],
    "staff/no_cohort": [{"site": "Gonesse"}, {"site": None}],
    "staff/choose_cohort": [{"c": C, "target": "Admis"}],
    "staff/refused": [
        {"reason": r, "stage": "Éligible", "target": "Admis", "allowed": a}
        for r in ("not_allowed", "already_there", "no_cohort", "unknown")
        for a in (["Entretien"], [])
    ]
    + [{"reason": "other_site", "stage": "Entretien", "target": "Admis"}]
    + [
        {
            "reason": "not_started",
            "stage": "Réunion réservée",
            "target": "Venu à la réunion",
            "when": "27/11/2026 14:00",
        }
    ],
    "staff/moved": [
        {"c": C, "previous": "Éligible", "reason": NASTY},
        {"c": C, "previous": "Éligible", "reason": None},
    ],
    "staff/noted": [{"c": C}],
    "staff/note_how": [{"c": C}],
    "staff/notes": [
        {
            "c": C,
            "notes": [{"at": "25/11/2026 10:00", "by": 42, "text": NASTY}],
            "page": 1,
            "pages": 1,
        },
        {"c": C_EMPTY, "notes": [{"at": "x", "by": 1, "text": "a"}] * 3, "page": 2, "pages": 3},
    ],
    "staff/note_too_long": [{"c": C, "length": 1234, "most": 1000}],
    "staff/note_back": [{"id": 12, "text": NASTY}],
    "staff/cohorts": [
        {
            "cohorts": [
                {
                    "id": 1,
                    "name": NASTY,
                    "site": "Gonesse",
                    "start": "01/03/2027",
                    "end": "30/09/2027",
                    "capacity": 12,
                    "admitted": 3,
                    "waitlisted": w,
                    "open": o,
                }
                for w, o in ((0, True), (2, False))
            ],
            "is_admin": True,
        },
        {"cohorts": [], "is_admin": True},
        {"cohorts": [], "is_admin": False},
    ],
    "staff/admin_only": [{}],
    "staff/cohort_full": [
        {"c": C, "cohort": NASTY, "capacity": 1, "admitted": 1, "is_admin": True},
        {"c": C_EMPTY, "cohort": 3, "capacity": 12, "admitted": 13, "is_admin": False},
    ],
    "staff/cohort_exists": [{"cohort_name": NASTY}],
    "staff/cohort_created": [
        {
            "cohort_name": name,
            "site": "Gonesse",
            "start": "01/03/2027",
            "end": "30/09/2027",
            "capacity": 12,
        }
        for name in (NASTY, "Promo mars 2027", "Cohort March 2027")
    ],
    "staff/pick_cohort": [{"what": "shortlist"}, {"what": "export"}],
    "staff/export_menu": [{}],
    "staff/export_caption": [
        {"what": "pipeline", "count": 3},
        {"what": "shortlist", "count": 3, "cohort": NASTY},
        {"what": "chart", "count": 3},
    ],
    "staff/shortlist": [
        {  # as shortlist.py packs a page: as many lines as fit in 700 characters
            "cohort": COHORT,
            "lines": [
                {"position": 1, "c": C, "reasons": RANK_REASONS, "in_top": True},
                {"position": 2, "c": C_EMPTY, "reasons": [], "in_top": False},
                {"position": 29, "c": C, "reasons": RANK_REASONS, "in_top": False},
            ],
            "total": 40,
            "more": 10,
            "rules": ["entretien passé", "venu à une réunion", "disponible", "suivi", "QPV"],
            "first": True,
            "page": 1,
            "pages": 9,
        },
        {
            "cohort": COHORT,
            "lines": [{"position": 30, "c": C, "reasons": RANK_REASONS, "in_top": False}] * 3,
            "total": 40,
            "more": 10,
            "rules": [],
            "first": False,
            "page": 8,
            "pages": 9,
        },
        {
            "cohort": COHORT,
            "lines": [],
            "total": 0,
            "more": 0,
            "rules": [],
            "first": True,
            "page": 1,
            "pages": 2,
        },
    ],
    "staff/shortlist_mix": [
        {
            "cohort": COHORT,
            "shortlist": AGG,
            "admitted": AGG,
            "what_if": AGG_LOW,
            "top_n": 8,
            "target": 40,
            "small": 5,
            "page": 9,
            "pages": 9,
        },
        {
            "cohort": COHORT,
            "shortlist": AGG_SMALL,
            "admitted": AGG_SMALL,
            "what_if": None,
            "top_n": 3,
            "target": 40,
            "small": 5,
            "page": 2,
            "pages": 2,
        },
    ],
    "staff/digest": [
        {  # as digest.py packs it: the counts, then as many cohorts as fit in 700 characters
            **DIGEST_COUNTS,
            "cohorts": [DIGEST_SMALL],
            "header": True,
            "no_cohort": False,
            "footer": True,
        },
        {
            **DIGEST_COUNTS,
            "cohorts": [DIGEST_COHORT],
            "header": False,
            "no_cohort": False,
            "footer": True,
        },
        {
            **DIGEST_COUNTS,
            "cohorts": [{**DIGEST_COHORT, "admitted": AGG}, DIGEST_SMALL],
            "header": False,
            "no_cohort": False,
            "footer": False,
        },
        {**DIGEST_COUNTS, "cohorts": [], "header": True, "no_cohort": True, "footer": False},
        {**DIGEST_COUNTS, "cohorts": [], "header": True, "no_cohort": False, "footer": False},
    ],
    "staff/digest_calls": [
        {"total": 0, "people": [], "more": 0},
        {
            "total": 14,
            "people": [
                {
                    "id": 4,
                    "first_name": NASTY,
                    "cohort": c,
                    "milestone": m,
                    "why": w,
                    "since": "30/06/2027",
                }
                for c, m, w in ((NASTY, 0, "no_answer"), ("P1", 3, "blocked"), ("", 6, "stopped"))
            ],
            "more": 11,
        },
        {
            "total": 1,
            "people": [
                {
                    "id": 4,
                    "first_name": "Bilal",
                    "cohort": "P1",
                    "milestone": 12,
                    "why": "no_answer",
                    "since": "30/06/2027",
                }
            ],
            "more": 0,
        },
    ],
    "staff/pipeline": [
        {
            "site": NASTY,
            "all_sites": False,
            "total": 10,
            "stages": [{"label": "Éligible", "count": 3}],
            "funnel": [
                {"label": "Ont lancé", "count": 10, "drop": None},
                {"label": "Accord", "count": 8, "drop": 20},
            ],
            "dropoff": [{"label": "Prénom", "count": 2, "percent": 50}],
            "sources": [{"source": "<script>", "count": 2}, {"source": "", "count": 1}],
        },
        {
            "site": None,
            "all_sites": True,
            "total": 0,
            "stages": [],
            "funnel": [],
            "dropoff": [],
            "sources": [],
        },
    ],
}
