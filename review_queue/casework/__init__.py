"""Casework: what staff do about confirmed posts, one case at a time.

Conduct incidents along the code of conduct's ladder, the letters drafted for them, and
the report-abuse drafts for the platforms.  It drafts and records; it never sends a
letter, files a report or calls the police itself.  It builds on the core (models, queue,
audit) and never imports `review_queue.web`.
"""
