"""E-mail over SMTP (Django's default mailer, settings.MAILERS). The Message-ID is the delivery's
idempotency key, so a receiving system can recognise a message it has already seen."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from . import PermanentError, TemporaryError, absolute

if TYPE_CHECKING:
    from kefu.notify.models import Delivery


class EmailChannel:
    def configured(self) -> bool:
        """The default mailer of MAILERS (kefu/settings.py: KEFU_SMTP_HOST...) is set up."""
        return "default" in getattr(settings, "MAILERS", {})

    def send(self, delivery: Delivery) -> str:
        n = delivery.notification
        lines = [n.body] if n.body else []
        if n.url:
            lines.append(absolute(n.url))
        message_id = f"<{delivery.idempotency_key}@kefu>"
        msg = EmailMessage(
            subject=n.title,
            body="\n\n".join(lines) or n.title,
            to=[delivery.address],
            headers={"Message-ID": message_id},
        )
        try:
            msg.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"收件地址被拒绝：{exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"邮件服务器拒绝：{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryError(f"邮件服务器暂时不可用：{exc.smtp_code}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"无法连接邮件服务器：{exc!r}") from exc
        return message_id


CHANNEL = EmailChannel()
