"""Services are given their stores by their entry; they never look them up."""
from __future__ import annotations

import ast
import inspect
from importlib import import_module
from pathlib import Path

import pytest

from shared import link_actions
from shared.deferred import named
from shared import topology

SERVICES = sorted((Path(__file__).parents[2] / "shared" / "services").glob("*.py"))
LOOKUPS = {"stores", "dynamodb", "in_memory", "use_at_entries"}   # what only an entry (or a test) may call


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.stem)
def test_no_service_looks_up_its_stores(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "shared.store":
            assert not LOOKUPS & {a.name for a in node.names}, f"{path.name}:{node.lineno} imports a lookup"
        if isinstance(node, ast.ImportFrom) and node.module == "shared":
            assert "store" not in {a.name for a in node.names}, f"{path.name}:{node.lineno} imports shared.store"


def _parameters(function: ast.FunctionDef | ast.Lambda) -> list[str]:
    return [a.arg for a in function.args.posonlyargs + function.args.args]


def _uses_free_stores(node: ast.AST) -> bool:
    """Whether `node`'s code uses a `stores` that no function inside it was given."""
    if isinstance(node, ast.Name):
        return node.id == "stores"
    if isinstance(node, (ast.FunctionDef, ast.Lambda)) and "stores" in _parameters(node):
        return False
    return any(_uses_free_stores(child) for child in ast.iter_child_nodes(node))


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.stem)
def test_a_service_that_uses_stores_takes_them_as_its_first_parameter(path):
    tree = ast.parse(path.read_text())
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        if any(_uses_free_stores(statement) for statement in function.body):
            assert _parameters(function)[:1] == ["stores"], f"{path.name}: {function.name} uses stores it was not given"
    assert not any(_uses_free_stores(n) for n in tree.body if not isinstance(n, ast.FunctionDef)), path.name


def _first_parameter(function) -> str:
    return next(iter(inspect.signature(function).parameters))


def test_every_reaction_and_link_action_is_given_the_stores():
    reactions = []
    for name in topology.consumers():
        consume = import_module(f"functions.{name}.handler").consume
        reactions += [r for r in [*consume.reactions.values(), *consume.timers.values()] if isinstance(r, str)]
    reactions += [action.service for action in link_actions.ACTIONS.values()]
    assert reactions
    for reaction in reactions:
        assert _first_parameter(named(reaction)) == "stores", reaction
