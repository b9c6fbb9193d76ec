"""Connectors: turn a platform's public posts into Gatepost `Post`s and cursors.

Nothing in this package imports `review_queue`; the runner in `monitor` stores what
connectors yield.
"""
