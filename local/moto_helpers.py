"""Six of moto's small helpers, computing the same answers without redoing constant work per call.

- `unix_time` builds the epoch (`utcfromtimestamp(0)`, a new datetime through a timezone
  conversion) at every call; SQS asks it twice per message held, at every send and receive
  (each message's visibility and delay), ~4% of the local stack's time over a programme. The
  epoch is the same naive 1970-01-01 each time: here it is built once (the current time is still
  read at each call, through moto's `utcnow`, so a frozen or moved clock is seen as before).
- `camelcase_to_underscores`, a pure function of its text, runs a character loop per call: the
  response layer converts each action's name with it at every call, and SQS each attribute's
  name of every queue it describes. Here each distinct text is converted once (bounded).
- SQS checks each message it is about to hand out against the queue's retention period, which it
  reads through `get_queue_attributes`: that computes every attribute of the queue three times
  over, and the approximate counts among them walk every message held (a receive of a batch
  from a queue of n messages cost n² reads of the clock). Here the check reads the period itself.
- SQS's `send_message` reads one attribute of the queue (ContentBasedDeduplication) through its
  `attributes`, which computes them all, the approximate counts by walking every message held, three
  times: delivering n events to a queue looked at n² messages. While it runs those counts, which it
  never reads, are not counted (0); anywhere else they are moto's.
- `utcnow` imports `datetime.UTC` at every call: SQS reads the time twice for each message it looks
  at (whether visible, whether delayed), some 300,000 times over a programme's year. Here `UTC` is
  bound once; the time is still read at every call, and `unix_time` still reads it through the
  module, so a test that moves moto's clock moves it here too.
- `get_random_string` draws each character with its own `choice` call: every answer moto gives
  carries a 52-character request id made so, ~3% of a small call. Here the characters are drawn
  from the same pool by one `choices` call of moto's own (seedable) random, so an id is as long,
  of the same characters, and the same for the same seed.

Installed once per process by `install()` (the local stack calls it), in the modules that call them.
"""
from __future__ import annotations

import string
import threading
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

_originals: dict[str, Any] = {}
_utils: Any = None  # moto.core.utils, bound by install(): its utcnow is read at each call


def install() -> None:
    from moto.core import responses, utils
    from moto.moto_api._internal.moto_random import MotoRandom
    from moto.sqs import models as sqs_models

    global _utils
    if _originals:
        return
    _utils = utils
    _originals.update(unix_time=utils.unix_time, camelcase_to_underscores=utils.camelcase_to_underscores,
                      epoch=utils.utcfromtimestamp(0),
                      retained=sqs_models.SQSBackend.is_message_valid_based_on_retention_period,
                      random_string=MotoRandom.get_random_string)
    MotoRandom.get_random_string = random_string  # type: ignore[method-assign]
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]
    _originals["send_message"] = sqs_models.SQSBackend.send_message
    sqs_models.SQSBackend.send_message = send_message  # type: ignore[method-assign]
    for name in _UNREAD_WHILE_SENDING:
        _originals[name] = getattr(sqs_models.Queue, name)
        setattr(sqs_models.Queue, name, property(_uncounted_while_sending(_originals[name])))
    utils.unix_time = unix_time  # unix_time_millis (SQS's) calls it through the module
    _originals["utcnow"] = utils.utcnow
    utils.utcnow = utcnow
    for module in (utils, responses, sqs_models):
        if getattr(module, "camelcase_to_underscores", None) is _originals["camelcase_to_underscores"]:
            module.camelcase_to_underscores = camelcase_to_underscores


_UNREAD_WHILE_SENDING = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
                         "approximate_number_of_messages_not_visible")
_sending = threading.local()


def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's SQSBackend.send_message (5.2.5), the queue's approximate counts left uncounted meanwhile."""
    _sending.active = True
    try:
        return _originals["send_message"](self, *args, **kwargs)
    finally:
        _sending.active = False


def _uncounted_while_sending(counted: property) -> Any:
    def count(queue: Any) -> int:
        return 0 if getattr(_sending, "active", False) else counted.fget(queue)
    return count


def utcnow() -> datetime:
    """moto.core.utils.utcnow (5.2.5): the current time in UTC, naive."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def unix_time(dt: Any = None) -> float:
    """moto.core.utils.unix_time (5.2.5) with the epoch built once."""
    dt = dt or _utils.utcnow()
    delta = dt - _originals["epoch"]
    return (delta.days * 86400) + (delta.seconds + (delta.microseconds / 1e6))


def retained(self: Any, queue_name: str, message: Any) -> bool:
    """moto's SQSBackend.is_message_valid_based_on_retention_period (5.2.5), the period read from the queue
    (what get_queue_attributes answers for MessageRetentionPeriod: the same attribute, an int)."""
    retention_period = self.get_queue(queue_name).message_retention_period
    return retention_period + message.sent_timestamp / 1000 > _utils.unix_time()


def random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
    """moto's MotoRandom.get_random_string (5.2.5): `length` characters of ASCII letters (and digits), in one draw."""
    pool = string.ascii_letters + (string.digits if include_digits else "")
    drawn = "".join(self.choices(pool, k=length))
    return drawn.lower() if lower_case else drawn


def camelcase_to_underscores(argument: Any) -> Any:
    """moto.core.utils.camelcase_to_underscores, once per distinct text."""
    if type(argument) is not str:
        return _originals["camelcase_to_underscores"](argument)
    return _converted(argument)


@lru_cache(maxsize=4096)
def _converted(argument: str) -> str:
    return _originals["camelcase_to_underscores"](argument)
