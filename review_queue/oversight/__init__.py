"""Oversight: how the school is doing, in numbers, for the headteacher and the governors.

The headteacher's weekly digest, the governors' aggregate trends and their charts, the
termly report, and the school terms they compare.  Counts only: nothing here names a
person or quotes a post, and the governors' figures suppress small counts.  It builds on
the core and never imports `review_queue.web`.
"""
