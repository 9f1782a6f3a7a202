"""The one declaration is consistent: every route, rule and schedule reaches a declared function."""
from shared import topology


def test_every_route_rule_and_schedule_targets_a_declared_function():
    names = {f.name for f in topology.FUNCTIONS}
    assert {r.function for r in topology.ROUTES} <= names
    assert {r.function for r in topology.RULES} <= names
    assert {s.function for s in topology.SCHEDULES} <= names


def test_routes_are_unique_and_timer_kinds_are_owned_by_consumers():
    keys = [(r.method, r.path) for r in topology.ROUTES]
    assert len(keys) == len(set(keys))
    assert set(topology.TIMER_KINDS.values()) <= set(topology.consumers())


def test_the_sweep_runs_hourly():
    assert [s.expression for s in topology.SCHEDULES] == ["rate(1 hour)"]


def test_each_consumer_reacts_to_exactly_what_its_rules_send_it_and_to_its_own_timers():
    from importlib import import_module

    for name in topology.consumers():
        consume = import_module(f"functions.{name}.handler").consume
        sent = {t for rule in topology.RULES if rule.function == name for t in rule.detail_types}
        assert consume.detail_types == sent, name
        assert set(consume.timers) == {k for k, owner in topology.TIMER_KINDS.items() if owner == name}, name


def test_the_console_upload_form_and_binary_files_are_binary_media_types_and_text_is_not():
    # One declaration: the CDK app's binaryMediaTypes and the local stack's base64 bodies (tests/infra,
    # tests/local) both read it.
    assert "multipart/form-data" in topology.BINARY_MEDIA_TYPES and "application/pdf" in topology.BINARY_MEDIA_TYPES
    assert topology.is_binary("Multipart/Form-Data; boundary=----x")
    assert topology.is_binary("application/pdf")
    assert not topology.is_binary("text/plain; charset=utf-8")
    assert not topology.is_binary("application/json")
    assert not topology.is_binary(None)
