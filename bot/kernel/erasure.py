"""The erasure of a person, as the features that keep something of them outside their rows see it.

`Erasing` is announced inside the transaction that erases a candidate (/supprimer, the retention
purge, an erasure re-applied after a restore), before their rows are deleted
(`Work.announce`): a handler still reads what it needs (the forum topic to delete) and writes
what must commit with the erasure (an outbox row; the erasure journal of bot/ops).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Erasing:
    candidate_id: int
    telegram_id: int  # for the erasure journal (kept there only as a keyed hash)
    at: dt.datetime
    reason: str  # candidate_request, retention, restore
