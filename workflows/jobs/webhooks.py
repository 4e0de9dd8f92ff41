"""Webhook deliveries to a county messaging system: JSON POST, retried with exponential back-off."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from models import WebhookDelivery
from workflows.core.db import unit_of_work

WEBHOOK_URL_ENV = "QUANZE_WEBHOOK_URL"
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 10
# A claimed delivery is leased for this long; a worker that died mid-POST is retried after it.
LEASE = timedelta(minutes=2)

Poster = Callable[[str, dict], None]


def enqueue(session: Session, url: str | None, payloads: list[dict], now) -> int:
    """Queue one delivery per payload in the caller's transaction (nothing when no URL is set)."""
    if not url or not payloads:
        return 0
    session.execute(insert(WebhookDelivery), [
        {"url": url, "payload": p, "attempts": 0, "next_attempt_at": now, "status": "pending",
         "created_at": now} for p in payloads])
    return len(payloads)


def post_json(url: str, payload: dict, timeout: float = 5.0) -> None:
    """POST JSON; any non-2xx answer or network error raises."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "non-2xx", response.headers, None)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: 30 s, 60 s, 120 s … capped at 6 hours."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery pass did."""

    delivered: int
    retried: int
    failed: int


def _claim(session: Session, now, limit: int) -> list[WebhookDelivery]:
    """Lease due deliveries with a conditional update so two workers never POST the same row."""
    with unit_of_work(session):
        query = (select(WebhookDelivery.id, WebhookDelivery.attempts)
                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.next_attempt_at).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for row_id, attempts in session.execute(query).all():
            won = session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == row_id, WebhookDelivery.attempts == attempts,
                       WebhookDelivery.status == "pending")
                .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)).rowcount
            if won:
                claimed.append(row_id)
        return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(claimed))
                                    .execution_options(populate_existing=True)))


def deliver_due(session: Session, clock, *, limit: int = 100, post: Poster | None = None) -> DeliveryReport:
    """POST every due delivery once; failures are rescheduled with back-off, then given up."""
    post = post or post_json
    now = clock.now()
    rows = _claim(session, now, limit)
    delivered = retried = failed = 0
    for row in rows:
        error = None
        try:
            post(row.url, row.payload)
        except Exception as exc:  # any failure of the remote side is retried
            error = f"{type(exc).__name__}: {exc}"[:1000]
        with unit_of_work(session):
            if error is None:
                values, delivered = {"status": "delivered", "delivered_at": clock.now(), "last_error": None}, delivered + 1
            elif row.attempts >= MAX_ATTEMPTS:
                values, failed = {"status": "failed", "last_error": error}, failed + 1
            else:
                values, retried = {"next_attempt_at": clock.now() + backoff(row.attempts), "last_error": error}, retried + 1
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id == row.id)
                            .values(**values).execution_options(synchronize_session=False))
    return DeliveryReport(delivered, retried, failed)


def next_delivery_at(session: Session):
    """When the earliest pending delivery is due, or None."""
    return session.scalar(select(func.min(WebhookDelivery.next_attempt_at))
                          .where(WebhookDelivery.status == "pending"))
