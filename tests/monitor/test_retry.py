"""The retry policy: jittered exponential backoff, rate limits waited exactly, permanent errors final."""

from __future__ import annotations

import random

from connectors.base import ConnectorError
from monitor.retry import RetryPolicy

POLICY = RetryPolicy(retries=4, base_delay=2.0, max_delay=10.0, max_rate_limit_wait=60.0)
BLIP = ConnectorError("x recent search: HTTP 503")


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter():
    rng = random.Random(7)
    for attempt, ceiling in enumerate([2.0, 4.0, 8.0, 10.0]):
        delays = [POLICY.delay(BLIP, attempt, remaining=1000, rng=rng) for _ in range(400)]
        assert all(d is not None and 0 <= d <= ceiling for d in delays)
        assert max(d for d in delays if d is not None) > ceiling * 0.9  # jitter spans the whole range
        assert min(d for d in delays if d is not None) < ceiling * 0.1


def test_no_retry_past_the_limit_or_for_a_permanent_error():
    assert POLICY.delay(BLIP, 4, remaining=1000) is None
    assert POLICY.delay(ConnectorError("revoked", permanent=True), 0, remaining=1000) is None


def test_a_rate_limit_is_waited_for_exactly_its_retry_after_unless_too_long_or_past_the_budget():
    assert POLICY.delay(ConnectorError("429", retry_after=7), 0, remaining=1000) == 7
    assert POLICY.delay(ConnectorError("429", retry_after=61), 0, remaining=1000) is None
    assert POLICY.delay(ConnectorError("429", retry_after=30), 0, remaining=20) is None


def test_no_pause_may_outlast_the_runs_remaining_budget():
    rng = random.Random(1)
    delays = [POLICY.delay(BLIP, 3, remaining=0.5, rng=rng) for _ in range(200)]
    assert all(d is None or d < 0.5 for d in delays) and None in delays
