"""`make demo`: the reference programme of a year, played on the local stack.

Six visits (../shared/DOMAIN.md; the sixth "to be confirmed" until its date is set part-way),
about 500 applications from the police forces of England and Wales and partner universities,
and the visitors answering their emails as people do: most offers confirmed, some withdrawn,
some left to lapse (their places go down the waiting list), a few substituted: handed by the
member who applied to a colleague of the same organisation, before or after confirming (the
colleague then answers the offer, or is sent the confirmed place, as anyone is); the call answered,
learning points sent, weekly reflections written, a few follow-ups stopped. The virtual clock runs
from the first application to the last follow-up, a day at a time (every hourly firing in between).

Everything goes through the local stack as a client would: the API over HTTP with members'
and coordinators' tokens, and visitors acting through the links in their emails. Out, in
`demo-out/` (or `--out`): every email as `.eml`, every report and public summary as HTML, and
`summary.md`, the table printed at the end (one row per visit).

    python -m local.demo [--out demo-out] [--seed 2017] [--quiet]
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import resource
import shutil
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

FORCES = (
    "Avon and Somerset Constabulary", "Bedfordshire Police", "Cambridgeshire Constabulary", "Cheshire Constabulary",
    "City of London Police", "Cleveland Police", "Cumbria Constabulary", "Derbyshire Constabulary",
    "Devon and Cornwall Police", "Dorset Police", "Durham Constabulary", "Dyfed-Powys Police", "Essex Police",
    "Gloucestershire Constabulary", "Greater Manchester Police", "Gwent Police", "Hampshire Constabulary",
    "Hertfordshire Constabulary", "Humberside Police", "Kent Police", "Lancashire Constabulary",
    "Leicestershire Police", "Lincolnshire Police", "Merseyside Police", "Metropolitan Police Service",
    "Norfolk Constabulary", "North Wales Police", "North Yorkshire Police", "Northamptonshire Police",
    "Northumbria Police", "Nottinghamshire Police", "South Wales Police", "South Yorkshire Police",
    "Staffordshire Police", "Suffolk Constabulary", "Surrey Police", "Sussex Police", "Thames Valley Police",
    "Warwickshire Police", "West Mercia Police", "West Midlands Police", "West Yorkshire Police", "Wiltshire Police",
)
UNIVERSITIES = ("The Open University", "University of Leicester", "Liverpool John Moores University",
                "Canterbury Christ Church University", "University of Portsmouth")


@dataclass(frozen=True)
class VisitPlan:
    theme: str
    host: str
    venue: str
    starts_at: datetime | None      # None: to be confirmed
    closes_at: datetime
    capacity: int
    applications: int
    confirmed_on: datetime | None = None   # when a date "to be confirmed" is set
    confirmed_date: datetime | None = None


def _at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


PROGRAMME = (
    VisitPlan("How to manage staff wellbeing and develop personal resilience", "Lancashire Constabulary",
              "Lancashire Constabulary HQ, Hutton", _at("2017-01-19", 10), _at("2016-12-16", 17), 16, 90),
    VisitPlan("Improving patient flow: capacity/demand management", "Sheffield Teaching Hospitals NHS Trust",
              "Northern General Hospital, Sheffield", _at("2017-03-24", 10), _at("2017-02-17", 17), 12, 70),
    VisitPlan("Customer First: experiences of Jaguar Land Rover",
              "Jaguar Land Rover, JLR Retail Centre Milton Keynes", "JLR Retail Centre, Milton Keynes",
              _at("2017-03-28", 10), _at("2017-02-21", 17), 20, 75),
    VisitPlan("Child sexual exploitation", "Thames Valley Police",
              "Thames Valley Police Training Centre, Sulhamstead", _at("2017-03-30", 10), _at("2017-02-23", 17),
              16, 95),
    VisitPlan("Tackling modern slavery linked to Child Criminal Exploitation", "Merseyside Police",
              "Merseyside Police HQ, Liverpool", _at("2017-05-23", 9), _at("2017-04-13", 17), 18, 95),
    VisitPlan("More effective emergency services through collaboration",
              "South West Emergency Services Collaboration Programme Board", "Police HQ, Exeter",
              None, _at("2017-05-26", 17), 14, 75,
              confirmed_on=_at("2017-04-20", 11), confirmed_date=_at("2017-06-27", 10)),
)
OPENS_AT = _at("2016-11-14")
POINTS = (
    "Start every shift with a short check-in: it surfaced problems early.",
    "Measure demand by hour, not by day; the peaks were where we thought the troughs were.",
    "Give the front desk the authority to close a case on first contact.",
    "Pair a new supervisor with a mentor from another department for six months.",
    "Share one dashboard across partners so nobody argues about the numbers.",
    "Ask the people who use the service what a good outcome looks like for them.",
    "Run a joint tasking meeting every week with the partners in the room.",
    "Debrief after every serious case, not only when it goes wrong.",
    "Train call handlers to spot the signs of exploitation in the first call.",
    "Protect time for reflection in the rota, or it never happens.",
)
ADOPTIONS = ("We will pilot the daily check-in in two teams.", "We will try the shared dashboard with the council.",
             "We will review our first-contact resolution rule.", "")
REFLECTIONS = (
    "We tried the idea in one team this week; the first results are encouraging.",
    "Talked it through with my inspector; we are looking for a team to try it.",
    "Harder to apply than it looked: our systems do not record demand that way.",
    "Shared the notes with colleagues; two teams want to visit the host themselves.",
    "Nothing changed yet, but the conversation has started.",
)


# --- talking to the stack --------------------------------------------------------------------

class Client:
    """The API over HTTP, as the members' area and the visitors' browsers call it: one kept-alive
    connection, as a browser keeps one (the stack's server speaks HTTP/1.1)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.requests = 0
        self._connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             accept: str = "application/json") -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.requests += 1
        status, content = self._send(method, path, data, headers)
        if accept != "application/json":
            return status, content.decode("utf-8", "replace")
        try:
            return status, json.loads(content) if content else None
        except ValueError:
            return status, None

    def _send(self, method: str, path: str, data: bytes | None, headers: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a connection the server closed meanwhile is opened again, once
            if self._connection is None:
                parts = urllib.parse.urlsplit(self.base)
                self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            try:
                self._connection.request(method, path, body=data, headers=headers)
                answer = self._connection.getresponse()
                return answer.status, answer.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def token(self, email: str, **claims: Any) -> str:
        status, answer = self.call("POST", "/_local/token", {"email": email, **claims})
        if status != 200:
            raise RuntimeError(f"no local token for {email}: {status} {answer}")
        return answer["token"]


@dataclass
class Email:
    index: int
    message_id: str
    raw: str
    to: list[str]
    subject: str
    text: str
    links: dict[str, str]   # action -> token


def _link_actions() -> dict[str, str]:
    from shared.domain.rendering import LINK_LABELS

    return {label: action for action, label in LINK_LABELS.items()}


LINK_LINE = re.compile(r"^(?P<label>[^\n:]+): \S*/links/(?P<token>[A-Za-z0-9_\-]+)\s*$", re.MULTILINE)


class Mailbox:
    """Every email the stack has sent, read once each, in order."""

    def __init__(self) -> None:
        self.seen = 0
        self.labels = _link_actions()

    def new(self) -> list[Email]:
        from email.utils import getaddresses

        from local.emulation import MOTO_LOCK
        from local.outbox import _sent_messages
        from local.sent_mail import has_raw_data

        with MOTO_LOCK:
            sent = [m for m in _sent_messages() if has_raw_data(m)]
        fresh = sent[self.seen:]
        out = []
        for offset, message in enumerate(fresh):
            parsed, text = _read(message.raw_data)
            links = {self.labels.get(m["label"].strip(), m["label"].strip()): m["token"]
                     for m in LINK_LINE.finditer(text)}
            out.append(Email(self.seen + offset + 1, message.id, message.raw_data,
                             [a.lower() for _, a in getaddresses(parsed.get_all("To", [])) if a],
                             _subject(parsed), text, links))
        self.seen += len(fresh)
        return out


def _read(raw: str):
    """The sent message's headers, and its plain-text part as the recipient reads it ("" if none).

    As a mail client shows a message: its headers, then the first part of each multipart down to
    the text (every email here is text/plain first, then the HTML, then any attachments), each part's
    headers parsed and only that part's body decoded; the HTML and attachments are left unread. A
    message shaped otherwise is parsed whole (compat32: each header kept as the text it is)."""
    from email import message_from_string
    from email.parser import Parser

    headers_only = Parser()
    parsed = part = headers_only.parsestr(raw, headersonly=True)
    while part.get_content_maintype() == "multipart":
        boundary = part.get_boundary()
        pieces = part.get_payload().split(f"--{boundary}") if boundary else []
        if len(pieces) < 3:
            break
        first = pieces[1]  # the line ends around it belong to the delimiters
        first = first[2:] if first.startswith("\r\n") else first[1:] if first.startswith("\n") else first
        first = first[:-2] if first.endswith("\r\n") else first[:-1] if first.endswith("\n") else first
        part = headers_only.parsestr(first, headersonly=True)
    if part.get_content_type() != "text/plain" or part.get_content_disposition() == "attachment":
        whole = message_from_string(raw)
        part = next((p for p in whole.walk() if p.get_content_type() == "text/plain"
                     and p.get_content_disposition() != "attachment"), None)
        if part is None:
            return parsed, ""
    charset = part.get_content_charset("us-ascii")
    return parsed, part.get_payload(decode=True).decode(charset, "replace").replace("\r\n", "\n")


def _subject(parsed) -> str:
    """The Subject decoded and unfolded, as policy.default reads it."""
    from email import policy

    return str(policy.default.header_fetch_parse("Subject", parsed.get("Subject", ""))).strip()


# --- the programme ---------------------------------------------------------------------------

# How a visitor answers an offer, and the share of offers answered so (they add up to 1).
OFFER_ANSWERS = (
    ("confirm", 0.755),
    ("withdraw", 0.075),
    ("confirm, then withdraw", 0.045),
    ("confirm, then hand to a colleague", 0.02),   # the member who applied substitutes a colleague
    ("hand to a colleague", 0.015),
    ("let lapse", 0.09),
)


def _offer_answer(roll: float) -> str:
    """The answer for a roll in [0, 1): each answer takes its share of the interval, in order."""
    for answer, share in OFFER_ANSWERS:
        if roll < share:
            return answer
        roll -= share
    return OFFER_ANSWERS[-1][0]


VISIT_NUMBER = re.compile(r"Peer learning visit (\d+):")


def _visit_number(subject: str) -> int | None:
    found = VISIT_NUMBER.search(subject)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Placed:
    """An accepted application, as the member who submitted it knows it."""
    application_id: str
    organisation: str
    email: str


@dataclass
class Demo:
    client: Client
    rng: random.Random
    out: Path
    visits: list[dict] = field(default_factory=list)
    actions: dict[datetime, list[Callable[[], None]]] = field(default_factory=lambda: defaultdict(list))
    tally: Counter = field(default_factory=Counter)
    per_visit: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    tokens: dict[str, str] = field(default_factory=dict)
    answered: set[tuple[str, str]] = field(default_factory=set)   # (visitor, action) answered once already
    emails_per_visit: Counter = field(default_factory=Counter)
    # (visit number, applicant's address) -> the application: an offer's recipient is its applicant.
    placed: dict[tuple[int, str], Placed] = field(default_factory=dict)
    colleagues: int = 0   # substitutes found so far (each a new address)

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.actions[moment.replace(hour=10, minute=0, second=0, microsecond=0)].append(action)

    def member(self, organisation: str) -> str:
        if organisation not in self.tokens:
            domain = _domain(organisation)
            self.tokens[organisation] = self.client.token(f"lead@{domain}.example", name=f"Lead, {organisation}",
                                                          organisation=organisation)
        return self.tokens[organisation]

    # the coordinators' side
    def create_visits(self, coordinator: str) -> None:
        for number, plan in enumerate(PROGRAMME, start=1):
            host_domain = _domain(plan.host.split(",")[0])
            starts = plan.starts_at
            body = {
                "title": f"Peer learning visit {number}: {plan.host.split(',')[0]}", "theme": plan.theme,
                "host": {"organisation": plan.host.split(",")[0], "contact_name": "Visit host",
                         "contact_email": f"host@{host_domain}.example"},
                "venue": plan.venue, "starts_at": _iso(starts) if starts else None, "capacity": plan.capacity,
                "applications_close_at": _iso(plan.closes_at),
                "prep_call_at": _iso(starts - timedelta(days=9, hours=-4)) if starts else None,
                "prep_call_dial_in": "0800 496 0000, PIN 2017#",
            }
            status, visit = self.client.call("POST", "/visits", body, token=coordinator)
            if status != 201:
                raise RuntimeError(f"visit {number} not created: {status} {visit}")
            self.visits.append({"number": number, "plan": plan, "visit": visit, "host": body["host"]["contact_email"]})
            if plan.confirmed_on:
                self.at(plan.confirmed_on, self._confirm_date(coordinator, visit["visit_id"], plan))
            self._plan_applications(number, visit["visit_id"], plan)

    def _confirm_date(self, coordinator: str, visit_id: str, plan: VisitPlan) -> Callable[[], None]:
        def confirm() -> None:
            date = plan.confirmed_date
            status, answer = self.client.call("PATCH", f"/visits/{visit_id}", {
                "starts_at": _iso(date), "prep_call_at": _iso(date - timedelta(days=9, hours=-4))},
                token=coordinator)
            if status != 200:
                raise RuntimeError(f"the date was not confirmed: {status} {answer}")
            self.tally["dates confirmed"] += 1
        return confirm

    def _plan_applications(self, number: int, visit_id: str, plan: VisitPlan) -> None:
        visiting = [force for force in FORCES if not plan.host.startswith(force)]  # a host does not visit itself
        organisations = self.rng.sample(visiting, 24) + self.rng.sample(UNIVERSITIES, 3)
        weights = [3 if o in FORCES else 1 for o in organisations]
        days = max(1, (plan.closes_at - OPENS_AT).days - 2)
        seen_people: set[str] = set()
        for index in range(plan.applications):
            organisation = self.rng.choices(organisations, weights)[0]
            person = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            domain = re.sub(r"[^a-z]+", "", organisation.lower())[:20]
            email = f"{person.lower().replace(' ', '.')}{index}@{domain}.example"
            if email in seen_people:
                continue
            seen_people.add(email)
            academic = organisation in UNIVERSITIES
            body = {
                "name": person, "email": email, **_role_and_title(self.rng, academic),
                "motivation": f"To bring back what works in {plan.theme.lower()} to {organisation}.",
                "questions": self.rng.sample(QUESTIONS, self.rng.randint(1, 3)),
                "prep_call": "join" if self.rng.random() < 0.85 else "cannot_join",
            }
            day = OPENS_AT + timedelta(days=self.rng.randrange(days))
            self.at(day, self._apply(number, visit_id, organisation, body))

    def _apply(self, number: int, visit_id: str, organisation: str, body: dict) -> Callable[[], None]:
        def apply() -> None:
            status, answer = self.client.call("POST", f"/visits/{visit_id}/applications", body,
                                              token=self.member(organisation))
            if status != 201:
                raise RuntimeError(f"application not accepted: {status} {answer}")
            email = body["email"].lower()
            self.placed[(number, email)] = Placed(answer["application_id"], organisation, email)
            self.tally["applications"] += 1
            self.per_visit[visit_id]["applications"] += 1
        return apply

    # the visitors' side: answering what arrives
    def count(self, email: Email) -> None:
        number = _visit_number(email.subject)
        if number is not None:
            self.emails_per_visit[number] += 1

    def read(self, email: Email, today: datetime) -> None:
        self.count(email)
        links = email.links
        visitor = email.to[0] if email.to else ""
        if "prep_call" in links and (visitor, "prep_call") in self.answered:
            return  # the call reminder carries the same question: people answer once
        if "confirm" in links:
            number = _visit_number(email.subject)
            if (visitor, f"offer {number}") in self.answered:
                return  # the reminder asks again before their answer is in: people answer once
            self._answer_offer(links, today, number, visitor)
        elif "prep_call" in links:
            self.answered.add((visitor, "prep_call"))
            attending = self.rng.random() < 0.85
            self.at(today + timedelta(days=self.rng.randint(1, 2)),
                    self._follow(links["prep_call"], {"attending": attending}, "call answers"))
        elif "learning_points" in links:
            if self.rng.random() < 0.85:
                points = self.rng.sample(POINTS, self.rng.randint(1, 3))
                body = {"points": points, "public": self.rng.random() < 0.9}
                adoption = self.rng.choice(ADOPTIONS)
                if adoption:
                    body["will_adopt"] = adoption
                self.at(today + timedelta(days=self.rng.randint(1, 4)),
                        self._follow(links["learning_points"], body, "learning points"))
        elif "reflections" in links:
            week = re.search(r"week (\d)", email.subject + " " + email.text, re.IGNORECASE)
            if "stop_follow_up" in links and self.rng.random() < 0.03:
                self.at(today + timedelta(days=1), self._follow(links["stop_follow_up"], {}, "follow-ups stopped"))
            elif week and self.rng.random() < 0.45:
                self.at(today + timedelta(days=self.rng.randint(1, 3)), self._follow(
                    links["reflections"], {"week": int(week.group(1)), "text": self.rng.choice(REFLECTIONS)},
                    "reflections"))

    def _answer_offer(self, links: dict[str, str], today: datetime, number: int | None, visitor: str) -> None:
        answer = _offer_answer(self.rng.random())
        holder = self.placed.get((number, visitor))
        if "colleague" in answer and holder is None:
            answer = "confirm"  # an offer not traced to its application (none expected): no one to hand it to
        if answer != "let lapse":
            self.answered.add((visitor, f"offer {number}"))
        if answer == "confirm":
            self.at(today + timedelta(days=self.rng.randint(1, 3)), self._follow(links["confirm"], {}, "confirmed"))
        elif answer == "withdraw":
            self.at(today + timedelta(days=self.rng.randint(1, 4)), self._follow(links["withdraw"], {}, "withdrawn"))
        elif answer == "confirm, then withdraw":
            self.at(today + timedelta(days=1), self._follow(links["confirm"], {}, "confirmed"))
            self.at(today + timedelta(days=self.rng.randint(6, 12)),
                    self._follow(links["withdraw"], {}, "withdrawn after confirming"))
        elif answer == "confirm, then hand to a colleague":
            self.at(today + timedelta(days=1), self._follow(links["confirm"], {}, "confirmed"))
            self.at(today + timedelta(days=self.rng.randint(5, 12)),
                    self._substitute(number, holder, "substituted after confirming"))
        elif answer == "hand to a colleague":  # while the offer stands (a week, less close to the visit)
            self.at(today + timedelta(days=self.rng.randint(1, 2)), self._substitute(number, holder, "substituted"))
        else:
            self.tally["offers left to lapse"] += 1

    def _substitute(self, number: int, holder: Placed, what: str) -> Callable[[], None]:
        """The member who applied hands the place to a colleague of the same organisation."""
        def substitute() -> None:
            self.colleagues += 1
            body = _colleague(self.rng, holder.organisation, holder.email, self.colleagues)
            status, answer = self.client.call("POST", f"/applications/{holder.application_id}/substitute", body,
                                              token=self.member(holder.organisation))
            if status == 409:  # the offer lapsed or the visit started: the member was too late
                self.tally[f"{what}: too late (409)"] += 1
                return
            if status != 201:
                raise RuntimeError(f"substitute not accepted: {status} {answer}")
            email = body["email"].lower()
            self.placed[(number, email)] = Placed(answer["application_id"], holder.organisation, email)
            self.tally[what] += 1
        return substitute

    def _follow(self, token: str, body: dict, what: str) -> Callable[[], None]:
        def act() -> None:
            status, _ = self.client.call("POST", f"/links/{token}", body)
            # 409: too late (the offer lapsed, the visit started, the report is out): people are late too.
            self.tally[what if status < 300 else f"{what}: too late ({status})"] += 1
        return act


FIRST = ("Alex", "Sam", "Jo", "Chris", "Priya", "Tom", "Aisha", "Mark", "Helen", "Rob", "Nadia", "Gareth", "Emma",
         "Ian", "Ruth", "Dan", "Kerry", "Owen", "Fatima", "Liam", "Sian", "Paul", "Grace", "Mo")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Khan", "Walker",
        "Wright", "Hughes", "Patel", "Green", "Hall", "Wood", "Clarke", "Lewis", "Morgan", "Price", "Ali")
JOBS = ("Sergeant", "Inspector", "Chief Inspector", "Constable", "Analyst", "Staff officer", "Superintendent")
QUESTIONS = ("How did you win the support of front-line staff?", "What would you do differently next time?",
             "How do you measure whether it works?", "What did it cost to set up?",
             "How do partners share information?", "What was the hardest part to sustain?")


def _role_and_title(rng: random.Random, academic: bool) -> dict:
    """An applicant's role and job title: an academic's are fixed, a force's drawn (role first)."""
    role = "academic" if academic else rng.choice(["police", "staff"])
    return {"role": role, "job_title": "Senior lecturer" if academic else rng.choice(JOBS)}


def _colleague(rng: random.Random, organisation: str, holder_email: str, serial: int) -> dict:
    """A colleague of the holder's, taking their place: a new address at the holder's domain."""
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    academic = organisation in UNIVERSITIES
    return {
        "name": person, "email": f"{person.lower().replace(' ', '.')}.c{serial}@{holder_email.split('@', 1)[1]}",
        **_role_and_title(rng, academic),
        "prep_call": "join" if rng.random() < 0.85 else "cannot_join",
    }


def _domain(organisation: str) -> str:
    return re.sub(r"[^a-z]+", "-", organisation.lower())[:40].strip("-")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the run ----------------------------------------------------------------------------------

def _progress(done: int, total: int, today: datetime, emails: int, quiet: bool) -> None:
    if quiet:
        return
    width = 30
    filled = width * done // max(1, total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {today:%d %b %Y}  day {done}/{total}  "
                     f"{emails:,} emails")
    sys.stderr.flush()


def _last_day() -> datetime:
    ends = [p.confirmed_date or p.starts_at for p in PROGRAMME]
    return max(ends) + timedelta(days=45)  # the sixth nudge (42 days) and the impact note (43 days)


def play(out: Path, seed: int = 2017, quiet: bool = False, days: int | None = None) -> dict:
    """Play the programme (only its first `days` days when given) into `out`; the run's figures."""
    from local.stack import LocalStack

    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    (out / "emails").mkdir(parents=True)
    (out / "reports").mkdir()
    # No background pump or ticker: the demo settles after each step itself, so only its own steps move.
    stack = LocalStack(port=0, now=OPENS_AT - timedelta(hours=1), pump_interval=3600, tick_interval=3600,
                       warm=False).start()
    client, mailbox = Client(stack.url), Mailbox()
    try:
        demo = Demo(client, random.Random(seed), out)
        coordinator = client.token("coordinator@centre.example", name="Programme coordinator",
                                   groups=["coordinators"])
        demo.create_visits(coordinator)
        first, last = OPENS_AT, _last_day()
        days = min(days, (last - first).days) if days is not None else (last - first).days
        kinds: Counter = Counter()
        for number in range(days + 1):
            today = (first + timedelta(days=number)).replace(hour=10)
            stack.advance(today)
            for email in mailbox.new():
                _save(out, email, kinds)
                demo.read(email, today)
            for action in demo.actions.pop(today, []):
                action()
            stack.settle()
            _progress(number, days, today, mailbox.seen, quiet)
        stack.settle()
        for email in mailbox.new():
            _save(out, email, kinds)
            demo.count(email)
        if not quiet:
            sys.stderr.write("\n")
        rows = _summary(client, coordinator, demo, out)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"seconds": elapsed, "peak_mb": peak_mb, "emails": mailbox.seen, "requests": client.requests,
                "rows": rows, "tally": dict(demo.tally), "kinds": dict(kinds), "days": days}
    finally:
        client.close()
        stack.stop()


def _save(out: Path, email: Email, kinds: Counter) -> None:
    kind = re.sub(r"[^a-z0-9]+", "-", email.subject.lower()).strip("-")[:60] or "email"
    kinds[kind] += 1
    name = f"{email.index:05d}-{kind}.eml"
    (out / "emails" / name).write_text(email.raw, encoding="utf-8")


def _summary(client: Client, coordinator: str, demo: Demo, out: Path) -> list[dict]:
    from local.emulation import MOTO_LOCK
    from shared.adapters import documents

    rows = []
    for entry in demo.visits:
        visit_id, plan = entry["visit"]["visit_id"], entry["plan"]
        _, listed = client.call("GET", f"/visits/{visit_id}/applications", token=coordinator)
        # Every application listed: a colleague's taking a place counts too (and the place's holder as `substituted`).
        statuses = Counter(a["status"] for a in (listed or {}).get("applications", []))
        organisations = {a["organisation"] for a in (listed or {}).get("applications", [])}
        report_status, report = client.call("GET", f"/visits/{visit_id}/report", token=coordinator)
        points = len((report or {}).get("points", [])) if report_status == 200 else 0
        slug = f"visit-{entry['number']}"
        with MOTO_LOCK:
            keys = [k["key"] for k in documents.keys(f"reports/{visit_id}/")]
        for key in keys:
            if key.endswith(".html"):
                document = documents.get(key)
                target = out / "reports" / slug / key.split(f"reports/{visit_id}/", 1)[1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(document.content if isinstance(document.content, bytes)
                                   else document.content.encode())
        rows.append({
            "visit": entry["number"], "theme": plan.theme[:38], "date": (plan.confirmed_date or plan.starts_at).date(),
            "capacity": plan.capacity, "applications": sum(statuses.values()), "organisations": len(organisations),
            "confirmed": statuses["confirmed"], "withdrawn": statuses["withdrawn"], "lapsed": statuses["expired"],
            "substituted": statuses["substituted"],
            "waitlisted": statuses["waitlisted"], "points": points,
            "emails": demo.emails_per_visit[entry["number"]],
            "reports": sum(1 for k in keys if k.endswith(".html")),
        })
    table = _table(rows)
    (out / "summary.md").write_text(table + "\n")
    return rows


COLUMNS = ("visit", "theme", "date", "capacity", "applications", "organisations", "confirmed", "withdrawn", "lapsed",
           "substituted", "waitlisted", "points", "emails", "reports")


def _table(rows: list[dict]) -> str:
    cells = [[str(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    line = lambda values: "| " + " | ".join(  # noqa: E731
        v.ljust(w) if i == 1 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths))) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(COLUMNS), rule, *(line(r) for r in cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", type=Path, help="also write the run's figures as JSON here")
    parser.add_argument("--days", type=int, help="play only the first DAYS days (a smoke run)")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    result = play(args.out, seed=args.seed, quiet=args.quiet, days=args.days)
    print(_table(result["rows"]))
    tally = ", ".join(f"{k} {v}" for k, v in sorted(result["tally"].items()))
    print(f"\n{result['emails']:,} emails (.eml) and the reports (HTML) in {args.out}/; {tally}")
    print(f"{result['days']} days played in {result['seconds']:.0f} s, peak memory {result['peak_mb']:.0f} MB, "
          f"{result['requests']:,} HTTP requests")
    if args.json:
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        result["cpu_seconds"] = cpu.ru_utime + cpu.ru_stime
        args.json.write_text(json.dumps(result, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
