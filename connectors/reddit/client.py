"""Set up praw for application-only, read-only access, and turn its errors into `ConnectorError`.

praw's quirks handled here:
- the API address comes from `api_base` through praw's `oauth_url`/`reddit_url`, and
  update checks are off (no surprise network call);
- prawcore spaces requests by the `x-ratelimit-*` headers with `time.sleep`; we keep
  its arithmetic but sleep through an injected function, and a wait longer than
  MAX_INLINE_WAIT_S leaves as a rate-limit `ConnectorError` so the runner can defer;
- prawcore retries 5xx itself with its own sleeps; that is switched off so there is
  one retry policy, the runner's (backoff with jitter, injected sleep);
- prawcore does not retry 429: that becomes `ConnectorError(retry_after=Retry-After)`.

Not here: turning submissions into Posts (connector.py).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import praw
import prawcore
import requests
from prawcore.rate_limit import RateLimiter

from connectors.base import ConnectorError

log = logging.getLogger(__name__)

USER_AGENT = "python:gatepost:0.1 (school safeguarding monitor; read-only)"
# Seconds per HTTP request: Reddit search is usually well under a second.
REQUEST_TIMEOUT_S = 15.0
# A rate-limit pause longer than this is not waited out inside a run: the run ends
# with a transient error and the runner or the next scheduled run picks it up.
MAX_INLINE_WAIT_S = 60.0


class _NoRetry(prawcore.sessions.FiniteRetryStrategy):
    """prawcore's retry strategy with no retries (and so no hidden sleeps)."""

    def __init__(self, retries: int = 0) -> None:
        super().__init__(retries=0)

    def should_retry_on_failure(self) -> bool:
        return False

    def sleep(self) -> None:
        return None


class _InjectedSleepRateLimiter(RateLimiter):
    """prawcore's header-driven limiter, sleeping through an injected function."""

    def __init__(self, *, window_size: int, sleep: Callable[[float], None]) -> None:
        super().__init__(window_size=window_size)
        self._sleep = sleep

    def delay(self) -> None:
        if self.next_request_timestamp_ns is None:
            return
        wait = (self.next_request_timestamp_ns - time.monotonic_ns()) / 1e9
        if wait <= 0:
            return
        if wait > MAX_INLINE_WAIT_S:
            raise ConnectorError(f"reddit rate limit: {wait:.0f}s until reset", retry_after=wait)
        self._sleep(wait)


def make_reddit(
    client_id: str,
    client_secret: str,
    api_base: str | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None,
) -> praw.Reddit:
    """A read-only praw client using the client-credentials grant."""
    settings: dict[str, Any] = {}
    if api_base:
        base = api_base.rstrip("/")
        # Real Reddit splits the token host from the API host; a proxy or a test fake
        # serves both from one address.
        if base != "https://oauth.reddit.com":
            settings = {"oauth_url": base, "reddit_url": base}
    reddit = praw.Reddit(
        client_id=client_id,
        client_secret=client_secret,
        user_agent=USER_AGENT,
        check_for_updates=False,
        requestor_kwargs={"timeout": timeout or REQUEST_TIMEOUT_S},
        **settings,
    )
    reddit.read_only = True
    for core in (reddit._read_only_core, reddit._core):
        if core is None:
            continue
        core._retry_strategy_class = _NoRetry
        core._rate_limiter = _InjectedSleepRateLimiter(window_size=reddit.config.window_size, sleep=sleep)
        # prawcore ignores the requestor's timeout in favour of its own constant.
        core.request = functools.partial(core.request, timeout=timeout or REQUEST_TIMEOUT_S)
    return reddit


@contextmanager
def reddit_errors(what: str) -> Iterator[None]:
    """Turn praw/prawcore errors raised inside into `ConnectorError`s (ids and statuses only)."""
    try:
        yield
    except ConnectorError:
        raise
    except prawcore.exceptions.TooManyRequests as exc:
        retry_after = _float(exc.response.headers.get("retry-after"))
        raise ConnectorError(f"reddit {what}: 429 rate limited", retry_after=retry_after) from exc
    except prawcore.exceptions.OAuthException as exc:
        raise ConnectorError(f"reddit {what}: credentials refused", permanent=True) from exc
    except (prawcore.exceptions.Forbidden, prawcore.exceptions.UnavailableForLegalReasons) as exc:
        raise ConnectorError(f"reddit {what}: 403 forbidden (private or banned)", permanent=True) from exc
    except (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect) as exc:
        raise ConnectorError(f"reddit {what}: not found (no such subreddit)", permanent=True) from exc
    except prawcore.exceptions.BadJSON as exc:
        raise ConnectorError(f"reddit {what}: malformed JSON") from exc
    except prawcore.exceptions.ResponseException as exc:
        status = exc.response.status_code
        raise ConnectorError(f"reddit {what}: HTTP {status}", permanent=status in (401,)) from exc
    except prawcore.exceptions.RequestException as exc:
        original = type(exc.original_exception).__name__
        log.info("reddit %s: %r", what, exc.original_exception)
        raise ConnectorError(f"reddit {what}: {original}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise ConnectorError(f"reddit {what}: {type(exc).__name__}") from exc


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
