"""The editor schedules a bulletin, cancels it, schedules it again, and after the worker has
sent it reads what came back: bounces, spam complaints and unsubscribes, walked in Chromium."""

import datetime
import re
import zoneinfo

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from newsletter.hashing import hash_email
from newsletter.models import Bulletin, Delivery, Subscriber
from tests.browser.test_admin import sign_in
from tests.support.postmark import (
    SECRET,
    metadata_of,
    post_event,
    postmark_bounce,
    postmark_spam_complaint,
)

BELGRADE = zoneinfo.ZoneInfo("Europe/Belgrade")
READERS = ["ana@example.org", "bojan@example.org", "vesna@example.org"]


def confirmed_readers():
    now = timezone.now()
    for email in READERS:
        Subscriber.objects.create(
            email=email,
            email_hash=hash_email(email),
            language="en",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=now,
            consent_text="I agree.",
            consent_at=now,
        )


def tomorrow_at(hour):
    day = timezone.localtime(timezone.now(), BELGRADE).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=BELGRADE)


def schedule_for(page, moment, button):
    field = page.get_by_label("Send at")
    field.fill(moment.strftime("%Y-%m-%d %H:%M"))
    field.press("Escape")  # close the date picker
    page.get_by_role("button", name=button, exact=True).click()


def test_editor_schedules_cancels_and_reads_the_counts(page, demo_site, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    confirmed_readers()
    base = demo_site.url
    sign_in(page, base)

    # The editor writes the bulletin.
    page.goto(f"{base}/admin/e-bulletin/bulletins/add/")
    page.locator("#id_subject").fill("BCSP e-bulletin — scheduled")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("BCSP e-bulletin — scheduled").first).to_be_visible()
    bulletin = Bulletin.objects.get(subject="BCSP e-bulletin — scheduled")

    # Schedules it for tomorrow at nine, Belgrade time.
    page.goto(f"{base}/admin/e-bulletin/bulletins/send/{bulletin.pk}/")
    first = tomorrow_at(9)
    schedule_for(page, first, "Schedule")
    shown = first.strftime("%b. %-d, %Y, 9 a.m.")
    expect(page.get_by_text(f"Scheduled for {shown}").first).to_be_visible()

    # The listing says so, and cancels it.
    page.goto(f"{base}/admin/e-bulletin/bulletins/")
    row = page.get_by_role("row").filter(has_text="BCSP e-bulletin — scheduled")
    expect(row).to_contain_text(f"Scheduled for {shown}")
    row.get_by_role("button", name=re.compile("Cancel")).click()
    expect(page.get_by_text("The scheduled sending is cancelled.")).to_be_visible()
    expect(row).to_contain_text("Cancelled")

    # A time in the past is refused and kept in the field.
    page.goto(f"{base}/admin/e-bulletin/bulletins/send/{bulletin.pk}/")
    schedule_for(page, datetime.datetime(2020, 1, 1, 9, 0), "Schedule")
    expect(page.get_by_text("Choose a time in the future.")).to_be_visible()
    expect(page.get_by_label("Send at")).to_have_value("2020-01-01 09:00")

    # Scheduled again, for eleven.
    schedule_for(page, tomorrow_at(11), "Schedule")
    expect(page.get_by_text("Scheduled for").first).to_be_visible()
    page.goto(f"{base}/admin/e-bulletin/bulletins/")
    expect(row).to_contain_text(first.strftime("Scheduled for %b. %-d, %Y, 11 a.m."))

    # The time comes (moved on in the database) and the worker sends it, once to each.
    past = timezone.now() - datetime.timedelta(seconds=1)
    Bulletin.objects.filter(pk=bulletin.pk).update(send_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert sorted(message.to[0] for message in mail.outbox) == READERS

    # The provider reports a bounce and a complaint; a reader unsubscribes by one click.
    deliveries = {d.subscriber.email: d for d in Delivery.objects.select_related("subscriber")}
    bounce = postmark_bounce("ana@example.org", metadata_of(deliveries["ana@example.org"]))
    complaint = postmark_spam_complaint(
        "bojan@example.org", metadata_of(deliveries["bojan@example.org"])
    )
    for payload in (bounce, complaint):
        assert post_event(payload).status_code == 200
    vesna = next(m for m in mail.outbox if m.to == ["vesna@example.org"])
    one_click = vesna.extra_headers["List-Unsubscribe"][1:-1].removeprefix(base)
    Client().post(
        one_click, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    page.goto(f"{base}/admin/e-bulletin/bulletins/")
    expect(row).to_contain_text("Sent at")
    expect(row).to_contain_text("3 sent, 0 failed, 0 pending")
    expect(row).to_contain_text("1 bounced, 1 complained, 1 unsubscribed")
    page.goto(f"{base}/admin/e-bulletin/bulletins/send/{bulletin.pk}/")
    for label, count in [("Sent", "3"), ("Bounced", "1"), ("Reported as spam", "1")]:
        expect(page.locator(f"dt:text-is('{label}') + dd")).to_have_text(count)
    expect(page.locator("dt:text-is('Unsubscribed by its link') + dd")).to_have_text("1")
    page.goto(f"{base}/admin/e-bulletin/subscribers/")
    expect(page.get_by_role("row").filter(has_text="ana@example.org")).to_contain_text(
        "Bounced (the address does not receive mail)"
    )
