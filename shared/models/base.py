"""The base of the programme's pydantic models: a model builds its validator when first used, not when defined.

A function imports many models that a given request never uses (every event contract, the stored
items of other services, the settings before they are read): building each validator on import took
~40 ms of every cold start (`make bench`'s cold_start rows). Deferred, a path pays only for its own.
"""
from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
