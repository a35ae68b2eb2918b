"""deploy/fabnum-bot.service (issue 14): the hardening the guide promises, checked by
`systemd-analyze verify` where systemd is installed (its warnings count as failures)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "fabnum-bot.service"


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(("#", ";")):
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_runs_the_bot_hardened_and_writes_only_its_data_folder() -> None:
    unit = directives(UNIT.read_text(encoding="utf-8"))
    assert unit["User"] == ["fabnum"] and unit["Group"] == ["fabnum"]
    assert unit["ExecStart"] == ["/opt/fabnum-bot/.venv/bin/python -m bot run"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"] == ["/etc/fabnum-bot/fabnum-bot.env"]
    assert unit["ReadWritePaths"] == ["/var/lib/fabnum-bot"]
    assert unit["StateDirectory"] == ["fabnum-bot"]  # /var/lib/fabnum-bot, owned by the user
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
        "NoNewPrivileges": "true",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
        "StateDirectoryMode": "0700",
    }.items():
        assert unit[key] == [value], key
    # the command the unit runs exists (a configuration mistake exits 2: no restart loop)
    assert unit["RestartPreventExitStatus"] == ["2"]
    main = (ROOT / "bot" / "__main__.py").read_text(encoding="utf-8")
    assert 'sub.add_parser("run"' in main and "return 2" in main


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed here (no systemd): the unit is checked on a server",
)
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: point it at this Python and this checkout
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/fabnum-bot/.venv/bin/python", sys.executable)
    text = text.replace("WorkingDirectory=/opt/fabnum-bot", f"WorkingDirectory={ROOT}")
    unit = tmp_path / "fabnum-bot.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    # the same check sees a mistake: an unknown key is only a warning, which fails the test above
    (tmp_path / "bad.service").write_text(
        text.replace("NoNewPrivileges=true", "NoNewPrivilege=true"), encoding="utf-8"
    )
    bad = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "bad.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "NoNewPrivilege" in bad.stdout + bad.stderr
    # systemd's own exposure score, where this systemd can compute it offline (250 and later)
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
    if security.returncode == 0 and score:
        assert float(score.group(1)) <= 2.0, security.stdout[-2000:]
