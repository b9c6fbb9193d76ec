"""End to end: `gatepost run` on the demo school sends exactly one alert per urgent post, within a minute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from config import DEMO_SCHOOL_PATH
from review_queue.db import Database
from review_queue.models import Post, ReviewItem, UrgentAlert
from tests.fakes.smtp import SmtpServer

# Start-up, capture, classification and the alerts must fit in this.
DEADLINE_S = 150
MINUTE_S = 60


@pytest.mark.slow
def test_gatepost_run_alerts_each_urgent_demo_post_once(tmp_path: Path, gatepost_home: Path):
    db_url = f"sqlite:///{tmp_path / 'run.db'}"
    with SmtpServer() as server:
        env = {
            **os.environ,
            "GATEPOST_HOME": str(gatepost_home),
            "GATEPOST_DATABASE_URL": db_url,
            "GATEPOST_SMTP_HOST": server.host,
            "GATEPOST_SMTP_PORT": str(server.port),
            "GATEPOST_SECRET_KEY": "t" * 40,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "run", "--school", str(DEMO_SCHOOL_PATH)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        db = Database(db_url)
        urgent: list[int] = []
        delays: list[float] = []
        try:
            while time.monotonic() - started < DEADLINE_S:
                time.sleep(2)
                if proc.poll() is not None:
                    break
                try:
                    with db.session_scope() as s:
                        urgent = list(s.scalars(select(ReviewItem.id).where(ReviewItem.severity == "urgent")))
                        sent = list(
                            s.scalars(select(UrgentAlert.item_id).where(UrgentAlert.sent_at.is_not(None)))
                        )
                        delays = [
                            (sent_at - captured).total_seconds()
                            for sent_at, captured in s.execute(
                                select(UrgentAlert.sent_at, Post.captured_at)
                                .join(ReviewItem, ReviewItem.id == UrgentAlert.item_id)
                                .join(Post, Post.id == ReviewItem.post_id)
                                .where(UrgentAlert.sent_at.is_not(None))
                            )
                        ]
                except Exception:
                    continue  # the schema is still being created
                if urgent and sorted(sent) == sorted(urgent):
                    time.sleep(45)  # two more alert ticks: nothing may be sent twice
                    break
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
            db.dispose()
    assert urgent, f"the demo produced no urgent item:\n{output[-3000:]}"
    assert len(server.messages) == len(urgent), output[-3000:]
    # Within a minute of capture.
    assert max(delays) < MINUTE_S, delays
    links = sorted(m.get_content().split("(sign-in required): ")[1].split()[0] for m in server.messages)
    assert links == sorted(f"http://127.0.0.1:8000/items/{i}" for i in urgent)
