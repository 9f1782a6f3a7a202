"""The sample envelopes in events/ parse as the versioned contracts consumers rely on."""
import inspect
import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from shared.models import events

SAMPLES = sorted((Path(__file__).parents[2] / "events").glob("*.json"))
CONTRACTS = {cls.__dict__["detail_type"]: cls for _, cls in inspect.getmembers(events, inspect.isclass)
             if isinstance(cls.__dict__.get("detail_type"), str)}


def test_there_is_a_sample_for_each_consumed_detail_type():
    from shared.topology import RULES

    consumed = {t for rule in RULES for t in rule.detail_types}
    assert consumed <= {p.stem for p in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_matches_its_contract(sample):
    envelope = parse(event=json.loads(sample.read_text()), model=EventBridgeModel)
    contract = CONTRACTS[envelope.detail_type]
    detail = contract.model_validate(envelope.detail)
    assert detail.version == 1 and envelope.source == "peer-learning-visits"
