"""Read the text of a PNG/JPEG screenshot with Tesseract, in memory.

The screenshot is decoded under `connectors.media`'s limits (size, type, pixels,
decompression bombs) and never written anywhere: Tesseract gets the pixels through
pytesseract's temporary file, which pytesseract deletes.  What is kept is the text,
a SHA-256 of the bytes and the dimensions (see `connectors.media` for why the
image itself is not kept).

This is the `client.py` of the manual source: Tesseract is its "platform".
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytesseract
from PIL import Image, ImageOps, ImageStat

from connectors.media import METADATA_ONLY, MediaPolicy, describe, open_image

# Tesseract reads small UI text poorly; screenshots narrower than this are enlarged first.
MIN_OCR_WIDTH = 1600
# ... but never past this many pixels (12 MB as greyscale), so that enlarging a narrow
# image cannot cost much memory or CPU: a tall one is read at a smaller scale instead.
MAX_OCR_PIXELS = 12_000_000
# Seconds Tesseract may take on one screenshot before we give up.
OCR_TIMEOUT_S = 60
# English first; profiles for schools with other community languages can add more later.
OCR_LANG = "eng"


class OcrUnavailable(RuntimeError):
    """Tesseract is missing or failed: the submission can still be made as pasted text."""


@dataclasses.dataclass(frozen=True, slots=True)
class OcrResult:
    text: str
    image: dict[str, Any]  # sha256, bytes, type, width, height: never the pixels
    engine: str


def read_screenshot(data: bytes, policy: MediaPolicy = METADATA_ONLY) -> OcrResult:
    """OCR a screenshot held in memory.  Raises `MediaRefused` or `OcrUnavailable`."""
    image = open_image(data, policy)
    info = describe(data, image)
    prepared = _prepare(image)
    try:
        text = pytesseract.image_to_string(prepared, lang=OCR_LANG, timeout=OCR_TIMEOUT_S)
        engine = f"tesseract {pytesseract.get_tesseract_version()}"
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise OcrUnavailable(f"OCR failed: {type(exc).__name__}") from exc
    lines = [line.strip() for line in text.splitlines()]
    return OcrResult(text="\n".join(line for line in lines if line), image=info, engine=engine)


def ocr_size(width: int, height: int) -> tuple[int, int]:
    """The size a screenshot is read at: at least MIN_OCR_WIDTH wide, at most MAX_OCR_PIXELS."""
    scale = max(MIN_OCR_WIDTH / width, 1.0)
    scale = min(scale, (MAX_OCR_PIXELS / (width * height)) ** 0.5)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _prepare(image: Image.Image) -> Image.Image:
    gray = ImageOps.exif_transpose(image).convert("L")
    size = ocr_size(gray.width, gray.height)
    if size != gray.size:
        gray = gray.resize(size, Image.Resampling.LANCZOS)
    # Dark-mode screenshots (light text on dark) read far better inverted.
    if ImageStat.Stat(gray.resize((32, 32))).mean[0] < 110:
        gray = ImageOps.invert(gray)
    return gray
