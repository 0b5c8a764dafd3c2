"""An email backend for tests that run a task worker in another process.

Each message becomes one file in ``EMAIL_FILE_PATH``, written under a temporary name and
renamed into place, so a file is a whole message or nothing, like a message an SMTP server
has accepted; a worker killed at any moment leaves no half message to miscount. (Django's
file backend appends every message of a connection to one file as it goes.)

With ``MAIL_HANG_AT`` set to N, the worker stops for good before writing its Nth message,
once ``hanging`` exists in the folder: a test can then kill it in the middle of a send.
"""

import os
import time
import uuid
from email import message_from_bytes
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

HANG_MARKER = "hanging"


class OneFilePerMessage(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        hang_at = int(os.environ.get("MAIL_HANG_AT") or 0)
        for message in messages:
            if hang_at and len(list(folder.glob("*.eml"))) + 1 >= hang_at:
                (folder / HANG_MARKER).touch()
                time.sleep(3600)
            partial = folder / f".{uuid.uuid4().hex}.part"
            partial.write_bytes(message.message().as_bytes())
            os.replace(partial, folder / f"{uuid.uuid4().hex}.eml")
        return len(messages)


def recipients(folder):
    """The To address of every whole message in ``folder``, one entry per message."""
    return [message_from_bytes(path.read_bytes())["To"] for path in Path(folder).glob("*.eml")]
