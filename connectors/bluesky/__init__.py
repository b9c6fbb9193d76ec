"""Bluesky: authenticated app.bsky.feed.searchPosts for the school, newest first."""

from connectors.bluesky.connector import BlueskyConfig, BlueskyConnector

__all__ = ["BlueskyConfig", "BlueskyConnector"]
