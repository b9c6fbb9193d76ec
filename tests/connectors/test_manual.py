"""Staff submissions: pasted text, and screenshots (rendered here with Pillow) read by real Tesseract."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw, ImageFont

from connectors.manual import build_submission, read_screenshot
from connectors.media import MediaPolicy, MediaRefused, open_image

LINES = ["Hollybrook head teacher is a liar", "Meet at the gates at 3pm", "Pass it on"]


def screenshot(lines=LINES, fmt="PNG", dark=False, width=900) -> bytes:
    """A chat-like screenshot: dark text on a light bubble (or the reverse)."""
    bg, fg = ((20, 20, 24), (235, 235, 235)) if dark else ((245, 245, 245), (20, 20, 20))
    img = Image.new("RGB", (width, 110 + 70 * len(lines)), bg)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=36)
    draw.text((30, 20), "Year 4 parents", fill=fg, font=font)
    for i, line in enumerate(lines):
        draw.text((30, 90 + 70 * i), line, fill=fg, font=font)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def words(text: str) -> set[str]:
    return {w.strip(".,:;!?").lower() for w in text.split()}


@pytest.mark.needs("tesseract")
@pytest.mark.parametrize("fmt,dark", [("PNG", False), ("JPEG", False), ("PNG", True)])
def test_a_screenshot_is_read_by_ocr(fmt, dark):
    result = read_screenshot(screenshot(fmt=fmt, dark=dark))
    got = words(result.text)
    for expected in ("hollybrook", "teacher", "liar", "gates", "3pm"):
        assert expected in got, (expected, result.text)
    assert result.image["width"] == 900 and len(result.image["sha256"]) == 64
    assert result.engine.startswith("tesseract")


@pytest.mark.needs("tesseract")
def test_a_screenshot_submission_keeps_provenance_and_not_the_image():
    shot = screenshot()
    now = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)
    sub = build_submission(
        submitted_by="dsl@hollybrook.example",
        where_from="Year 4 parents WhatsApp",
        screenshot=shot,
        url="",
        now=now,
    )
    assert sub.post.kind == "manual"
    assert "liar" in sub.post.text.lower()
    assert sub.provenance["submitted_by"] == "dsl@hollybrook.example"
    assert sub.provenance["where_from"] == "Year 4 parents WhatsApp"
    assert sub.provenance["submitted_at"] == now.isoformat()
    assert sub.provenance["method"] == "screenshot"
    assert sub.provenance["screenshot"]["bytes"] == len(shot)
    assert shot not in repr(sub).encode()  # the bytes go nowhere
    again = build_submission(submitted_by="someone else", where_from="forwarded", screenshot=shot, now=now)
    assert again.post.external_id == sub.post.external_id


def test_a_pasted_text_submission_needs_who_and_where():
    sub = build_submission(
        submitted_by="reviewer",
        where_from="Facebook group",
        text="HPS is a disgrace",
        url="https://facebook.example/groups/1/posts/2",
    )
    assert sub.post.url == "https://facebook.example/groups/1/posts/2" and sub.provenance["method"] == "text"
    with pytest.raises(ValueError):
        build_submission(submitted_by="", where_from="x", text="y")
    with pytest.raises(ValueError):
        build_submission(submitted_by="a", where_from="", text="y")
    with pytest.raises(ValueError):
        build_submission(submitted_by="a", where_from="b")


def test_a_file_that_is_not_png_or_jpeg_is_refused_whatever_it_is_called():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(MediaRefused):
        open_image(gif.getvalue())
    with pytest.raises(MediaRefused):
        open_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>")


def test_an_oversize_screenshot_is_refused_before_decoding():
    with pytest.raises(MediaRefused, match="larger than"):
        open_image(screenshot(), MediaPolicy(max_bytes=1000))


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG that claims (and would decompress to) a huge all-black image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 64, 9)  # only the first rows; the header is what matters
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused():
    bomb = _bomb_png(100_000, 100_000)
    assert len(bomb) < 5000
    with pytest.raises(MediaRefused, match=r"pixels|bomb"):
        open_image(bomb)
    with pytest.raises(MediaRefused):
        read_screenshot(bomb)


@pytest.mark.parametrize("width,height", [(50, 30_000), (25, 1_600_000), (1, 40_000_000), (30_000, 50)])
def test_a_long_thin_strip_is_refused_with_a_message_that_says_crop_it(width, height):
    strip = _bomb_png(width, height)
    assert len(strip) < 5000
    with pytest.raises(MediaRefused, match="crop"):
        read_screenshot(strip)


def test_a_narrow_screenshot_is_enlarged_for_ocr_but_never_past_the_pixel_cap():
    from connectors.manual.ocr import MAX_OCR_PIXELS, MIN_OCR_WIDTH, ocr_size

    assert ocr_size(800, 1600) == (MIN_OCR_WIDTH, 3200)  # small text is enlarged
    assert ocr_size(2000, 1000) == (2000, 1000)  # wide enough already
    for width, height in [(100, 2000), (540, 10_000), (6000, 6000)]:
        w, h = ocr_size(width, height)
        assert w * h <= MAX_OCR_PIXELS * 1.001
        assert abs(w / h - width / height) < 0.01  # never distorted


@pytest.mark.needs("tesseract")
def test_one_submission_of_the_largest_strip_allowed_stays_under_300_mb(tmp_path):
    # The worst accepted case: as long and thin as allowed, with enough pixels to be enlarged.
    import subprocess
    import sys

    from PIL import Image

    path = tmp_path / "strip.png"
    Image.new("RGB", (400, 8000), "white").save(path)
    # VmHWM is this process's own peak (ru_maxrss would carry over the test runner's, which
    # a forked child inherits across exec); RUSAGE_CHILDREN is Tesseract's.
    code = (
        "import resource, sys\n"
        "from connectors.manual.ocr import read_screenshot\n"
        "read_screenshot(open(sys.argv[1], 'rb').read())\n"
        "own = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(max(own, child) // 1024)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert int(run.stdout.strip()) < 300, run.stdout  # MB, the interpreter and its libraries included
