"""A small footprint (issue 14): what only exports and reports use (matplotlib, numpy, the
report code) is imported where it is used, not when the bot starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "numpy", "PIL", "bot.reports.charts", "bot.reports.html")

PROBE = """
import json, sys
from pathlib import Path
from bot.app import build_application
from bot.config import Settings

application = build_application(
    Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=Path(sys.argv[1]))
)
heavy = sys.argv[2].split(",")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m in heavy)))
"""


def loaded_after_build(tmp_path: Path, heavy: tuple[str, ...]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "t.db"), ",".join(heavy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_building_the_application_imports_no_chart_or_report_code(tmp_path: Path) -> None:
    assert loaded_after_build(tmp_path, HEAVY) == []


def test_the_probe_sees_a_module_that_is_imported(tmp_path: Path) -> None:
    """The check above can fail: jinja2, which the bot does import at start, is seen."""
    assert "jinja2" in loaded_after_build(tmp_path, ("jinja2",))
