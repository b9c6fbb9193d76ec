"""Staff submissions: a pasted text with its URL, or a screenshot read by OCR, with provenance."""

from connectors.manual.connector import Submission, build_submission
from connectors.manual.ocr import OcrUnavailable, read_screenshot

__all__ = ["OcrUnavailable", "Submission", "build_submission", "read_screenshot"]
