"""Media capture: by default a reference and metadata only; bytes only where the policy allows, never stored.

The product principle: an image that might be indecent imagery of a child is never
downloaded or stored by Gatepost.  So a `Media` is a URL, a type and alt text, and
that is all a connector records.  Bytes are read in two cases only:
- a staff member submits a screenshot (they hold it already) and its text is read
  by OCR in memory (`connectors.manual`);
- a caller turns `MediaPolicy.download` on for an in-memory check (a perceptual hash,
  counting faces) that keeps the result and drops the bytes.
Either way the bytes are size-capped while they arrive (never more than
`max_bytes` are held), type-checked by their first bytes and not just the server's
Content-Type, and decoded with a pixel cap, so a decompression bomb is refused
before it is expanded.  Nothing here writes bytes anywhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import warnings
from typing import Any

import httpx
from PIL import Image

from connectors.addresses import private_host, refuse_private_redirects
from connectors.base import ConnectorError

# A phone screenshot is 1-4 MB; anything past 10 MB is not a screenshot.
MAX_BYTES = 10 * 1024 * 1024
# 40 megapixels covers the largest phone screenshots with room to spare, and bounds
# the memory a decoded image may take (about 160 MB as RGBA).
MAX_PIXELS = 40_000_000
# A long phone screenshot (a scrolled chat) is about 1:10; past 1:20 an image is a strip
# made to cost memory when scaled, not something a person sent.
MAX_ASPECT = 20
# Seconds per media request.
DOWNLOAD_TIMEOUT_S = 15.0

# Magic numbers of the types we accept; the server's Content-Type is not trusted.
_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


class MediaRefused(ValueError):
    """Bytes that will not be read: too big, the wrong type, or a decompression bomb."""


@dataclasses.dataclass(frozen=True, slots=True)
class MediaPolicy:
    """What media capture may do.  The default downloads nothing."""

    download: bool = False
    max_bytes: int = MAX_BYTES
    max_pixels: int = MAX_PIXELS
    max_aspect: float = MAX_ASPECT
    allowed_types: frozenset[str] = frozenset(_SIGNATURES.values())


# The default policy: nothing is downloaded; bytes already in hand are still capped.
METADATA_ONLY = MediaPolicy()


def sniff_type(data: bytes) -> str | None:
    return next((kind for magic, kind in _SIGNATURES.items() if data.startswith(magic)), None)


def open_image(data: bytes, policy: MediaPolicy = METADATA_ONLY) -> Image.Image:
    """Decode PNG/JPEG bytes in memory, refusing oversize input and decompression bombs."""
    if len(data) > policy.max_bytes:
        raise MediaRefused(f"image larger than {policy.max_bytes} bytes")
    kind = sniff_type(data)
    if kind is None or kind not in policy.allowed_types:
        raise MediaRefused("not a PNG or JPEG image")
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat the warning as refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > policy.max_pixels:
                raise MediaRefused(
                    f"image of {width}x{height} pixels is over the {policy.max_pixels} limit:"
                    " crop it and try again"
                )
            if max(width, height) > policy.max_aspect * max(min(width, height), 1):
                raise MediaRefused(
                    f"image of {width}x{height} pixels is too long and thin (over 1:{policy.max_aspect:g}):"
                    " crop it to the part that matters and try again"
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused("image refused as a decompression bomb") from exc
    except MediaRefused:
        raise
    except (OSError, ValueError, SyntaxError) as exc:
        raise MediaRefused("image could not be decoded") from exc
    return image


def describe(data: bytes, image: Image.Image | None = None) -> dict[str, Any]:
    """What is kept about media bytes: a hash and dimensions, never the bytes."""
    info: dict[str, Any] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "type": sniff_type(data),
    }
    if image is not None:
        info["width"], info["height"] = image.size
    return info


def download(
    url: str, policy: MediaPolicy, *, timeout: float | None = None, allow_private_hosts: bool = False
) -> bytes:
    """Fetch media bytes into memory under the policy; never more than `max_bytes` are read.
    A post's media address is hostile: a private or local host, asked for or redirected to,
    is refused unless allowed."""
    if not policy.download:
        raise MediaRefused("media download is off by policy (metadata only)")
    if not allow_private_hosts and private_host(httpx.URL(url).host):
        raise MediaRefused("media on a private or local address refused")
    hooks = {} if allow_private_hosts else {"response": [refuse_private_redirects("media")]}
    try:
        with (
            httpx.Client(
                timeout=timeout or DOWNLOAD_TIMEOUT_S,
                follow_redirects=True,
                max_redirects=3,
                event_hooks=hooks,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise ConnectorError(
                    f"media: HTTP {response.status_code}", permanent=response.status_code < 500
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > policy.max_bytes:
                raise MediaRefused(f"media larger than {policy.max_bytes} bytes")
            buf = bytearray()
            for chunk in response.iter_bytes():
                if len(buf) + len(chunk) > policy.max_bytes:
                    raise MediaRefused(f"media larger than {policy.max_bytes} bytes")
                buf.extend(chunk)
                if len(buf) >= 16 and sniff_type(bytes(buf[:16])) not in policy.allowed_types:
                    raise MediaRefused("media is not an allowed image type")
    except httpx.TimeoutException as exc:
        raise ConnectorError("media: Timeout") from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(f"media: {type(exc).__name__}") from exc
    if sniff_type(bytes(buf)) not in policy.allowed_types:
        raise MediaRefused("media is not an allowed image type")
    return bytes(buf)
