"""All of Gatepost's tables.  Importing this package registers every model on `Base.metadata`.

Each area keeps its tables in its own module here; add the import below when you add one.
"""

from review_queue.models.accounts import ROLES, User
from review_queue.models.base import Base, utcnow
from review_queue.models.core import Decision, Judgement, Post, ReviewItem, School, Source
from review_queue.models.schedule import JobSchedule, UrgentAlert

__all__ = [
    "ROLES",
    "Base",
    "Decision",
    "JobSchedule",
    "Judgement",
    "Post",
    "ReviewItem",
    "School",
    "Source",
    "UrgentAlert",
    "User",
    "utcnow",
]
