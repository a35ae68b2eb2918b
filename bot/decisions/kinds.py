"""Decision messages' outbox kinds."""

from __future__ import annotations

import datetime as dt

PREVIEW_KIND = "decision.preview"  # to the staff member who decided: the text and 3 buttons
SEND_KIND = "decision.send"  # to the candidate (at least once: a copy beats no news)
SEND_VALID = dt.timedelta(days=14)  # after that, a decision message is stale (dropped)
