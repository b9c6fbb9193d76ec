"""Reddit: search r/all and the profile's subreddits, and read the comments of matching threads."""

from connectors.reddit.connector import RedditConfig, RedditConnector

__all__ = ["RedditConfig", "RedditConnector"]
