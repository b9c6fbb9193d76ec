"""RSS and Atom feeds (Google Alerts, local news, forums), fetched with conditional GET."""

from connectors.rss.connector import RssConfig, RssConnector

__all__ = ["RssConfig", "RssConnector"]
