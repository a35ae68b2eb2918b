"""The screening's buttons: one dataclass each, and the codecs that turn them into the callback
strings the bot has always sent (bot/kernel/callbacks.py). Buttons stay in chats for months: the
wire format never changes.

    consent:yes:<lang>:<source>   consent:no:<lang>   (the privacy notice; source "" for none)
    lang:<lang>:<source>   (under the notice)   lang:<lang>   (/langue)
    ans:<step>:<choice>   tog:<step>:<choice>   done:<step>   back:<step>   (a question)
    edit:<step>   confirm   (the summary)
    restart:yes   restart:no   delete:yes   delete:no   (/recommencer, /supprimer)
    resume   (after /annuler, and the nudges)   human   (under a result: /humain)

The re-engagement question under a result (`re:yes:result`, `re:no:result`) is re-engagement's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class Accept:
    """I accept the privacy notice (in this language; the deep link's source, "" for none)."""

    language: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Refuse:
    language: str | None = None


@dataclass(frozen=True)
class PickLanguage:
    language: str
    source: str | None = None  # under the notice only ("" for none), kept until consent


@dataclass(frozen=True)
class Answer:
    """A choice of a one-choice question."""

    step: str
    choice: str


@dataclass(frozen=True)
class Toggle:
    """Tick or untick a choice of a multi-choice question."""

    step: str
    choice: str


@dataclass(frozen=True)
class Done:
    """The ticks of a multi-choice question are the answer."""

    step: str


@dataclass(frozen=True)
class Back:
    """The question before this one, again."""

    step: str


@dataclass(frozen=True)
class Edit:
    """Change this answer (from the summary)."""

    step: str


@dataclass(frozen=True)
class Confirm:
    """The summary is right: the result."""


@dataclass(frozen=True)
class StartOver:
    """Yes, erase my answers and start again."""


@dataclass(frozen=True)
class KeepAnswers:
    """No, do not start again."""


@dataclass(frozen=True)
class EraseMe:
    """Yes, erase all my data."""


@dataclass(frozen=True)
class KeepMyData:
    """No, keep my data."""


@dataclass(frozen=True)
class Resume:
    """Carry on where I stopped."""


@dataclass(frozen=True)
class Human:
    """I want a person to look at my application."""


CONSENT = Codec("consent", {"yes": Accept, "no": Refuse})
LANGUAGE = Codec("lang", {"": PickLanguage})
ANSWER = Codec("ans", {"": Answer})
TOGGLE = Codec("tog", {"": Toggle})
DONE = Codec("done", {"": Done})
BACK = Codec("back", {"": Back})
EDIT = Codec("edit", {"": Edit})
CONFIRM = Codec("confirm", {"": Confirm})
RESTART = Codec("restart", {"yes": StartOver, "no": KeepAnswers})
DELETE = Codec("delete", {"yes": EraseMe, "no": KeepMyData})
RESUME = Codec("resume", {"": Resume})
HUMAN = Codec("human", {"": Human})

CODECS = (
    CONSENT,
    LANGUAGE,
    ANSWER,
    TOGGLE,
    DONE,
    BACK,
    EDIT,
    CONFIRM,
    RESTART,
    DELETE,
    RESUME,
    HUMAN,
)

ScreeningButton = (
    Accept
    | Refuse
    | PickLanguage
    | Answer
    | Toggle
    | Done
    | Back
    | Edit
    | Confirm
    | StartOver
    | KeepAnswers
    | EraseMe
    | KeepMyData
    | Resume
    | Human
)
QuestionButton = Answer | Toggle | Done | Back | Edit | Confirm

_CODEC_OF: dict[type[object], Codec] = {
    kind: codec
    for codec, kinds in (
        (CONSENT, (Accept, Refuse)),
        (LANGUAGE, (PickLanguage,)),
        (ANSWER, (Answer,)),
        (TOGGLE, (Toggle,)),
        (DONE, (Done,)),
        (BACK, (Back,)),
        (EDIT, (Edit,)),
        (CONFIRM, (Confirm,)),
        (RESTART, (StartOver, KeepAnswers)),
        (DELETE, (EraseMe, KeepMyData)),
        (RESUME, (Resume,)),
        (HUMAN, (Human,)),
    )
    for kind in kinds
}


def encode(button: ScreeningButton) -> str:
    return _CODEC_OF[type(button)].encode(button)


def decode(data: str) -> ScreeningButton | None:
    """The screening button a string stands for, or None (another feature's, stale, forged)."""
    for codec in CODECS:
        if codec.owns(data):
            found: ScreeningButton | None = codec.decode(data)
            return found
    return None
