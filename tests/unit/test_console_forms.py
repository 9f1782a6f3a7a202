"""Forms of the console and the members' pages become the API's bodies (and back)."""
from datetime import datetime, timezone

from functions.console.forms import field_errors, london_input, person_body, visit_body


def test_visit_times_typed_in_london_time_become_utc():
    form = {"title": ["T"], "starts_at": ["2031-07-01T10:00"], "applications_close_at": ["2031-01-10T09:30"],
            "capacity": ["6"], "prep_call_at": [""], "min_per_organisation": ["1"]}
    body = visit_body(form)
    assert body["starts_at"] == "2031-07-01T09:00:00Z"            # BST
    assert body["applications_close_at"] == "2031-01-10T09:30:00Z"  # GMT
    assert body["capacity"] == 6 and body["min_per_organisation"] == 1
    assert "prep_call_at" not in body and "ends_at" not in body
    assert visit_body({"starts_at": [""]})["starts_at"] is None   # to be confirmed
    assert visit_body({"prep_call_at": [""]}, for_patch=True)["prep_call_at"] is None  # cleared by the patch


def test_what_the_model_must_refuse_passes_through_unchanged():
    body = visit_body({"capacity": ["many"], "starts_at": ["soon"]})
    assert body["capacity"] == "many" and body["starts_at"] == "soon"


def test_a_stored_time_shows_in_london_time():
    assert london_input(datetime(2031, 7, 1, 9, tzinfo=timezone.utc)) == "2031-07-01T10:00"


def test_an_application_form_keeps_only_the_questions_written():
    body = person_body({"name": [" Ada "], "questions": ["One?", " ", "Two?"], "role": [""], "prep_call": ["join"],
                        "motivation": ["Why"]})
    assert body["questions"] == ["One?", "Two?"] and "role" not in body and body["prep_call"] == "join"


def test_errors_are_named_as_the_form_names_its_fields_in_plain_words():
    assert field_errors({"questions[1]": "String should have at most 500 characters", "role": "Field required",
                         "body": "applications to this visit are closed",
                         "email": "String should match pattern '^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@'",
                         "questions": "List should have at least 1 item after validation, not 0",
                         "capacity": "Input should be greater than or equal to 2"}) == {
        "questions-1": "Too long: at most 500 characters", "questions": "Check the question marked below",
        "role": "This is required", "form": "Applications to this visit are closed",
        "email": "Enter an email address, like name@police.uk", "capacity": "Must be at least 2"}


def test_an_empty_email_asks_for_an_email_address_and_a_services_own_words_start_with_a_capital():
    assert field_errors({"email": "String should have at least 3 characters",
                         "attendance": "not confirmed visitors of this visit: a-1"}) == {
        "email": "Enter an email address, like name@police.uk",
        "attendance": "Not confirmed visitors of this visit: a-1"}
