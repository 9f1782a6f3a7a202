"""A walk through the console and the members' pages as a browser would, over HTTP:
`python walk_console.py BASE_URL`.

Signs in through `/_local/sign-in` (the session cookie), reads each page, posts each form with
its CSRF token: create and edit a visit, two applications (one invalid first), the allocation,
withdrawals by a coordinator and by a member, a substitution, fresh links, an email sent again,
a file of background material, the CSV exports, a cancellation, sign-out. Run by
tests/infra/aws_calls.py so that the console function's AWS calls are measured.
"""
from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:3000"
LONDON = ZoneInfo("Europe/London")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Browser:
    def __init__(self, **who: str) -> None:
        self.cookie, self.csrf = "", ""
        status, headers, _ = self.request("GET", "/_local/sign-in?" + urllib.parse.urlencode(who))
        expect("sign in", status, 302)
        self.cookie = headers["Set-Cookie"].split(";", 1)[0]

    def request(self, method: str, path: str, form: dict | None = None):
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(BASE + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        try:
            with OPENER.open(request, timeout=120) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def upload(self, path: str, filename: str, content: bytes, content_type: str, wanted: int = 303) -> str:
        """A file posted as the visit page's upload form does (multipart/form-data, the CSRF token a field)."""
        boundary = "walk-console-boundary"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(BASE + path, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("Cookie", self.cookie)
        try:
            with OPENER.open(request, timeout=120) as response:
                status, headers, html = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, html = error.code, error.headers, error.read().decode()
        expect(f"POST {path} ({filename})", status, wanted, html)
        return headers.get("Location") or ""

    def page(self, path: str, wanted: int = 200) -> str:
        status, _, html = self.request("GET", path)
        expect(f"GET {path}", status, wanted, html)
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        self.csrf = found.group(1) if found else self.csrf
        return html

    def post(self, path: str, form: dict, wanted: int = 303) -> str:
        status, headers, html = self.request("POST", path, {**form, "csrf_token": self.csrf})
        expect(f"POST {path}", status, wanted, html)
        return headers.get("Location") or ""


def expect(what: str, status: int, wanted: int, body=None) -> None:
    print(("ok   " if status == wanted else "FAIL ") + what)
    if status != wanted:
        print(f"  got {status}: {str(body)[:300]}")
        sys.exit(1)


def local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def main() -> int:
    coordinator = Browser(email="walk-coordinator@centre.example", name="Walk", groups="coordinators",
                          next="/console")
    coordinator.page("/console")
    coordinator.page("/console/visits/new")
    _, _, clock = coordinator.request("GET", "/_local/clock")
    now = datetime.fromisoformat(json.loads(clock)["now"].replace("Z", "+00:00"))  # the stack's virtual time
    visit_form = {"title": "Console walk", "theme": "Pages", "venue": "Hall", "host.organisation": "Host Police",
                  "host.contact_name": "Host", "host.contact_email": "host@host.example",
                  "starts_at": local(now + timedelta(days=30)), "applications_close_at": local(now + timedelta(days=5)),
                  "capacity": "4", "min_per_organisation": "1", "max_per_organisation": "2"}
    location = coordinator.post("/console/visits", visit_form)
    visit_path = urllib.parse.urlsplit(location).path
    visit_id = visit_path.rsplit("/", 1)[1]
    coordinator.page(f"{visit_path}/edit")
    coordinator.post(visit_path, {**visit_form, "capacity": "5"})

    member = Browser(email="walk-member@kent.example", name="Member", organisation="Kent Police", next="/members")
    member.page("/members")
    member.page(f"/members/visits/{visit_id}/apply")
    member.post(f"/members/visits/{visit_id}/apply", {"name": "Nobody"}, wanted=422)
    for n in range(3):
        member.post(f"/members/visits/{visit_id}/apply", {
            "name": f"Walker {n}", "email": f"walker{n}@kent.example", "role": "police", "job_title": "PC",
            "motivation": "Walk", "questions": ["Why?"], "prep_call": "join"})
    html = member.page("/members")
    mine = re.findall(r'/members/applications/([0-9a-f]+)/withdraw', html)
    member.post(f"/members/applications/{mine[0]}/withdraw", {})

    html = coordinator.page(visit_path)
    coordinator.page(f"{visit_path}/applications.csv")
    coordinator.post(f"{visit_path}/allocation", {})
    html = coordinator.page(visit_path)
    theirs = re.findall(r'/console/applications/([0-9a-f]+)/withdraw', html)
    coordinator.post(f"/console/applications/{theirs[0]}/withdraw", {})
    # The programme team's tools: a place handed to a colleague, fresh links, an email sent again, material.
    coordinator.page(f"/console/applications/{theirs[1]}/substitute")
    coordinator.post(f"/console/applications/{theirs[1]}/substitute", {"name": ""}, wanted=422)
    coordinator.post(f"/console/applications/{theirs[1]}/substitute", {
        "name": "Walker Colleague", "email": "walker-colleague@kent.example", "role": "staff", "job_title": "Analyst",
        "prep_call": "cannot_join"})
    html = coordinator.page(visit_path)
    held = re.findall(r'/console/applications/([0-9a-f]+)/reissue', html)
    coordinator.post(f"/console/applications/{held[0]}/reissue", {})
    html = coordinator.page(visit_path)
    kind, occasion, to = re.search(r'name="kind" value="([^"]+)"><input type="hidden" name="occasion" value="([^"]*)">'
                                   r'.*?<option>([^<]+)</option>', html, re.S).groups()
    coordinator.post(f"{visit_path}/resend", {"kind": kind, "occasion": occasion, "to": to})
    coordinator.upload(f"{visit_path}/material", "agenda.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf")
    coordinator.upload(f"{visit_path}/material", "agenda.exe", b"MZ", "application/octet-stream", wanted=415)
    coordinator.page("/console")
    coordinator.page("/console/ledger.csv")
    coordinator.page(visit_path)
    coordinator.post(f"{visit_path}/cancel", {}, wanted=422)
    coordinator.post(f"{visit_path}/cancel", {"confirm": "yes"})
    coordinator.page(visit_path)
    coordinator.page("/console/sign-in?next=/console", wanted=302)
    coordinator.post("/console/sign-out", {})
    coordinator.page("/console/signed-out")
    member.page("/console", wanted=403)
    return 0


if __name__ == "__main__":
    sys.exit(main())
