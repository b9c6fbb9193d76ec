"""Media capture: metadata only by default; capped, type-checked downloads when the policy allows."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from connectors.media import METADATA_ONLY, MediaPolicy, MediaRefused, download
from tests.fakes.server import FakeServer, Response


def png(size=(64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def fake():
    with FakeServer() as server:
        server.route("GET", "/img.png", lambda r: Response(200, raw=png(), content_type="image/png"))
        server.route(
            "GET", "/big.png", lambda r: Response(200, raw=png() + b"\0" * 200_000, content_type="image/png")
        )
        server.route(
            "GET", "/fake.png", lambda r: Response(200, raw=b"<html>hi</html>" * 10, content_type="image/png")
        )
        yield server


def test_the_default_policy_downloads_nothing(fake):
    with pytest.raises(MediaRefused, match="off by policy"):
        download(f"{fake.base}/img.png", METADATA_ONLY)
    assert fake.log == []


def test_an_allowed_download_returns_the_bytes(fake):
    data = download(f"{fake.base}/img.png", MediaPolicy(download=True), allow_private_hosts=True)
    assert data.startswith(b"\x89PNG")


def test_a_download_stops_at_the_byte_cap(fake):
    with pytest.raises(MediaRefused, match="larger than"):
        download(
            f"{fake.base}/big.png", MediaPolicy(download=True, max_bytes=50_000), allow_private_hosts=True
        )


def test_a_download_whose_bytes_are_not_an_image_is_refused_whatever_the_content_type(fake):
    with pytest.raises(MediaRefused, match="not an allowed"):
        download(f"{fake.base}/fake.png", MediaPolicy(download=True), allow_private_hosts=True)


def test_media_on_a_private_address_is_never_fetched(fake):
    # A post's media address is written by whoever wrote the post.  (Redirects to such an
    # address are refused by the same hook as feeds: tests/connectors/test_rss.py.)
    for url in (
        f"{fake.base}/img.png",
        f"http://localhost:{fake.port}/img.png",
        "http://169.254.169.254/x.png",
    ):
        with pytest.raises(MediaRefused, match="private or local address"):
            download(url, MediaPolicy(download=True))
    assert fake.log == []
