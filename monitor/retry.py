"""When a source run tries again after a transient failure: backoff with full jitter, rate limits waited out.

A transient `ConnectorError` (timeout, 5xx, malformed response) is retried within the
same run after an exponentially growing, fully jittered pause, so a brief blip costs
seconds rather than a whole interval, and many sources failing together do not
retry in step.  A rate limit is waited out for exactly its Retry-After when that fits
the run's remaining time budget; a longer one ends the run and the source backs off
(`review_queue.leases.back_off`).  Permanent failures are never retried.  The sleep
is injected, so tests never wait.
"""

from __future__ import annotations

import dataclasses
import random

from connectors.base import ConnectorError

# Retries per run; past that, the next scheduled run tries again from the stored cursor.
MAX_RETRIES = 3
# The first pause is up to this many seconds, doubling each time...
BASE_DELAY_S = 2.0
# ...up to this: a platform that is down for longer is the next run's business.
MAX_DELAY_S = 30.0
# A Retry-After up to this long is waited out inside the run (praw, tweepy and
# Mastodon.py would otherwise each sleep their own way); longer ones back the source off.
MAX_RATE_LIMIT_WAIT_S = 60.0


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    retries: int = MAX_RETRIES
    base_delay: float = BASE_DELAY_S
    max_delay: float = MAX_DELAY_S
    max_rate_limit_wait: float = MAX_RATE_LIMIT_WAIT_S

    def delay(
        self, exc: ConnectorError, attempt: int, remaining: float, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before retry number `attempt` (0-based), or None to give up for this run."""
        if exc.permanent or attempt >= self.retries:
            return None
        if exc.retry_after is not None:
            if exc.retry_after > self.max_rate_limit_wait:
                return None
            wait = max(exc.retry_after, 0.0)
        else:
            wait = (rng or random).uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        return wait if wait < remaining else None


DEFAULT_RETRY = RetryPolicy()
