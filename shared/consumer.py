"""Event consumers: EventBridge → SQS → Lambda, with partial batch failures.

Each SQS message body is the EventBridge envelope. A consumer is declared as
`{EventModel: reaction}`: the detail-type picks the model, the detail is checked against it
(and its `version`), and the reaction gets the stores (`shared.store.stores()`, built on the first
event: the consumer is the reactions' entry) and the model. A reaction that raises fails only its
own message, which SQS redelivers (then the DLQ): so does a detail that does not validate or
has a version this code does not know. Reactions must be idempotent: delivery is at least once.
A reaction may be named `"module:function"`, and an event by its detail-type (the name of its model in
shared/models/events.py): both are imported when the first event arrives, so a cold start (for an API
request, say) imports no service it does not run and none of the event contracts.
(Powertools' batch utility would do the same loop, but importing it loads every parser model:
~180 ms of each cold start.)
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Mapping

from shared.deferred import later, named
from shared.observability import logger

if TYPE_CHECKING:
    from shared.models.events import DomainEvent, TimerFired
    from shared.store import Stores

TIMER_FIRED = "TimerFired"
Reaction = Callable[["Stores", Any], None]   # (stores, the event's model)
ReactionOrName = Reaction | str   # "module:function", imported on first use


class UnknownVersion(ValueError):
    """An event of a version this code was not written for: it goes to the DLQ, not silently by."""


class Consumer:
    """A Lambda handler body for an SQS queue fed by EventBridge rules."""

    def __init__(self, reactions: Mapping[type[DomainEvent] | str, ReactionOrName],
                 timers: Mapping[str, ReactionOrName] | None = None, *,
                 stores: Callable[[], Stores] = later("shared.store:stores")):
        self.stores = stores  # where the reactions' stores come from: the entries' own, built on the first event
        self.reactions = {_detail_type(event): reaction for event, reaction in reactions.items()}
        self.timers = dict(timers or {})
        if self.timers:
            self.reactions[TIMER_FIRED] = self._on_timer

    @property
    def detail_types(self) -> set[str]:
        return set(self.reactions)

    def parse(self, detail_type: str, detail: dict) -> DomainEvent:
        from shared.models import events  # the contracts, with the first event

        model = getattr(events, detail_type)
        known = model.model_fields["version"].default
        if detail.get("version", known) != known:
            raise UnknownVersion(f"{detail_type} version {detail.get('version')}: this code knows version {known}")
        return model.model_validate(detail)

    def react(self, record: dict) -> None:
        envelope = json.loads(record["body"])
        detail_type, detail = envelope.get("detail-type"), envelope.get("detail") or {}
        if detail_type not in self.reactions:
            logger.warning("no reaction for event", extra={"detail_type": detail_type})
            return
        logger.append_keys(detail_type=detail_type, event_id=detail.get("event_id"))
        _resolved(self.reactions, detail_type)(self.stores(), self.parse(detail_type, detail))

    def _on_timer(self, stores: Stores, fired: TimerFired) -> None:
        if fired.kind not in self.timers:
            logger.warning("timer of unknown kind", extra={"kind": fired.kind})
            return
        _resolved(self.timers, fired.kind)(stores, fired)

    def __call__(self, event: dict, context: object) -> dict:
        failed = []
        for record in event.get("Records") or []:
            try:
                self.react(record)
            except Exception:
                logger.exception("reaction failed; the message will be redelivered",
                                 extra={"message_id": record.get("messageId")})
                failed.append(record.get("messageId", ""))
        return batch_answer(failed)


def _detail_type(event: type[DomainEvent] | str) -> str:
    return event if isinstance(event, str) else event.detail_type


def _resolved(reactions: dict, key: str) -> Reaction:
    """The reaction under `key`, imported (and kept) if it was named."""
    reaction = reactions[key]
    if isinstance(reaction, str):
        reaction = reactions[key] = named(reaction)
    return reaction


def batch_answer(failed_ids: list[str]) -> dict:
    """Lambda's partial batch response: only these records are retried."""
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed_ids]}


def is_sqs_batch(event: dict) -> bool:
    records = event.get("Records") or []
    return bool(records) and records[0].get("eventSource") == "aws:sqs"
