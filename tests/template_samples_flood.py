"""Sample contexts for the flood-guard templates (picked up by tests/test_templates.py)."""

from __future__ import annotations

from typing import Any

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "slow_down": [{}],
    "group_left": [{}],
}
