"""Mastodon: hashtag timelines and, where the instance supports it, v2 status search."""

from connectors.mastodon.connector import MastodonConfig, MastodonConnector

__all__ = ["MastodonConfig", "MastodonConnector"]
