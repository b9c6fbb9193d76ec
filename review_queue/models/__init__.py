"""All of Gatepost's tables.  Importing this package registers every model on `Base.metadata`.

Each area keeps its tables in its own module here; add the import below when you add one.
"""

from review_queue.models.accounts import ROLES, OneTimeSignin, SigninFailure, User
from review_queue.models.audit import AuditEntry
from review_queue.models.base import Base, utcnow
from review_queue.models.core import Decision, Judgement, Post, ReviewItem, School, Source
from review_queue.models.escalations import Escalation, Notice
from review_queue.models.incidents import (
    ConductIncident,
    IncidentEvent,
    IncidentPost,
    Letter,
    Meeting,
    Person,
)
from review_queue.models.platform_reports import PlatformReport, SafeguardingMark
from review_queue.models.revisions import PostRevision
from review_queue.models.schedule import JobSchedule, UrgentAlert

__all__ = [
    "ROLES",
    "AuditEntry",
    "Base",
    "ConductIncident",
    "Decision",
    "Escalation",
    "IncidentEvent",
    "IncidentPost",
    "JobSchedule",
    "Judgement",
    "Letter",
    "Meeting",
    "Notice",
    "OneTimeSignin",
    "Person",
    "PlatformReport",
    "Post",
    "PostRevision",
    "ReviewItem",
    "SafeguardingMark",
    "School",
    "SigninFailure",
    "Source",
    "UrgentAlert",
    "User",
    "utcnow",
]
