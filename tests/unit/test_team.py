"""The programme team named by every email: from settings, with defaults that still name an inbox."""
from __future__ import annotations

from shared.domain.team import ProgrammeTeam
from shared.settings import Settings

REQUIRED = {"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "EVENT_BUS_NAME": "b", "BUCKET_NAME": "d",
            "MAIL_FROM": "no-reply@centre.example", "PUBLIC_BASE_URL": "https://api.test"}


def test_the_team_is_named_with_its_inbox_and_contact_line_from_settings():
    team = Settings.model_validate({**REQUIRED, "PROGRAMME_TEAM_NAME": "Visits Programme Team",
                                    "PROGRAMME_TEAM_EMAIL": "visits@centre.example",
                                    "PROGRAMME_TEAM_CONTACT": "Call 0113 496 0000 (weekdays 9:00 to 17:00)."}).programme_team

    assert team == ProgrammeTeam("Visits Programme Team", "visits@centre.example",
                                 "Call 0113 496 0000 (weekdays 9:00 to 17:00).")
    assert team.sender("no-reply@centre.example") == "Visits Programme Team <no-reply@centre.example>"


def test_without_settings_the_team_answers_at_the_sending_address_and_says_so():
    team = Settings.model_validate(REQUIRED).programme_team

    assert team.name == "Peer Learning Visits team"
    assert team.email == "no-reply@centre.example"
    assert "no-reply@centre.example" in team.contact and "Reply to this email" in team.contact
