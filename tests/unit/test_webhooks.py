"""Webhook deliveries: JSON POST to a local server, retries with exponential back-off."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from models import WebhookDelivery
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.deadlines.records import start_deadline
from workflows.jobs import webhooks
from workflows.jobs.firing import fire_due


class _Receiver(BaseHTTPRequestHandler):
    """Answers with the status the test sets, and keeps the bodies it got."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))
        self.send_response(self.server.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.received, server.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fired(session, clock, receiver):
    """One overdue deadline whose event was queued for the receiver's URL."""
    world = build_world(session, clock)
    start_deadline(session, clock, LegalCalendar(), "o310_handover", case_ref="移送〔2026〕3号",
                   org=world.township, assignee=world.officer)
    clock.advance(timedelta(hours=25))
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    fire_due(session, clock, webhook_url=url)
    return world


def test_overdue_event_is_posted_as_json(session, clock, receiver, fired):
    report = webhooks.deliver_due(session, clock)
    assert report.delivered == 1
    (payload,) = receiver.received
    assert payload["event"] == "deadline_overdue" and payload["rule_key"] == "o310_handover"
    assert payload["case_ref"] == "移送〔2026〕3号" and payload["recipients"] == sorted(
        [fired.officer.id, fired.leader.id])
    row = session.scalars(select(WebhookDelivery)).one()
    assert row.status == "delivered" and row.attempts == 1
    assert webhooks.deliver_due(session, clock).delivered == 0  # never posted twice


def test_failures_are_retried_with_exponential_backoff(session, clock, receiver, fired):
    receiver.answer = 500
    assert webhooks.deliver_due(session, clock).retried == 1
    row = session.scalars(select(WebhookDelivery)).one()
    session.refresh(row)
    assert row.attempts == 1 and row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert "HTTPError" in row.last_error
    assert webhooks.deliver_due(session, clock).retried == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    webhooks.deliver_due(session, clock)
    session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=60)
    receiver.answer = 204
    clock.advance(timedelta(seconds=60))
    assert webhooks.deliver_due(session, clock).delivered == 1
    assert len(receiver.received) == 3


def test_delivery_gives_up_after_the_last_attempt(session, clock, fired):
    def refuse(url, payload):
        raise ConnectionRefusedError("no messaging system")

    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver_due(session, clock, post=refuse)
        clock.advance(webhooks.MAX_DELAY)
    row = session.scalars(select(WebhookDelivery)).one()
    session.refresh(row)
    assert row.status == "failed" and row.attempts == webhooks.MAX_ATTEMPTS
    assert webhooks.next_delivery_at(session) is None


def test_no_url_queues_nothing(session, clock):
    world = build_world(session, clock)
    start_deadline(session, clock, LegalCalendar(), "o310_handover", case_ref="X", org=world.township)
    clock.advance(timedelta(hours=25))
    fire_due(session, clock, webhook_url=None)
    assert session.scalars(select(WebhookDelivery)).all() == []
