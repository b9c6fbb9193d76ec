"""X (Twitter): API v2 recent search for the school, within a daily read budget."""

from connectors.x.connector import XConfig, XConnector

__all__ = ["XConfig", "XConnector"]
