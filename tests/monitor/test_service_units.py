"""The systemd units an IT person installs are valid, hardened, and start the right commands."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).resolve().parents[2] / "config" / "systemd").glob("*.service"))
HARDENING = ("NoNewPrivileges=true", "PrivateTmp=true", "ProtectSystem=strict", "User=gatepost", "UMask=0077")


def test_there_is_a_unit_for_serve_run_and_worker_each_hardened() -> None:
    assert [u.name for u in UNITS] == [
        "gatepost-run.service",
        "gatepost-serve.service",
        "gatepost-worker.service",
    ]
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        assert all(line in text.splitlines() for line in HARDENING), unit.name
        assert "EnvironmentFile=/etc/gatepost/gatepost.env" in text  # secrets never in the unit


@pytest.mark.needs("systemd-analyze")
def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    # Verified as installed, but pointing at binaries and a user this machine has.
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/opt/gatepost/venv/bin/gatepost", "/bin/true")
        text = text.replace("User=gatepost", "User=root").replace("Group=gatepost", "Group=root")
        text = text.replace(
            "EnvironmentFile=/etc/gatepost/gatepost.env", "EnvironmentFile=-/etc/gatepost/gatepost.env"
        )
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    run = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "Unknown" not in run.stderr and "Invalid" not in run.stderr, run.stderr
