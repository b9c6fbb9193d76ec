"""Set up Mastodon.py for one instance and turn its errors into `ConnectorError`.

Mastodon.py's quirks handled here: by default it sleeps on rate limits itself
(`ratelimit_method="wait"`); we make it throw so the runner decides.  It would probe
the instance's version; we state one instead, since hashtag timelines and v2 search are
old features.  The stated version only counts under `version_check_mode="created"`:
under "none" Mastodon.py never parses it, takes the instance for 1.0.0, and refuses a
search with `min_id`, so every run after the first failed.

Not here: turning statuses into Posts (connector.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from mastodon import Mastodon
from mastodon import errors as mx

from connectors.base import ConnectorError

# Seconds per HTTP request.
REQUEST_TIMEOUT_S = 20.0
# Hashtag timelines and v2 search with min_id exist since 3.x; 4.0 is the oldest still run widely.
ASSUMED_VERSION = "4.0.0"


def make_client(api_base: str, token: str | None, timeout: float | None = None) -> Mastodon:
    return Mastodon(
        api_base_url=api_base,
        access_token=token,
        ratelimit_method="throw",
        request_timeout=timeout or REQUEST_TIMEOUT_S,
        mastodon_version=ASSUMED_VERSION,
        version_check_mode="created",
        user_agent="gatepost/0.1 (school safeguarding monitor)",
    )


@contextmanager
def mastodon_errors(what: str, client: Mastodon | None = None) -> Iterator[None]:
    """Turn Mastodon.py errors raised inside into `ConnectorError`s (statuses only)."""
    try:
        yield
    except mx.MastodonRatelimitError as exc:
        wait = None
        reset = getattr(client, "ratelimit_reset", None)
        if reset:
            wait = max(float(reset) - time.time(), 1.0)
        raise ConnectorError(f"mastodon {what}: 429 rate limited", retry_after=wait) from exc
    except mx.MastodonUnauthorizedError as exc:
        raise ConnectorError(f"mastodon {what}: 401 token refused", permanent=True) from exc
    except mx.MastodonNotFoundError as exc:
        raise ConnectorError(f"mastodon {what}: 404 not found", permanent=True) from exc
    except mx.MastodonServerError as exc:
        raise ConnectorError(f"mastodon {what}: server error {_status(exc)}") from exc
    except mx.MastodonAPIError as exc:
        status = _status(exc)
        raise ConnectorError(f"mastodon {what}: HTTP {status}", permanent=status in ("403", "410")) from exc
    except (mx.MastodonNetworkError, requests.RequestException) as exc:
        kind = (
            "Timeout"
            if "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower()
            else "network"
        )
        raise ConnectorError(f"mastodon {what}: {kind} error") from exc
    except (mx.MastodonError, ValueError) as exc:
        raise ConnectorError(f"mastodon {what}: malformed response ({type(exc).__name__})") from exc


def _status(exc: Exception) -> str:
    args = exc.args
    return str(args[1]) if len(args) > 1 else "?"
