"""The demo reads visitors' links out of their emails the way a person would: by the button's label."""
from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes, policy

import random

from local.demo import (
    LINK_LINE, OFFER_ANSWERS, PROGRAMME, _colleague, _link_actions, _offer_answer, _read, _subject, _table,
    _visit_number,
)
from shared.adapters.mailer import Attachment, Email, mime_message
from shared.domain.rendering import LINK_LABELS


def test_every_link_label_of_an_email_text_is_read_as_its_action_and_token():
    text = "Hello Alex,\n\nGood news.\n\n" + "".join(
        f"{label}: https://api.example/links/tok-{action}_1\n" for action, label in LINK_LABELS.items())
    labels = _link_actions()

    found = {labels[m["label"].strip()]: m["token"] for m in LINK_LINE.finditer(text)}

    assert found == {action: f"tok-{action}_1" for action in LINK_LABELS}


def test_the_reference_programme_is_the_domain_s_six_visits_one_to_be_confirmed():
    assert len(PROGRAMME) == 6
    assert [p.starts_at is None for p in PROGRAMME] == [False] * 5 + [True]
    assert PROGRAMME[5].confirmed_on < PROGRAMME[5].closes_at < PROGRAMME[5].confirmed_date
    assert 450 <= sum(p.applications for p in PROGRAMME) <= 550


def test_the_summary_is_one_row_per_visit_under_one_header():
    rows = [{"visit": n, "theme": "t", "date": "2017-01-19", "capacity": 16, "applications": 90, "organisations": 27,
             "confirmed": 14, "withdrawn": 2, "lapsed": 1, "substituted": 1, "waitlisted": 70, "points": 20,
             "emails": 300, "reports": 2} for n in (1, 2)]

    lines = _table(rows).splitlines()

    assert len(lines) == 4 and lines[0].startswith("| visit") and set(lines[1]) <= {"|", "-"}
    assert "| lapsed | substituted | waitlisted |" in lines[0]


def test_a_few_offers_in_a_hundred_are_handed_to_a_colleague_the_rest_answered_as_before():
    shares = dict(OFFER_ANSWERS)
    rolls = [i / 10_000 for i in range(10_000)]

    answers = {answer: sum(1 for roll in rolls if _offer_answer(roll) == answer) / len(rolls) for answer in shares}

    assert abs(sum(shares.values()) - 1) < 1e-9
    assert all(abs(answers[answer] - share) < 2e-4 for answer, share in shares.items()), answers
    assert 0.03 <= shares["hand to a colleague"] + shares["confirm, then hand to a colleague"] <= 0.04
    assert shares["confirm"] > 0.7 and _offer_answer(0.0) == "confirm" and _offer_answer(0.99999) == "let lapse"


def test_a_colleague_taking_a_place_is_someone_new_at_the_holder_s_organisation_as_the_contract_asks():
    from shared.models.parsing import parse_body
    from shared.models.year import SubstituteIn

    rng = random.Random(1)
    holder = "sam.khan12@kentpolice.example"

    colleagues = [_colleague(rng, "Kent Police", holder, serial) for serial in range(1, 40)]

    assert all(c["email"].endswith("@kentpolice.example") and c["email"] != holder for c in colleagues)
    assert len({c["email"] for c in colleagues}) == len(colleagues)
    assert all(parse_body(SubstituteIn, c).role in ("police", "staff") for c in colleagues)
    assert parse_body(SubstituteIn, _colleague(rng, "University of Leicester", holder, 40)).role == "academic"


def test_an_email_about_a_visit_names_its_number_in_the_subject():
    assert _visit_number("A place for you: Peer learning visit 3: Jaguar Land Rover (to be confirmed by ...)") == 3
    assert _visit_number("Your place, from a colleague: Peer learning visit 12: Exeter") == 12
    assert _visit_number("Weekly digest") is None


def test_the_demo_reads_a_sent_email_as_its_recipient_does():
    text = "Bonjour Zoë,\n" + "Une très longue phrase, " * 8 + "\n\nConfirm my place: http://127.0.0.1:1/links/tok-1\n"
    email = Email(to=("Zoe@Uni.example", "lead@force.example"),
                  subject="Une place pour vous — visite « Bien-être » à Montréal : confirmez avant vendredi 23",
                  text=text, html='<p><a href="http://127.0.0.1:1/links/html-only">Confirm</a></p>',
                  attachments=(Attachment("notes.txt", "text/plain", "Withdraw: http://127.0.0.1:1/links/tok-2\n"),))
    raw = mime_message(email, sender="Team <team@example.org>", sent_at=datetime(2017, 1, 12, tzinfo=timezone.utc))

    parsed, read = _read(raw.decode("ascii"))

    assert parsed.get_all("To") == [str(message_from_bytes(raw, policy=policy.default)["To"])]
    assert _subject(parsed) == email.subject
    assert read.splitlines() == text.splitlines()
    assert [m["token"] for m in LINK_LINE.finditer(read)] == ["tok-1"]


def test_a_message_shaped_otherwise_is_read_whole():
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"], message["Subject"] = "kim@force.example", "Notes"
    message.set_content("<p>html first</p>", subtype="html")
    message.add_alternative("Withdraw: http://127.0.0.1:1/links/tok-9\n")
    parsed, read = _read(message.as_string())
    assert parsed.get_all("To") == ["kim@force.example"]
    assert [m["token"] for m in LINK_LINE.finditer(read)] == ["tok-9"]
    plain = EmailMessage()
    plain["To"] = "kim@force.example"
    plain.set_content("Just text.\n")
    assert _read(plain.as_string())[1] == "Just text.\n"
