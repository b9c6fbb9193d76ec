"""Image checks on in-memory bytes: faces, EXIF location, perceptual hash."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from classifiers.base import MediaInfo
from classifiers.images import (
    count_faces,
    exif_location,
    inspect_image,
    perceptual_hash,
    same_photo,
    with_face_count,
)


def _drawn_face(size: int = 200) -> np.ndarray:
    """A drawn face (brows, eyes, nose, mouth on an oval): enough for a Haar cascade."""
    img = np.full((size, size), 90, np.uint8)
    s = size / 200
    cv2.ellipse(img, (size // 2, size // 2), (int(size * 0.36), int(size * 0.46)), 0, 0, 360, 200, -1)
    for x in (70, 130):
        cv2.ellipse(img, (int(x * s), int(80 * s)), (int(18 * s), int(6 * s)), 0, 0, 360, 60, -1)
        cv2.circle(img, (int(x * s), int(95 * s)), int(9 * s), 30, -1)
    cv2.line(img, (int(100 * s), int(95 * s)), (int(100 * s), int(130 * s)), 150, int(6 * s))
    cv2.ellipse(img, (int(100 * s), int(150 * s)), (int(28 * s), int(8 * s)), 0, 0, 360, 60, -1)
    return cv2.GaussianBlur(img, (7, 7), 2)


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def _two_faces() -> bytes:
    face = _drawn_face()
    canvas = np.full((400, 600), 120, np.uint8)
    canvas[:200, :200] = face
    canvas[200:, 400:] = face
    return _png(canvas)


def test_faces_are_counted() -> None:
    assert count_faces(_two_faces()) == 2


def test_a_picture_without_faces_has_none() -> None:
    assert count_faces(_png(np.full((300, 300), 128, np.uint8))) == 0


def test_bytes_that_are_not_an_image_give_no_answer_not_an_error() -> None:
    assert count_faces(b"GIF89a not really") is None
    assert inspect_image(b"").ok is False
    assert perceptual_hash(b"\x00" * 100) is None


def test_exif_gps_location_is_read_in_decimal_degrees() -> None:
    img = Image.new("RGB", (64, 64), (200, 10, 10))
    exif = Image.Exif()
    gps = {1: "N", 2: (52.0, 30.0, 0.0), 3: "W", 4: (1.0, 15.0, 36.0)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    lat, lon = exif_location(buf.getvalue()) or (0.0, 0.0)
    assert abs(lat - 52.5) < 1e-4 and abs(lon + 1.26) < 1e-4


def test_an_image_without_exif_has_no_location() -> None:
    assert exif_location(_two_faces()) is None


def test_the_same_photo_resized_is_recognised_and_a_different_one_is_not() -> None:
    original = _two_faces()
    small = io.BytesIO()
    Image.open(io.BytesIO(original)).resize((300, 200)).save(small, "JPEG", quality=70)
    other = _png(np.tile(np.linspace(0, 255, 600, dtype=np.uint8), (400, 1)))
    h1, h2, h3 = perceptual_hash(original), perceptual_hash(small.getvalue()), perceptual_hash(other)
    assert h1 and h2 and h3
    assert same_photo(h1, h2)
    assert not same_photo(h1, h3)


def test_an_attachment_gets_its_face_count_from_the_bytes() -> None:
    media = with_face_count(MediaInfo(type="image", url="https://example.invalid/p.png"), _two_faces())
    assert media.face_count == 2 and media.url.endswith("p.png")
