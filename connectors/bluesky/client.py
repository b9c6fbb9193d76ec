"""Set up atproto's `Client` with a reused session, and turn its errors into `ConnectorError`.

createSession (logging in with the app password) is rate limited by Bluesky (30 per
five minutes, 300 a day), so a session is made once per process and reused, with
atproto refreshing it as it nears expiry.  Where the session lives: in memory, in
`SESSIONS`, keyed by server and handle.  Not in the cursor: a cursor is shown by
`gatepost sources` and exported, and a session string is a credential.  Not in a
file: connectors never touch files.  A scheduler process therefore logs in once;
`gatepost fetch --once` from cron logs in once per invocation, well inside the limit.

Not here: the search itself and turning post views into Posts (connector.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from connectors.base import ConnectorError

if TYPE_CHECKING:
    from atproto import Client

# atproto is imported inside the functions below: importing it costs about 0.7 s (its
# generated async namespaces), and every `gatepost` command loads the registry.

DEFAULT_API_BASE = "https://bsky.social"
# Seconds per HTTP request.
REQUEST_TIMEOUT_S = 20.0

# (api base, handle) -> exported session string.  Process memory only; see the docstring.
SESSIONS: dict[tuple[str, str], str] = {}
_LOCK = threading.Lock()


def make_client(handle: str, app_password: str, api_base: str | None, timeout: float | None = None) -> Client:
    """A logged-in client, reusing this process's session for the account when there is one."""
    from atproto import Client, Session, SessionEvent
    from atproto_client.request import Request

    base = (api_base or DEFAULT_API_BASE).rstrip("/")
    client = Client(base_url=base, request=Request(timeout=timeout or REQUEST_TIMEOUT_S))
    key = (base, handle)

    def remember(event: SessionEvent, session: Session) -> None:
        with _LOCK:
            SESSIONS[key] = session.export()

    client.on_session_change(remember)
    with _LOCK:
        saved = SESSIONS.get(key)
    with bluesky_errors("login"):
        if saved:
            client.login(session_string=saved, fetch_bsky_profile=False)
        else:
            client.login(handle, app_password, fetch_bsky_profile=False)
    return client


def forget_session(handle: str, api_base: str | None) -> None:
    with _LOCK:
        SESSIONS.pop(((api_base or DEFAULT_API_BASE).rstrip("/"), handle), None)


def session_was_refused(exc: ConnectorError) -> bool:
    """True when a reused session was turned away (expired or revoked), so logging in again may help."""
    from atproto_client import exceptions as atx

    cause = exc.__cause__
    if isinstance(cause, atx.UnauthorizedError | atx.LoginRequiredError):
        return True
    return isinstance(cause, atx.BadRequestError) and "Token" in str(cause)


@contextmanager
def bluesky_errors(what: str) -> Iterator[None]:
    """Turn atproto errors raised inside into `ConnectorError`s (statuses and error names only)."""
    from atproto_client import exceptions as atx

    try:
        yield
    except atx.RateLimitExceededError as exc:
        raise ConnectorError(f"bluesky {what}: 429 rate limited", retry_after=_reset(exc)) from exc
    except (atx.UnauthorizedError, atx.LoginRequiredError) as exc:
        raise ConnectorError(
            f"bluesky {what}: {_status(exc)} (app password refused)", permanent=True
        ) from exc
    except atx.BadRequestError as exc:
        permanent = "Token" not in str(exc)
        raise ConnectorError(f"bluesky {what}: {_status(exc)}", permanent=permanent) from exc
    except atx.InvokeTimeoutError as exc:
        raise ConnectorError(f"bluesky {what}: Timeout") from exc
    except atx.AtProtocolError as exc:
        raise ConnectorError(f"bluesky {what}: {type(exc).__name__} {_status(exc)}") from exc
    except ValueError as exc:
        raise ConnectorError(f"bluesky {what}: malformed response") from exc


def _status(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(getattr(response, "status_code", "")) or "no response"


def _reset(exc: Any) -> float | None:
    headers = {k.lower(): v for k, v in (exc.response.headers if exc.response else {}).items()}
    try:
        return max(float(headers["ratelimit-reset"]) - time.time(), 1.0)
    except (KeyError, ValueError):
        return None
