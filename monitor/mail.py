"""Send one email over SMTP, with STARTTLS and authentication as the settings say.

Messages are built by the caller (`build_message`: HTML with a plain-text alternative).
SMTP failures leave as `MailError`, whose message names the stage and the SMTP code,
never a recipient or the body.  This module does not decide who gets what.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from monitor.settings import SmtpSettings


class MailError(Exception):
    """The message was not handed to the SMTP server."""


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "gatepost.invalid")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def send(smtp: SmtpSettings, msg: EmailMessage, ssl_context: ssl.SSLContext | None = None) -> None:
    """Hand `msg` to the SMTP server; raises `MailError` on any failure.

    `ssl_context` is for tests with a self-signed certificate; by default the system's
    trust store verifies the server.
    """
    stage = "connect"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as conn:
            stage = "ehlo"
            conn.ehlo()
            if smtp.starttls:
                stage = "starttls"
                conn.starttls(context=ssl_context or ssl.create_default_context())
                conn.ehlo()
            if smtp.username:
                stage = "auth"
                conn.login(smtp.username, smtp.password or "")
            stage = "send"
            refused = conn.send_message(msg)
            if refused:
                raise MailError(f"smtp {stage}: {len(refused)} recipient(s) refused")
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"smtp {stage}: {exc.smtp_code}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"smtp {stage}: {len(exc.recipients)} recipient(s) refused") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"smtp {stage}: {type(exc).__name__}") from None
