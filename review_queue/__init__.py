"""The review queue: tables, queries and state changes, report drafts, incidents and letters, and the console.

Functions here take a SQLAlchemy session as their first argument and never commit:
whoever starts the unit of work (a request, a job run, a batch) commits it.
"""
