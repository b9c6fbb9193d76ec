"""Fetch a feed with httpx: conditional GET, a size cap, and errors turned into `ConnectorError`.

Not here: parsing entries into Posts (connector.py).
"""

from __future__ import annotations

import dataclasses

import httpx

from connectors.addresses import refuse_private_redirects
from connectors.base import ConnectorError

# Seconds per request.
REQUEST_TIMEOUT_S = 20.0
# Feeds bigger than this are refused: real ones are tens of kilobytes.
MAX_FEED_BYTES = 5 * 1024 * 1024
USER_AGENT = "gatepost/0.1 (school safeguarding monitor; feed reader)"


@dataclasses.dataclass(frozen=True)
class FeedResponse:
    """A feed body (None when the server said 304 Not Modified) and its validators."""

    body: bytes | None
    etag: str | None
    modified: str | None


def get_feed(
    url: str,
    etag: str | None,
    modified: str | None,
    timeout: float | None = None,
    *,
    allow_private_hosts: bool = False,
) -> FeedResponse:
    """The feed at `url`; a redirect to a private or local address is refused unless allowed."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    hooks = {} if allow_private_hosts else {"response": [refuse_private_redirects("rss")]}
    try:
        with (
            httpx.Client(
                timeout=timeout or REQUEST_TIMEOUT_S,
                follow_redirects=True,
                max_redirects=5,
                event_hooks=hooks,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return FeedResponse(None, etag, modified)
            _raise_for_status(response)
            declared = int(response.headers.get("content-length") or 0)
            if declared > MAX_FEED_BYTES:
                raise ConnectorError(f"feed larger than {MAX_FEED_BYTES} bytes", permanent=True)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise ConnectorError(f"feed larger than {MAX_FEED_BYTES} bytes", permanent=True)
                chunks.append(chunk)
            return FeedResponse(
                b"".join(chunks), response.headers.get("etag"), response.headers.get("last-modified")
            )
    except httpx.TimeoutException as exc:
        raise ConnectorError("rss: Timeout") from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(f"rss: {type(exc).__name__}") from exc


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429 or status >= 500:
        retry_after = response.headers.get("retry-after")
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        raise ConnectorError(f"rss: HTTP {status}", retry_after=wait)
    raise ConnectorError(f"rss: HTTP {status}", permanent=status in (401, 403, 404, 410))
