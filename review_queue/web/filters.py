"""Jinja filters for the console: dates and labels.  None of them marks anything safe.

Times come from `review_queue.localtime` (`when`, `day`), in the zone `render` puts in
every page's context as `tz`: the signed-in account's school's, else the console's.
A category is shown by the label the policy gives it (`category`: "Pupil image"); other
stored names (stages, actions, outcomes) in words (`label`).
"""

from __future__ import annotations

from jinja2 import Environment

from classifiers.policy import Policy
from review_queue import localtime


def label(key: str | None) -> str:
    return (key or "").replace("_", " ")


def install(env: Environment, policy: Policy) -> None:
    localtime.install(env)
    env.filters["label"] = label
    env.filters["category"] = policy.label
