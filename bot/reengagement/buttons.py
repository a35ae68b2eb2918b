"""Re-engagement's buttons ("re:"), typed, with the strings they have always been sent as:

OptIn("r")  <-> "re:yes:r"   OptOut("w") <-> "re:no:w"   (under the question; r result, w
Withdraw()  <-> "re:off"     (under the confirmation)       waiting list: bot/core/reengagement)
Apply()     <-> "re:go"      (under the next cohort's message: restart the application)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class OptIn:
    origin: str  # a bot.core.reengagement.Origin value; an unknown one is answered as stale


@dataclass(frozen=True)
class OptOut:
    origin: str


@dataclass(frozen=True)
class Withdraw:
    pass


@dataclass(frozen=True)
class Apply:
    pass


ReengagementButton = OptIn | OptOut | Withdraw | Apply
CODEC = Codec("re", {"yes": OptIn, "no": OptOut, "off": Withdraw, "go": Apply})
