"""Set up tweepy's v2 `Client` and turn its errors into `ConnectorError`.

tweepy's quirks handled here:
- its host is fixed (`https://api.twitter.com`), so `api_base` is honoured by giving
  the client a requests session that rewrites the host;
- it sets no timeout at all, so the same session adds one;
- with `return_type=dict` it hands back the raw JSON, which we keep as evidence.

Not here: building the query or turning tweets into Posts (connector.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import tweepy

from connectors.base import ConnectorError

X_HOST = "https://api.twitter.com"
# Seconds per HTTP request.  tweepy sets none, and a hung socket would hold the run.
REQUEST_TIMEOUT_S = 20.0


class HostRewritingSession(requests.Session):
    """A requests session that sends tweepy's fixed-host requests to `base` instead."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        target = url
        if target.startswith(X_HOST):
            target = self.base + target[len(X_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, target, *args, **kwargs)


def make_client(bearer_token: str, api_base: str | None, timeout: float | None = None) -> tweepy.Client:
    client = tweepy.Client(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)
    client.session = HostRewritingSession(api_base or X_HOST, timeout or REQUEST_TIMEOUT_S)
    return client


@contextmanager
def x_errors(what: str) -> Iterator[None]:
    """Turn tweepy/requests errors raised inside into `ConnectorError`s (statuses only)."""
    try:
        yield
    except tweepy.errors.TooManyRequests as exc:
        wait = max(float(exc.reset_time) - time.time(), 1.0) if exc.reset_time else None
        raise ConnectorError(f"x {what}: 429 rate limited", retry_after=wait) from exc
    except (tweepy.errors.Unauthorized, tweepy.errors.Forbidden) as exc:
        raise ConnectorError(
            f"x {what}: HTTP {exc.response.status_code} (token refused or access revoked)", permanent=True
        ) from exc
    except tweepy.errors.BadRequest as exc:
        raise ConnectorError(f"x {what}: HTTP 400 (query or cursor refused)", permanent=True) from exc
    except tweepy.errors.HTTPException as exc:
        raise ConnectorError(f"x {what}: HTTP {exc.response.status_code}") from exc
    except requests.RequestException as exc:
        raise ConnectorError(f"x {what}: {type(exc).__name__}") from exc
    except ValueError as exc:
        raise ConnectorError(f"x {what}: malformed JSON") from exc
