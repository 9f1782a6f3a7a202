"""Calendar events (.ics) for visits and preparation calls, as pure code.

One visit (or call) is one event for its whole life: the same `UID` every time, a higher
`SEQUENCE` for each change, and `METHOD:CANCEL` with `STATUS:CANCELLED` to take it out of
the attendee's calendar. Times are written in UTC so no VTIMEZONE block is needed.

No event asks for a reply (`RSVP=FALSE`): a place is confirmed only through the email's link,
so a calendar's Accept button must not look like it does anything. An event is `TENTATIVE`
while the place is only offered, `CONFIRMED` once it is.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from icalendar import Event, vCalAddress

PRODID = "-//Peer Learning Visits//Programme//EN"
Method = Literal["REQUEST", "CANCEL"]
Status = Literal["TENTATIVE", "CONFIRMED"]


def calendar_event(*, uid: str, sequence: int, method: Method, summary: str, description: str, location: str,
                   starts_at: datetime, ends_at: datetime, organizer_email: str, attendee_email: str,
                   stamp: datetime, status: Status = "CONFIRMED", organizer_name: str = "") -> str:
    """The iCalendar text (CRLF lines) inviting `attendee_email` to, or cancelling, one event.

    `status` is the event's while it stands (a cancellation is always `CANCELLED`).
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported calendar method {method!r}")
    if status not in ("TENTATIVE", "CONFIRMED"):
        raise ValueError(f"unsupported event status {status!r}")
    if starts_at is None or ends_at is None:
        raise ValueError("a calendar event needs starts_at and ends_at (none while the date is to be confirmed)")
    from icalendar import Calendar  # only paths that build an invitation pay for icalendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_event(uid=uid, sequence=sequence, method=method, summary=summary,
                                  description=description, location=location, starts_at=starts_at,
                                  ends_at=ends_at, organizer_email=organizer_email,
                                  attendee_email=attendee_email, stamp=stamp, status=status,
                                  organizer_name=organizer_name))
    return _unfolded(calendar.to_ical().decode("utf-8"))


def _event(*, uid: str, sequence: int, method: Method, summary: str, description: str, location: str,
           starts_at: datetime, ends_at: datetime, organizer_email: str, attendee_email: str,
           stamp: datetime, status: Status, organizer_name: str) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(starts_at))
    event.add("dtend", _utc(ends_at))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    event.add("status", "CANCELLED" if method == "CANCEL" else status)
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(organizer_email, **({"cn": organizer_name} if organizer_name else {})))
    # No reply wanted: the link in the email is the only way to confirm (or withdraw).
    event.add("attendee", _address(attendee_email, role="REQ-PARTICIPANT", rsvp="FALSE"))
    return event


def _unfolded(text: str) -> str:
    """One line per property, so a UID or address can be found as written.

    Folding at 75 octets is only a SHOULD (RFC 5545 3.1) and every client reads long lines.
    Values never hold a raw CRLF (newlines are escaped as \\n), so CRLF+space is always a fold.
    """
    return text.replace("\r\n ", "")


def _address(email: str, **params: str) -> vCalAddress:
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{email}")
    for key, value in params.items():
        address.params[key.upper()] = value
    return address


def _utc(moment: datetime) -> datetime:
    # Stored times are UTC; a naive value is taken as UTC rather than as the host's local time.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
