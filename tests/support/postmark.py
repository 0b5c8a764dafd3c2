"""The mail provider's reports as django-anymail's Postmark tracking webhook receives them:
Postmark's documented payloads, for our messages, and posting them as Postmark does."""

import base64
import json

from django.test import Client

WEBHOOK = "/anymail/postmark/tracking/"
SECRET = "postmark:a-long-webhook-secret"


def basic_auth(credentials):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def postmark_bounce(email, metadata, message_id="883953f4-6105-42a2-a16a-77a8eac79483", **extra):
    """Postmark's documented bounce webhook, for our address and message."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "e-bulletin",
        "MessageID": message_id,
        "Metadata": metadata,
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "Test bounce details",
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Test subject",
        "Content": "Return-Path:....",
        **extra,
    }


def postmark_spam_complaint(email, metadata):
    """Postmark's documented spam complaint webhook."""
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "e-bulletin",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": metadata,
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Test subject",
        "Content": "<Abuse report dump>",
    }


def post_event(payload, credentials=SECRET, client=None):
    headers = {"HTTP_AUTHORIZATION": basic_auth(credentials)} if credentials else {}
    return (client or Client()).post(
        WEBHOOK, json.dumps(payload), content_type="application/json", **headers
    )


def metadata_of(delivery):
    return {"bulletin": str(delivery.bulletin_id), "delivery": str(delivery.pk)}
