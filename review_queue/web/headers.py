"""The console's security headers, and the content security policy a page may widen for one image."""

from __future__ import annotations


def app_csp(img_src: str = "'self'") -> str:
    """The console's content security policy; only the attachment page passes another `img_src`.

    Scripts only as files the app serves (static/keys.js, the keyboard shortcuts: never an
    inline script or handler, so post text can never become one), styles and forms only from
    the app, no framing, no connections, and no remote image host: an attachment loads only
    on its own page, when the reviewer asks for it (routes/items.py `media_page`, which
    allows that one origin and nothing else).
    """
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {img_src}; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


# Pages hold personal data: no caching, no framing, no inline scripts, no referrer to the
# platforms when a reviewer follows a link or loads an image.
SECURITY_HEADERS = {
    "Content-Security-Policy": app_csp(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
