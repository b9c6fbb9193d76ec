"""What the console needs from settings, as one small dataclass (the web package never imports monitor)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from classifiers.policy import Policy
from review_queue.casework.letters import SchoolDetails


@dataclass(frozen=True)
class ConsoleConfig:
    """Built by `monitor` from `Settings` and the school profiles; passed to `create_app`.

    secret_key signs session cookies; base_url decides whether cookies are Secure
    (https) unless secure_cookies says otherwise; schools maps a school's slug to what
    letters and drafts need to know about it, and timezones to the zone its times are
    shown in (`timezone` for a school not listed and for trust-wide pages).
    """

    secret_key: str
    policy: Policy
    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool | None = None
    schools: Mapping[str, SchoolDetails] = field(default_factory=dict)
    # Times are shown in the school's own zone (slug -> its profile's `timezone`), else this one.
    timezone: str = "Europe/London"
    timezones: Mapping[str, str] = field(default_factory=dict)
    # Idle sessions end after this many seconds (a school day).
    # The cookie's own lifetime; the session's idle and absolute limits are in web/deps.py.
    session_max_age: int = 12 * 3600

    @property
    def https(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")
