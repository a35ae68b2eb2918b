"""Re-engagement's outbox message kinds and the names its rows are found by."""

from __future__ import annotations

import datetime as dt

ASK_KIND = "reengage.ask"  # "you are on the waiting list; shall I tell you about the next one?"
COHORT_KIND = "reengage.cohort"  # "the next cohort of your site opens"
# Unsolicited messages: after a crash mid-send, never risk a second copy (bot/outbox/dispatcher).
AT_MOST_ONCE = frozenset({ASK_KIND, COHORT_KIND})
ASK_VALID = dt.timedelta(days=7)  # a waiting-list message later than that is stale


def subject(candidate_id: int) -> str:
    return f"reengage:{candidate_id}"
