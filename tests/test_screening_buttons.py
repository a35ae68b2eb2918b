"""The screening's buttons (bot/screening/buttons.py): every callback string the screening has
ever sent still decodes to its button, and each button encodes to exactly that string."""

from __future__ import annotations

import re

import pytest

from bot.screening import buttons as b

TODAY = [
    # the privacy notice (source "" when the deep link had none: the trailing colon was sent)
    ("consent:yes:fr:partner-x", b.Accept("fr", "partner-x")),
    ("consent:yes:en:", b.Accept("en", "")),
    ("consent:no:fr", b.Refuse("fr")),
    ("lang:en:partner-x", b.PickLanguage("en", "partner-x")),
    ("lang:fr:", b.PickLanguage("fr", "")),
    # /langue
    ("lang:en", b.PickLanguage("en")),
    # a question, the summary
    ("ans:site:gonesse", b.Answer("site", "gonesse")),
    ("ans:left_school:6to12m", b.Answer("left_school", "6to12m")),
    ("tog:interests:3d_printing", b.Toggle("interests", "3d_printing")),
    ("done:interests", b.Done("interests")),
    ("back:birth", b.Back("birth")),
    ("edit:postcode", b.Edit("postcode")),
    ("confirm", b.Confirm()),
    # /recommencer, /supprimer, /annuler and the nudges, a result's /humain
    ("restart:yes", b.StartOver()),
    ("restart:no", b.KeepAnswers()),
    ("delete:yes", b.EraseMe()),
    ("delete:no", b.KeepMyData()),
    ("resume", b.Resume()),
    ("human", b.Human()),
]


@pytest.mark.parametrize(("data", "button"), TODAY)
def test_todays_strings_decode_and_encode_unchanged(data: str, button: b.ScreeningButton) -> None:
    assert b.decode(data) == button
    assert b.encode(button) == data


def test_older_consent_strings_without_language_or_source_still_decode() -> None:
    assert b.decode("consent:yes") == b.Accept()
    assert b.decode("consent:yes:fr") == b.Accept("fr")
    assert b.decode("consent:no") == b.Refuse()


@pytest.mark.parametrize(
    "data",
    [
        "",
        "zzz",
        "ans",
        "ans:first_name",
        "ans:first_name:x:y",
        "tog:x",
        "done",
        "consent",
        "consent:maybe",
        "lang",
        "delete:maybe",
        "restart",
        "humans",
        "resumed",
        "re:yes:result",  # re-engagement's
        "st:m:1:admitted",  # the staff's
        "s:book:1",  # the sessions'
        "fu:1:x",  # the alumni's
    ],
)
def test_other_or_malformed_strings_are_not_screening_buttons(data: str) -> None:
    assert b.decode(data) is None


def test_each_codec_owns_its_prefix_only() -> None:
    for data, _button in TODAY:
        owners = [codec for codec in b.CODECS if re.match(codec.pattern, data)]
        assert len(owners) == 1, data
