"""The programme team: who every email comes from, where replies go, and how to reach them."""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

DEFAULT_NAME = "Peer Learning Visits team"


@dataclass(frozen=True)
class ProgrammeTeam:
    name: str      # the sender's display name, and the signature of every email
    email: str     # the Reply-To address: an inbox people read (alerts to coordinators go here too)
    contact: str   # the contact line at the foot of every email

    @classmethod
    def of(cls, *, name: str = "", email: str, contact: str = "") -> "ProgrammeTeam":
        """The team with defaults for what is not given: a generic name, a contact line naming the inbox."""
        name = name.strip() or DEFAULT_NAME
        address = parseaddr(email)[1] or email
        contact = contact.strip() or f"Questions? Reply to this email, or write to the {name} at {address}."
        return cls(name=name, email=address, contact=contact)

    def sender(self, address: str) -> str:
        """`address` (a verified sending identity) shown with the team's name: `"Name" <address>`."""
        return formataddr((self.name, parseaddr(address)[1] or address))
