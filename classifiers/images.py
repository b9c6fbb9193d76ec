"""Image checks on in-memory bytes: face count, EXIF location, perceptual hash.

The caller (the fetch job) downloads an attachment only when it is safe to do so and
passes the bytes here; they are never written to disk by this module.  Gatepost never
stores an image that might be indecent imagery of a child: it keeps the face count, the
EXIF location (shown to the reviewer) and a perceptual hash (to recognise the same photo
shared again), and drops the bytes.

Nothing here raises on bad input: bytes that are not an image give `ImageFacts` with
`ok=False`.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import cv2
import imagehash
import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from classifiers.base import MediaInfo

# Images larger than this are refused: a decompression bomb must not take the worker down.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Faces are looked for on a copy no wider than this: Haar cascades gain little above it
# and the cost grows with the square of the width.
DETECT_WIDTH = 800
# Haar cascade settings: 1.1/5 is OpenCV's documented trade-off between misses and false faces.
SCALE_FACTOR = 1.1
MIN_NEIGHBOURS = 5
MIN_FACE_PX = 24
# Two perceptual hashes at or below this Hamming distance are the same photo shared again.
SAME_PHOTO_DISTANCE = 6

_CASCADE: Any = None


@dataclasses.dataclass(frozen=True, slots=True)
class ImageFacts:
    ok: bool
    width: int = 0
    height: int = 0
    face_count: int | None = None
    phash: str | None = None
    gps: tuple[float, float] | None = None  # (latitude, longitude) in decimal degrees

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _cascade() -> Any:
    global _CASCADE
    if _CASCADE is None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
        _CASCADE = cv2.CascadeClassifier(path)
    return _CASCADE


def _open(data: bytes) -> Image.Image | None:
    if not isinstance(data, bytes | bytearray) or not data or len(data) > MAX_IMAGE_BYTES:
        return None
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            return None
        img.load()
        return img
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


def count_faces(data: bytes) -> int | None:
    """How many frontal faces OpenCV's bundled Haar cascade finds; None if the bytes are not an image."""
    img = _open(data)
    return None if img is None else _count_faces(img)


def _count_faces(img: Image.Image) -> int:
    grey = np.asarray(img.convert("L"))
    h, w = grey.shape[:2]
    if w > DETECT_WIDTH:
        scale = DETECT_WIDTH / w
        grey = cv2.resize(grey, (DETECT_WIDTH, max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(grey)
    faces = _cascade().detectMultiScale(
        grey, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBOURS, minSize=(MIN_FACE_PX, MIN_FACE_PX)
    )
    return len(faces)


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def _gps(img: Image.Image) -> tuple[float, float] | None:
    try:
        exif = img.getexif()
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # malformed EXIF comes in many shapes; a bad tag must not stop judgement
        return None
    if not info:
        return None
    try:
        lat_ref, lat, lon_ref, lon = info.get(1), info.get(2), info.get(3), info.get(4)
        if not (lat and lon):
            return None
        lat_deg = _ratio(lat[0]) + _ratio(lat[1]) / 60 + _ratio(lat[2]) / 3600
        lon_deg = _ratio(lon[0]) + _ratio(lon[1]) / 60 + _ratio(lon[2]) / 3600
        if str(lat_ref).upper().startswith("S"):
            lat_deg = -lat_deg
        if str(lon_ref).upper().startswith("W"):
            lon_deg = -lon_deg
        if not (-90 <= lat_deg <= 90 and -180 <= lon_deg <= 180):
            return None
        return (round(lat_deg, 6), round(lon_deg, 6))
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None


def exif_location(data: bytes) -> tuple[float, float] | None:
    """(latitude, longitude) from the image's EXIF GPS tags, if it has them."""
    img = _open(data)
    return None if img is None else _gps(img)


def perceptual_hash(data: bytes) -> str | None:
    """imagehash's pHash as hex; equal or near hashes mean the same photo."""
    img = _open(data)
    return None if img is None else str(imagehash.phash(img.convert("RGB")))


def same_photo(hash_a: str, hash_b: str, max_distance: int = SAME_PHOTO_DISTANCE) -> bool:
    try:
        return bool(imagehash.hex_to_hash(hash_a) - imagehash.hex_to_hash(hash_b) <= max_distance)
    except (ValueError, TypeError):
        return False


def inspect_image(data: bytes) -> ImageFacts:
    """All three checks in one decode."""
    img = _open(data)
    if img is None:
        return ImageFacts(ok=False)
    return ImageFacts(
        ok=True,
        width=img.width,
        height=img.height,
        face_count=_count_faces(img),
        phash=str(imagehash.phash(img.convert("RGB"))),
        gps=_gps(img),
    )


def with_face_count(media: MediaInfo, data: bytes) -> MediaInfo:
    """The same attachment with its face count filled in from bytes the caller fetched safely."""
    return dataclasses.replace(media, face_count=count_faces(data))
