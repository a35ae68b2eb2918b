"""Decision messages' buttons ("dec:"), under the preview a staff member gets:

SendIt(12) <-> "dec:s:12"   EditIt(12) <-> "dec:e:12"   DropIt(12) <-> "dec:d:12"
(12: the decision message's id, not the candidate's number).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class SendIt:
    message_id: int


@dataclass(frozen=True)
class EditIt:
    message_id: int


@dataclass(frozen=True)
class DropIt:
    message_id: int


DecisionButton = SendIt | EditIt | DropIt
CODEC = Codec("dec", {"s": SendIt, "e": EditIt, "d": DropIt})
