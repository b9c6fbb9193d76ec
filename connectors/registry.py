"""The explicit map from a source `kind` to its connector class and config model.

A kind is stored in the database: never rename one.  Adding a platform means adding
one line here and one subpackage beside this file.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Connector, SourceConfig
from connectors.bluesky import BlueskyConfig, BlueskyConnector
from connectors.mastodon import MastodonConfig, MastodonConnector
from connectors.reddit import RedditConfig, RedditConnector
from connectors.rss import RssConfig, RssConnector
from connectors.sample import SampleConfig, SampleConnector
from connectors.x import XConfig, XConnector

# kind -> (connector class, config model)
CONNECTORS: dict[str, tuple[type[Connector], type[SourceConfig]]] = {
    "sample": (SampleConnector, SampleConfig),
    "reddit": (RedditConnector, RedditConfig),
    "x": (XConnector, XConfig),
    "bluesky": (BlueskyConnector, BlueskyConfig),
    "mastodon": (MastodonConnector, MastodonConfig),
    "rss": (RssConnector, RssConfig),
}


def config_model(kind: str) -> type[SourceConfig]:
    try:
        return CONNECTORS[kind][1]
    except KeyError:
        raise KeyError(kind) from None


def connector_class(kind: str) -> type[Connector]:
    return CONNECTORS[kind][0]


def required_secrets(kind: str) -> tuple[str, ...]:
    return connector_class(kind).secrets


def known_kinds() -> Mapping[str, tuple[type[Connector], type[SourceConfig]]]:
    return CONNECTORS
