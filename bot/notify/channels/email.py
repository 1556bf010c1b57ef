"""Email over SMTP (smtplib). 4xx replies and network trouble are transient; 5xx are permanent.

SMTP's own reply classes decide (RFC 5321 §4.2.1): a 4yz reply means "try again later", a 5yz
reply (unknown mailbox, policy rejection) will not change on a retry, so it fails at once and
shows up as a failed notification instead of burning the retry budget.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from bot.notify.models import Message, SendError, Target


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    sender: str = "aiops@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0


def render_email(target: Target, message: Message, dedup_key: str, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = target.ref
    mail["Subject"] = f"[{message.severity.upper()}] {message.title}"
    # A stable Message-ID: a mail server or client that sees it twice can drop the copy.
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@aiops>"
    lines = [message.text, ""]
    lines += [f"{k}: {v}" for k, v in message.fields.items()]
    if message.link:
        lines += ["", message.link]
    mail.set_content("\n".join(lines).strip() + "\n")
    return mail


def _transient(code: int) -> bool:
    return 400 <= code < 500


class EmailChannel:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        if "@" not in target.ref:
            raise SendError(f"not an email address: {target.ref!r}", transient=False)
        cfg = self.config
        mail = render_email(target, message, dedup_key, cfg.sender)
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.user and cfg.password:
                    smtp.login(cfg.user, cfg.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendError(
                f"SMTP refused {target.ref} ({codes[0]})", transient=all(map(_transient, codes))
            ) from None
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error
            text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
            raise SendError(
                f"SMTP {exc.smtp_code} {text[:120]}",
                transient=_transient(exc.smtp_code),
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"SMTP server unreachable ({exc.__class__.__name__})", transient=True
            ) from None
