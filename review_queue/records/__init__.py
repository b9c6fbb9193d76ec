"""Records: how long Gatepost keeps personal data, and a person's rights over it.

Retention (deleting what is no longer needed, per the policy's periods) and subject rights
(access to, and erasure of, everything held about one handle).  It builds on the core,
names incidents the way casework does (`casework.incidents.incident_ref`), and never
imports `review_queue.web`.
"""
