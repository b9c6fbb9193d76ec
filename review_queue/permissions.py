"""Who may do what: one table from each permission to the roles that hold it.

Every route names the permission it needs (`deps.require(Permission.DECIDE)`), every
template flag (`can_decide`) and menu entry asks `allows`, and so do the shell's
checks (subject rights).  Change who may do something here and nowhere else;
tests/review_queue/test_permissions.py walks every route for every role against its own
copy of this table, so a change here is a change there too.

The roles, in short:

    admin        everything, in every school (belongs to no school)
    dsl          everything in their school
    reviewer     the queue: read posts and decide items
    headteacher  read posts; decide what is escalated to them; incidents and letters; trends
    governor     trends only: no post content and no personal data, ever
    trust        trends only, for every school of the trust (belongs to no school)

A permission says which roles may; it does not say which school.  Whether the thing
asked for belongs to the account's school is checked where it is looked up.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from review_queue.models import ROLES


class Permission(StrEnum):
    # Any account: the home page that sends each role on.
    SIGNED_IN = "signed_in"
    # See post text and personal data: the queue, an item, its attachments.
    READ_CONTENT = "read_content"
    # Claim a queue item, release one's own claim, and decide it.
    DECIDE = "decide"
    # Hand an item to someone, and release anyone's claim.
    MANAGE_QUEUE = "manage_queue"
    # Be someone an item can be handed to.
    TAKE_ITEMS = "take_items"
    # Be someone an item can be escalated to, and decide or hand back what is escalated to you.
    TAKE_ESCALATIONS = "take_escalations"
    # Draft platform reports, record their outcomes, and mark possible indecent imagery.
    REPORT = "report"
    # See conduct incidents, their people, letters and evidence packs.
    INCIDENT_READ = "incident_read"
    # Open and change conduct incidents: people, letters, meetings, police, legal, closing.
    INCIDENT_WRITE = "incident_write"
    # Submit a post staff were sent (pasted text or a screenshot).
    SUBMIT = "submit"
    # See each source's health: cursors, errors, reads (operational detail).
    SEE_SOURCES = "see_sources"
    # See the aggregate trends and download the termly report.
    SEE_TRENDS = "see_trends"
    # Read the audit log and whether its chain holds.
    READ_AUDIT = "read_audit"
    # Download decisions as labelled feedback (it carries post text).
    EXPORT_FEEDBACK = "export_feedback"
    # Download the queue and the decisions as CSV (post text and handles leave the console).
    EXPORT_CSV = "export_csv"
    # Export or erase everything held about a handle (`gatepost privacy`).
    SUBJECT_RIGHTS = "subject_rights"
    # Belong to no school and see every school of the trust.
    EVERY_SCHOOL = "every_school"


# Read-only: who may do what changes here, in the source, never at run time.
ROLES_FOR: Mapping[Permission, frozenset[str]] = MappingProxyType(
    {
        Permission.SIGNED_IN: frozenset(ROLES),
        Permission.READ_CONTENT: frozenset({"admin", "dsl", "reviewer", "headteacher"}),
        Permission.DECIDE: frozenset({"admin", "dsl", "reviewer"}),
        Permission.MANAGE_QUEUE: frozenset({"admin", "dsl"}),
        Permission.TAKE_ITEMS: frozenset({"dsl", "reviewer"}),
        Permission.TAKE_ESCALATIONS: frozenset({"dsl", "headteacher"}),
        Permission.REPORT: frozenset({"admin", "dsl"}),
        Permission.INCIDENT_READ: frozenset({"admin", "dsl", "headteacher"}),
        Permission.INCIDENT_WRITE: frozenset({"admin", "dsl", "headteacher"}),
        Permission.SUBMIT: frozenset({"admin", "dsl", "reviewer", "headteacher"}),
        Permission.SEE_SOURCES: frozenset({"admin", "dsl"}),
        Permission.SEE_TRENDS: frozenset({"admin", "dsl", "headteacher", "governor", "trust"}),
        Permission.READ_AUDIT: frozenset({"admin", "dsl"}),
        Permission.EXPORT_FEEDBACK: frozenset({"admin", "dsl"}),
        Permission.EXPORT_CSV: frozenset({"admin", "dsl"}),
        Permission.SUBJECT_RIGHTS: frozenset({"admin", "dsl"}),
        Permission.EVERY_SCHOOL: frozenset({"admin", "trust"}),
    }
)


def allows(role: str, permission: Permission) -> bool:
    """Whether an account with this role holds this permission."""
    return role in ROLES_FOR[permission]
