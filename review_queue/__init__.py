"""The review queue: tables, queue state changes, casework, oversight, records and the console.

The core sits here at the root: the tables (`models/`, `migrations/`), the database
(`db`), storing captured posts (`store`), the queue (`queue`), who may do what
(`permissions`), accounts, the audit log, urgent alerts, escalations and the emails owed
about them (`escalations`, `notices`), leases, schedules, sources, submissions, feedback
and document rendering.  Around it, in wings that build on the core:

    casework/   incidents, letters and platform report drafts
    oversight/  the weekly digest, the governors' trends, charts and termly report
    records/    retention and subject rights (access and erasure)
    web/        the console: routes, page view-models, the evidence pack, templates

The core imports no wing, no wing imports `web`, and `web` may import everything here
(tests/test_layering.py holds that).  Functions here take a SQLAlchemy session as their
first argument and never commit: whoever starts the unit of work (a request, a job run,
a batch) commits it.
"""
