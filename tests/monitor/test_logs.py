"""No post text, handle or reason in any log: a failing fetch, a console error, libraries included."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import create_engine, text

from monitor import logs

MARKER_TEXT = "zq-marker-text-7731"
MARKER_HANDLE = "zq_marker_handle_4410"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "logged"),
    [
        ("posts", "failed unexpectedly"),  # storing: the source runner logs it
        ("judgements", "fetch failed (ProgrammingError)"),  # judging: the command itself fails
    ],
)
def test_a_database_error_during_fetch_logs_no_post_text_or_handle_at_any_level(
    pg_db, pg_url, tmp_path, table, logged
):
    # The database refuses every row, quoting it: the failure is logged, with its traceback.
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused row %', row_to_json(NEW); END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()")
        )
    engine.dispose()
    data = tmp_path / "posts.jsonl"
    data.write_text(
        f'{{"id": "1", "text": "Hollybrook {MARKER_TEXT}", "author": "{MARKER_HANDLE}"}}\n', encoding="utf-8"
    )
    school = tmp_path / "school.toml"
    school.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n\n'
        f'[[sources]]\nkind = "sample"\npath = "{data}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "GATEPOST_DATABASE_URL": pg_url, "GATEPOST_LOG_LEVEL": "DEBUG"}
    run = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "fetch", "--once", "--school", str(school)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1
    streams = run.stdout + run.stderr
    assert logged in streams and "Traceback" in streams  # it did log, with frames
    assert MARKER_TEXT not in streams and MARKER_HANDLE not in streams


def test_a_console_error_is_logged_once_by_type_with_no_message(capfd):
    # The console's own pattern: a catch-all handler answers 500 and logs the type.
    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"reason was {MARKER_TEXT}")

    @app.exception_handler(Exception)
    async def unexpected(request, exc):  # type: ignore[no-untyped-def]
        logging.getLogger("review_queue.web").error("console error: %s", type(exc).__name__)
        return PlainTextResponse("Something went wrong.", status_code=500)

    logs.configure("DEBUG")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        assert httpx.get(f"http://127.0.0.1:{port}/boom").status_code == 500
    finally:
        server.should_exit = True
        thread.join(10)
    err = capfd.readouterr().err
    assert "console error: RuntimeError" in err
    assert MARKER_TEXT not in err
    assert "Exception in ASGI application" not in err


def test_a_logged_traceback_keeps_its_frames_and_types_and_withholds_every_message(capfd, tmp_path: Path):
    logs.configure("INFO")
    try:
        try:
            raise KeyError(MARKER_HANDLE)
        except KeyError as exc:
            raise ValueError(MARKER_TEXT) from exc
    except ValueError:
        logging.getLogger("gatepost.test").exception("job failed for post %d", 42)
    err = capfd.readouterr().err
    assert "job failed for post 42" in err
    assert "builtins.KeyError" in err and "builtins.ValueError" in err and "test_logs.py" in err
    assert MARKER_TEXT not in err and MARKER_HANDLE not in err
