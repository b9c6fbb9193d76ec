"""Report-abuse drafts for confirmed items, one shape per platform, and what happened to each report.

Gatepost submits nothing itself: the DSL copies a draft into the platform's own form and
records the reference and the outcome here.  Wording is careful on purpose: a draft says
the post "appears to breach" a named platform rule and never calls anything defamatory
(that is a legal judgement; possible defamation goes to legal advice, not to a platform).
Images that may be indecent imagery of a child are never drafted for: the console keeps
only the URL and metadata and points the DSL to the IWF or CEOP.

This module is not the web form and not the platforms' APIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue.models import PlatformReport, Post, ReviewItem, SafeguardingMark, utcnow

# If a reported post is still up this long after the report, suggest the next step:
# Report Harmful Content accepts cases only after the platform has had 48 hours.
ESCALATE_AFTER = timedelta(hours=48)
OUTCOMES = ("pending", "removed", "restricted", "refused", "no_response")
# Outcomes after which the post is still up.
STILL_UP = frozenset({"pending", "refused", "no_response"})


@dataclass(frozen=True)
class Platform:
    kind: str
    name: str
    where: str  # where the DSL makes the report
    rules: Mapping[str, str]  # rule kind -> the platform's own name for that rule


# The four kinds of platform rule a school's case can rest on.
RULE_KINDS = ("harassment", "private_information", "violent_threats", "child_safety")

PLATFORMS: dict[str, Platform] = {
    p.kind: p
    for p in (
        Platform(
            "reddit",
            "Reddit",
            "the post's ••• menu > Report, or https://www.reddit.com/report",
            {
                "harassment": "Reddit Content Policy, Rule 1 (harassment and bullying)",
                "violent_threats": "Reddit Content Policy, Rule 1 (encouraging or threatening violence)",
                "private_information": "Reddit Content Policy, Rule 3 (sharing personal information)",
                "child_safety": "Reddit Content Policy, Rule 4 (content involving minors)",
            },
        ),
        Platform(
            "x",
            "X (Twitter)",
            "the post's ••• menu > Report post, or https://help.x.com/forms",
            {
                "harassment": "X Rules: Abuse and harassment policy",
                "violent_threats": "X Rules: Violent speech policy",
                "private_information": "X Rules: Private information and media policy",
                "child_safety": "X Rules: Child safety policy",
            },
        ),
        Platform(
            "meta",
            "Facebook / Instagram",
            "the post's ••• menu > Report (Facebook and Instagram alike)",
            {
                "harassment": "Meta Community Standards: Bullying and Harassment",
                "violent_threats": "Meta Community Standards: Violence and Incitement",
                "private_information": "Meta Community Standards: Privacy Violations",
                "child_safety": "Meta Community Standards: Child Sexual Exploitation, Abuse and Nudity",
            },
        ),
        Platform(
            "tiktok",
            "TikTok",
            "press and hold the video or comment > Report, or https://www.tiktok.com/legal/report",
            {
                "harassment": "TikTok Community Guidelines: Harassment and Bullying",
                "violent_threats": "TikTok Community Guidelines: Violent Behaviours and Criminal Activities",
                "private_information": "TikTok Community Guidelines: Privacy and Security",
                "child_safety": "TikTok Community Guidelines: Youth Safety and Well-Being",
            },
        ),
        Platform(
            "bluesky",
            "Bluesky",
            "the post's ••• menu > Report post",
            {
                "harassment": "Bluesky Community Guidelines: harassment and targeted abuse",
                "violent_threats": "Bluesky Community Guidelines: threats of violence",
                "private_information": "Bluesky Community Guidelines: sharing private information (doxxing)",
                "child_safety": "Bluesky Community Guidelines: child safety",
            },
        ),
        Platform(
            "mastodon",
            "Mastodon",
            "the post's ••• menu > Report (it goes to the moderators of the author's server)",
            {
                "harassment": "the server's rules on harassment (Mastodon Server Covenant)",
                "violent_threats": "the server's rules on threats and violence",
                "private_information": "the server's rules on sharing private information",
                "child_safety": "the server's rules on content involving children",
            },
        ),
        Platform(
            "web",
            "Other website",
            "the site's contact or complaints address, or its hosting provider's abuse address",
            {
                "harassment": "the site's terms of use on harassment and abusive content",
                "violent_threats": "the site's terms of use on threatening content",
                "private_information": "the site's terms of use on personal information",
                "child_safety": "the site's terms of use on content involving children",
            },
        ),
    )
}

# What each policy category rests on when reported.  Defamation is absent on purpose.
CATEGORY_RULES: dict[str, tuple[str, ...]] = {
    "abuse": ("harassment",),
    "threat": ("violent_threats", "harassment"),
    "individual_child": ("private_information", "harassment"),
    "pupil_image": ("child_safety", "private_information"),
    "security": ("private_information",),
    "incitement": ("harassment",),
}

# One sentence per rule kind, in the draft's own words.
RULE_REASONS = {
    "harassment": "It appears to target identifiable members of a school community with abusive comments.",
    "violent_threats": "It appears to contain a threat, or to intimidate an identifiable person.",
    "private_information": (
        "It appears to share private information about identifiable people, including children, "
        "or details of a school's security arrangements."
    ),
    "child_safety": "It appears to share images or identifying details of children without consent.",
}

REPORT_HARMFUL_CONTENT = (
    "Report Harmful Content (run by SWGfL for the UK Safer Internet Centre) reviews platform decisions "
    "once a report has been made and 48 hours have passed: https://reportharmfulcontent.com/"
)
POSH = (
    "The Professionals Online Safety Helpline (POSH) supports school staff who are targeted online: "
    "helpline@saferinternet.org.uk, 0344 381 4772, "
    "https://saferinternet.org.uk/professionals-online-safety-helpline"
)
LEGAL_ADVICE = (
    "Possible defamation is not something a platform report can settle. Do not describe the post as "
    "defamatory to anyone outside the school; ask the school's legal adviser (your local authority or "
    "trust's legal service, or your insurer's legal helpline) whether it is, and keep the evidence pack."
)
IWF_GUIDANCE = (
    "This image may be indecent imagery of a child. Do not open, download, screenshot, copy or forward it, "
    "and do not ask anyone else to. Gatepost keeps only its address and details. Report the address to the "
    "Internet Watch Foundation at https://report.iwf.org.uk/ ; if a child may be at risk, report to CEOP at "
    "https://www.ceop.police.uk/ceop-reporting/ or call 999 in an emergency, and follow your child "
    "protection policy."
)


class ReportError(ValueError):
    """A report that should not be drafted or recorded as asked."""


def platform_for(post: Post) -> str:
    """The platform a post came from, as a PLATFORMS key ("web" when unknown)."""
    kind = post.kind
    if kind == "sample" and isinstance(post.raw, dict):
        kind = str(post.raw.get("platform", "web"))
    aliases = {"twitter": "x", "facebook": "meta", "instagram": "meta"}
    kind = aliases.get(kind, kind)
    return kind if kind in PLATFORMS else "web"


def rule_kinds_for(categories: Sequence[str], policy: Policy) -> list[str]:
    """The platform rule kinds a post's confirmed categories rest on, for those that lead to a report."""
    kinds: list[str] = []
    for c in categories:
        rule = policy.categories.get(c)
        if rule is None or "report" not in rule.leads_to:
            continue
        for k in CATEGORY_RULES.get(c, ()):
            if k not in kinds:
                kinds.append(k)
    return kinds


def is_marked_indecent(session: Session, item_id: int) -> bool:
    return session.scalar(select(SafeguardingMark.id).where(SafeguardingMark.item_id == item_id)) is not None


def mark_possible_indecent_image(session: Session, item: ReviewItem, user_id: int | None) -> None:
    if not is_marked_indecent(session, item.id):
        session.add(SafeguardingMark(item_id=item.id, marked_by_id=user_id))
        session.flush()


def _fmt(dt: datetime) -> str:
    return dt.strftime("%d %B %Y at %H:%M UTC")


def render_draft(
    post: Post, platform: Platform, rule_kinds: Sequence[str], school_name: str, staff_targeted: bool
) -> str:
    rules = [platform.rules[k] for k in rule_kinds]
    lines = [
        f"Report to {platform.name}",
        f"Where to report: {platform.where}",
        "",
        f"Content address: {post.url or '(no address captured)'}",
        f"Account: {post.author_handle or '(unknown)'}",
        f"Posted: {_fmt(post.created_at)}",
        f"Captured by {school_name}: {_fmt(post.captured_at)}",
        f"Evidence reference (SHA-256 of the captured record): {post.evidence_hash}",
        "",
        "The content, as captured:",
        "",
        *[f"> {line}" for line in (post.text or "").splitlines() or [""]],
        "",
        "This content appears to breach " + "; and ".join(rules) + ".",
        *[RULE_REASONS[k] for k in rule_kinds],
    ]
    if staff_targeted:
        lines.append("It appears to be aimed at a member of the school's staff.")
    lines += [
        "",
        f"I am the designated safeguarding lead at {school_name}. Please review this content against "
        "your rules and remove or restrict it if it breaches them. I can give more information on request.",
    ]
    return "\n".join(lines)


def draft_report(
    session: Session,
    item: ReviewItem,
    *,
    platform: str,
    policy: Policy,
    school_name: str,
    user_id: int | None,
    staff_targeted: bool = False,
) -> PlatformReport:
    """Draft a report for a confirmed item.  Refuses unconfirmed items, defamation alone, and IIC."""
    if item.status != "confirmed":
        raise ReportError("only a confirmed item can be reported")
    if platform not in PLATFORMS:
        raise ReportError("unknown platform")
    if is_marked_indecent(session, item.id):
        raise ReportError(
            "this image may be indecent imagery of a child: report it to the IWF or CEOP instead"
        )
    kinds = rule_kinds_for(item.categories or [], policy)
    if not kinds:
        if "defamation" in (item.categories or []):
            raise ReportError("possible defamation goes to legal advice, not to a platform report")
        raise ReportError("none of this item's categories leads to a platform report")
    body = render_draft(item.post, PLATFORMS[platform], kinds, school_name, staff_targeted)
    report = PlatformReport(
        item_id=item.id,
        platform=platform,
        rules=[PLATFORMS[platform].rules[k] for k in kinds],
        body=body,
        staff_targeted=staff_targeted,
        created_by_id=user_id,
    )
    session.add(report)
    session.flush()
    return report


def record_outcome(
    session: Session,
    report: PlatformReport,
    *,
    reference: str | None = None,
    reported_at: datetime | None = None,
    outcome: str | None = None,
) -> None:
    """Record that the DSL made the report (its reference) and, later, what the platform did."""
    if reference is not None:
        reference = reference.strip()[:200]
        if not reference:
            raise ReportError("give the platform's reference (or 'none given')")
        report.reference = reference
        report.reported_at = reported_at or report.reported_at or utcnow()
    if outcome is not None:
        if outcome not in OUTCOMES:
            raise ReportError("unknown outcome")
        if report.reported_at is None:
            raise ReportError("record the report's reference first")
        report.outcome = outcome
        report.outcome_at = utcnow()
    session.flush()


def escalation_suggestions(report: PlatformReport, now: datetime | None = None) -> list[str]:
    """What to do next when a reported post is still up 48 hours after the report."""
    now = now or utcnow()
    if report.reported_at is None or report.outcome not in STILL_UP:
        return []
    if now - report.reported_at < ESCALATE_AFTER:
        return []
    suggestions = [REPORT_HARMFUL_CONTENT]
    if report.staff_targeted:
        suggestions.append(POSH)
    return suggestions


def reports_for_item(session: Session, item_id: int) -> list[PlatformReport]:
    return list(
        session.scalars(
            select(PlatformReport).where(PlatformReport.item_id == item_id).order_by(PlatformReport.id)
        )
    )
