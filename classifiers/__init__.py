"""Classifiers: judge a post's text (and its images' metadata) against the code of conduct.

Nothing in this package imports `review_queue`.
"""
