"""A realistic mix of readers for the load and fault tests (run by load/run.py).

Readers open the home page, the publication listings, year and tag archives, publications,
author pages and search; a few post a comment (open the page, write for a few seconds,
send) or sign up for the e-bulletin. Every accepted comment and sign-up is remembered so
run.py can check afterwards that each one is in the database.

Targets come from the JSON file named by LOAD_TARGETS; results are written to
LOAD_RESULTS (accepted writes) and LOAD_TIMELINE (one line per request).
"""

import json
import os
import random
import re
import time
from itertools import count

from locust import FastHttpUser, between, events, task

TARGETS = json.loads(open(os.environ["LOAD_TARGETS"], encoding="utf-8").read())  # noqa: SIM115
RUN_ID = os.environ.get("LOAD_RUN_ID", "run")
SEARCH_TERMS = ["security", "police", "Serbia", "democracy", "reform", "army", "EU", "state"]
HIDDEN_INPUT = re.compile(r'name="(form_token)" value="([^"]+)"')
# The comment form refuses forms sent back faster than this (comments.spam.MIN_FORM_SECONDS).
WRITING_SECONDS = 3.5

accepted = {"comments": [], "signups": []}
timeline = []
sequence = count(1)


@events.request.add_listener
def record(request_type, name, response_time, response_length, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    timeline.append((round(time.time(), 3), name, status, round(response_time or 0, 1)))


@events.test_stop.add_listener
def write_results(**kwargs):
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as handle:
        json.dump(accepted, handle)
    with open(os.environ["LOAD_TIMELINE"], "w", encoding="utf-8") as handle:
        for entry in timeline:
            handle.write(json.dumps(entry) + "\n")


class Reader(FastHttpUser):
    wait_time = between(0, float(os.environ.get("LOAD_MAX_WAIT", "0.5")))
    connection_timeout = 5.0
    network_timeout = 15.0
    insecure = True  # the local proxy's certificate is self-signed

    def view(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code >= 400:
                response.failure(f"status {response.status_code}")
            return response

    @task(20)
    def home(self):
        self.view("/en/", "home")

    @task(12)
    def listing(self):
        self.view(f"/en/publications/?page={random.randint(1, 3)}", "listing")

    @task(4)
    def year_archive(self):
        self.view(f"/en/publications/{random.choice(TARGETS['years'])}/", "year archive")

    @task(4)
    def tag_archive(self):
        self.view(f"/en/publications/tags/{random.choice(TARGETS['tags'])}/", "tag archive")

    @task(30)
    def publication(self):
        self.view(random.choice(TARGETS["publications"]), "publication")

    @task(8)
    def author(self):
        self.view(random.choice(TARGETS["authors"]), "author")

    @task(10)
    def search(self):
        self.view(f"/en/search/?q={random.choice(SEARCH_TERMS)}", "search")

    @task(3)
    def comment(self):
        page_id, path = random.choice(TARGETS["commentable"])
        form = self.view(path, "publication")
        fields = dict(HIDDEN_INPUT.findall(form.text or ""))
        if "form_token" not in fields:
            return
        time.sleep(WRITING_SECONDS)
        text = f"Load test {RUN_ID} comment {next(sequence)}: a reader's remark."
        data = {
            "name": "Load tester",
            "email": "reader@example.org",
            "text": text,
            "website": "",
            "form_token": fields["form_token"],
        }
        headers = {"Referer": self.host + path, "Origin": self.host}
        with self.client.post(
            f"/en/comments/{page_id}/post/",
            data=data,
            headers=headers,
            name="comment post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                accepted["comments"].append(text)
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(3)
    def signup(self):
        self.view("/en/e-bulletin/", "sign-up page")
        email = f"load-{RUN_ID}-{next(sequence)}@example.org"
        data = {"email": email, "name": "Load tester", "language": "en", "consent": "on"}
        with self.client.post(
            "/en/e-bulletin/",
            data=data,
            headers={"Origin": self.host},
            name="sign-up",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                accepted["signups"].append(email)
                response.success()
            else:
                response.failure(f"status {response.status_code}")
