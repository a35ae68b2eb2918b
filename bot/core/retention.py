"""How long personal data is kept (CNIL): pure date arithmetic, no database.

- Candidates never admitted: erased `candidate_months` after their last contact (24 by default,
  the CNIL's usual maximum for recruitment).
- Alumni: their follow-up ends on the last survey's day plus its call window; everything about
  them is erased `alumni_delay_months` after that. Only anonymous counts are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.followup import FollowupPolicy, add_months, followup_end


@dataclass(frozen=True)
class RetentionPolicy:
    candidate_months: int = 24
    alumni_delay_months: int = 6

    def __post_init__(self) -> None:
        if self.candidate_months < 1:
            raise ValueError("candidates must be kept at least 1 month")
        if self.alumni_delay_months < 0:
            raise ValueError("alumni_delay_months cannot be negative")


def candidate_cutoff(now: dt.datetime, policy: RetentionPolicy) -> dt.datetime:
    """Candidates whose last contact is strictly before this instant are erased."""
    day = add_months(now.date(), -policy.candidate_months)
    return dt.datetime.combine(day, now.timetz())


def candidate_expires(last_contact: dt.datetime, policy: RetentionPolicy) -> dt.datetime:
    """The instant from which a candidate with this last contact is erased."""
    day = add_months(last_contact.date(), policy.candidate_months)
    return dt.datetime.combine(day, last_contact.timetz())


def alumni_expires(exit_day: dt.date, followup: FollowupPolicy, policy: RetentionPolicy) -> dt.date:
    """The first day on which an alumnus's data is erased."""
    return add_months(followup_end(exit_day, followup), policy.alumni_delay_months) + dt.timedelta(
        days=1
    )


def alumni_erasable(
    exit_day: dt.date, today: dt.date, followup: FollowupPolicy, policy: RetentionPolicy
) -> bool:
    return today >= alumni_expires(exit_day, followup, policy)
