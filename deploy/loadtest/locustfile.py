"""The people of the load test (deploy/loadtest/run.py starts locust with this file).

Employees create, submit and withdraw requests through the API; heads decide them, some
twice at once (two calls on the same request: exactly one may win, the other must get
the German 409); IT hands devices over; HR imports the staff file through the pages
(upload → preview → confirm); a head presses "Plan berechnen". Every kind of request has
its own name, so locust's figures are per kind. What the checks need afterwards (the
server errors with their moment, the outcome of every double decision) goes to the file
named by LOADTEST_LOG when the run ends.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
import urllib3
from locust import HttpUser, between, events, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # our throw-away cert

DATA = json.loads(Path(os.environ["LOADTEST_DATA"]).read_text())
API = "/api/v1"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OK = {200, 201, 302}
#: answers the domain gives on purpose: a rule or a race lost (409), nothing to do
EXPECTED = {409}

server_errors: list[dict] = []  # every 5xx or connection failure, with its moment
double_decisions: list[dict] = []  # both answers of each decision made twice at once
unexpected: list[dict] = []  # answers below 500 that no step expects (403, a form again …)
employee_tokens = itertools.cycle(DATA["employees"])
heads = itertools.cycle(DATA["heads"])
device_pairs = list(DATA["devices"])


@events.request.add_listener
def _note_server_errors(request_type, name, response, exception, start_time, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    if status >= 500 or (exception is not None and status == 0):
        server_errors.append(
            {
                "method": request_type,
                "name": name,
                "status": status,
                "start": start_time,
                "end": time.time(),
                "error": "" if exception is None else type(exception).__name__,
            }
        )


@events.test_stop.add_listener
def _write_log(**kwargs):
    Path(os.environ["LOADTEST_LOG"]).write_text(
        json.dumps(
            {
                "server_errors": server_errors,
                "double_decisions": double_decisions,
                "unexpected": unexpected,
            }
        )
    )


def _judge(response, expected=OK | EXPECTED):
    """A domain's 409 is an answer, not a failure; anything else unexpected is. A request
    that got no whole answer (refused, or cut off by the kill) fails with what went wrong,
    so that the judgement afterwards can tell a cut-off answer (run.py `CUT_OFF`)."""
    if response.status_code == 0 and response.error is not None:
        response.failure(response.error)
    elif response.status_code in expected:
        response.success()
    else:
        response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
        if 0 < response.status_code < 500:
            unexpected.append(
                {"name": response.request_meta["name"], "status": response.status_code}
            )


class _Client(HttpUser):
    abstract = True

    def on_start(self):
        self.client.verify = False  # our throw-away certificate


class _ApiUser(_Client):
    abstract = True
    token = ""

    def on_start(self):
        super().on_start()
        self.client.headers["Authorization"] = f"Token {self.token}"

    def post(self, path, name, body=None):
        with self.client.post(API + path, json=body or {}, name=name, catch_response=True) as r:
            _judge(r)
            return r


class _WebUser(_Client):
    abstract = True
    username = ""

    def on_start(self):
        super().on_start()
        # Django's CSRF check over https compares the Referer with the Host nginx passes
        # on, which has no port (`proxy_set_header Host $host`): as on port 443.
        self.client.headers["Referer"] = "https://127.0.0.1/"
        page = self.client.get("/login/", name="Anmelden (Seite)")
        answer = self.client.post(
            "/login/",
            data={
                "username": self.username,
                "password": DATA["password"],
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            name="Anmelden",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"Anmeldung von {self.username} fehlgeschlagen")

    def form(self, path, name):
        """A page with a form; returns its CSRF token."""
        page = self.client.get(path, name=name)
        found = CSRF.search(page.text)
        return found.group(1) if found else ""


class Employee(_ApiUser):
    """Creates a draft, submits it, sometimes withdraws it again at once."""

    weight = 8
    wait_time = between(1, 3)

    def on_start(self):
        self.token = next(employee_tokens)
        self.open = None
        super().on_start()

    @task
    def request_cycle(self):
        if self.open:  # the last one is still waiting for a decision: take it back
            r = self.client.get(f"{API}/requests/{self.open}/", name="Antrag lesen (API)")
            if r.status_code == 200 and r.json()["status"] == "submitted":
                self.post(f"/requests/{self.open}/withdraw/", "Antrag zurückziehen (API)")
            self.open = None
        start = dt.date.today() + dt.timedelta(days=random.randint(20, 60))
        body = {
            "kind": "alternating",
            "weekdays": [random.randint(0, 4)],
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=365)).isoformat(),
            "text": "Lasttest",
        }
        created = self.post("/requests/", "Antrag anlegen (API)", body)
        if created.status_code != 201:
            return
        pk = created.json()["id"]
        submitted = self.post(f"/requests/{pk}/submit/", "Antrag einreichen (API)")
        if submitted.status_code != 200:
            return
        if random.random() < 0.25:
            self.post(f"/requests/{pk}/withdraw/", "Antrag zurückziehen (API)", {"reason": "x"})
        else:
            self.open = pk


class Head(_ApiUser):
    """Decides the submitted requests of the run; every third one twice at once."""

    weight = 2
    wait_time = between(1, 2)

    def on_start(self):
        head = next(heads)
        self.token, self.units = head["token"], set(head["units"])
        super().on_start()

    def decide(self, pk, verdict, name):
        body = (
            {"comment": "Lasttest"}
            if verdict == "approve"
            else {
                "reason_codes": ["R1"],
                "justification": "Die Stelle ist überwiegend am Schalter eingesetzt.",
            }
        )
        return self.post(f"/requests/{pk}/{verdict}/", name, body)

    @task
    def decide_one(self):
        r = self.client.get(f"{API}/requests/?status=submitted", name="Eingang (API)")
        if r.status_code != 200:
            return
        rows = r.json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        mine = [
            row["id"]
            for row in rows
            if row["id"] >= DATA["first_request"] and row["decider_unit"] in self.units
        ]
        if not mine:
            return
        pk = random.choice(mine[:20])
        if random.random() < 0.35:
            verdicts = random.choice([("approve", "reject"), ("approve", "approve")])
            calls = [
                gevent.spawn(self.decide, pk, verdict, "Entscheiden doppelt (API)")
                for verdict in verdicts
            ]
            gevent.joinall(calls)
            answers = [call.value for call in calls]
            double_decisions.append(
                {
                    "request": pk,
                    "statuses": [a.status_code if a is not None else 0 for a in answers],
                    "details": [
                        a.json().get("detail", "") if a is not None and a.status_code == 409 else ""
                        for a in answers
                    ],
                }
            )
        else:
            verdict = "approve" if random.random() < 0.7 else "reject"
            self.decide(
                pk, verdict, "Genehmigen (API)" if verdict == "approve" else "Ablehnen (API)"
            )


class IT(_ApiUser):
    """Hands the prepared devices over, one after the other; then reads the stock."""

    fixed_count = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.token = DATA["it"]
        super().on_start()

    @task
    def hand_over(self):
        if not device_pairs:
            self.client.get(f"{API}/devices/?status=in_stock", name="Geräte auf Lager (API)")
            return
        device, person = device_pairs.pop()
        self.post(
            "/device-assignments/",
            "Gerät ausgeben (API)",
            {"inventory_number": device, "personnel_number": person, "note": "Lasttest"},
        )


class HR(_WebUser):
    """Exports the staff and imports the file again: upload, preview, confirm. The app
    servers send every import file to the workers (IMPORT_BACKGROUND_BYTES=0, run.py), so
    the check and the confirmation are tasks; the person waits as the page does, polling
    the upload's status until it says to reload."""

    fixed_count = 1
    wait_time = between(3, 6)
    username = DATA["hr"]

    @task
    def import_staff(self):
        staff = self.client.get(
            "/organisation/beschaeftigte/export.csv", name="Export Beschäftigte"
        )
        if staff.status_code != 200:
            return
        page = self.client.get("/organisation/import/", name="Import (Seite)")
        token = CSRF.search(page.text)
        kind = re.search(r'name="kind"[^>]*value="([^"]+)"', page.text)  # the first: staff
        data = {"csrfmiddlewaretoken": token.group(1) if token else ""}
        if kind:
            data["kind"] = kind.group(1)
        with self.client.post(
            "/organisation/import/",
            data=data,
            files={"file": ("beschaeftigte.csv", staff.content, "text/csv")},
            name="Import: Hochladen",
            allow_redirects=False,
            catch_response=True,
        ) as upload:
            _judge(upload, {302})
        if upload.status_code != 302:
            return
        preview = upload.headers["Location"]
        if not self.wait_for_worker(preview):
            return
        token = self.form(preview, "Import: Vorschau")
        with self.client.post(
            preview.rstrip("/") + "/uebernehmen/",
            data={"csrfmiddlewaretoken": token},
            name="Import: Übernehmen",
            allow_redirects=False,
            catch_response=True,
        ) as applied:
            _judge(applied, {302})
        self.wait_for_worker(preview)

    def wait_for_worker(self, preview: str) -> bool:
        """Poll the upload's status fragment, as the page does, until it asks for a
        reload (the worker is done); False after 60 s."""
        for _ in range(30):
            status = self.client.get(
                preview.rstrip("/") + "/stand/",
                headers={"HX-Request": "true"},
                name="Import: Stand",
            )
            if status.headers.get("HX-Refresh"):
                return True
            gevent.sleep(2)
        return False


class Planner(_WebUser):
    """A head presses "Plan berechnen" and watches the page until the plan is there."""

    fixed_count = 1
    wait_time = between(2, 4)
    username = DATA["planner"]

    @task
    def plan_week(self):
        week = f"/anwesenheit/einheit/{DATA['plan']['unit']}/woche/{DATA['plan']['week']}/"
        token = self.form(week, "Wochenplan (Seite)")
        with self.client.post(
            week + "planen/",
            data={"csrfmiddlewaretoken": token},
            name="Plan berechnen",
            allow_redirects=False,
            catch_response=True,
        ) as pressed:
            _judge(pressed, {302})
        for _ in range(15):  # as the page does: htmx polls until the run has ended
            gevent.sleep(2)
            status = self.client.get(
                week + "status/", headers={"HX-Request": "true"}, name="Planungsstand (Seite)"
            )
            if status.headers.get("HX-Refresh"):
                break
