"""The "msg:" buttons: under a relayed message (close the thread) and on the staff card (write)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class CloseThread:
    """🔒 Clore, under a candidate's message relayed to staff."""

    candidate_id: int


@dataclass(frozen=True)
class WriteTo:
    """✍️ Écrire, on the staff card: says how to write to the candidate."""

    candidate_id: int


MESSAGES = Codec("msg", {"close": CloseThread, "write": WriteTo})
