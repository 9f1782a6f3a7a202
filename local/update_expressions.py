"""moto's UpdateItem, without parsing and checking the same update expression over and over.

Every UpdateItem (alone or in a transaction) makes moto 5.2.5 parse its UpdateExpression twice
(the response layer, then the model), deep-copy the tree, then walk it with ten processors. Three
of them only check the expression's shape (at most one SET/ADD/REMOVE clause, no overlapping
paths, no key attribute updated), and they do it at every node of a tree that is a chain as deep
as the expression has actions: the app's stores write a whole item as `SET #u0 = :u0, ...` with
thirty-odd actions, and such an update cost ~30 ms locally, most of an allocation's transactions.
Here, with nothing changed in what moto answers:

- a parsed expression is kept by its text (moto's callers only read the tree: the validator
  works on its own copy), so each distinct expression is parsed once;
- once an expression has passed the three shape checks with the same attribute names on a table
  with the same key attributes (their only inputs), they are not run again for it; the checks
  that read the item and the values always run;
- the validator's copy of the tree is made node by node (a node holds its type name, its children
  and its parent) rather than by `copy.deepcopy`, which falls back for anything else;
- each processor walks the tree as moto's `DepthFirstTraverser` does (children first, in order,
  each replaced by what its processor returns), deciding once per node class rather than at every
  node whether and how it is processed (moto rebuilds the processing map and checks it through
  `abc`'s isinstance at each node; the map is fixed for a processor and node classes register no
  virtual subclasses).

Installed once per process by `install()` (the local stack calls it).
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

_INSTALLED = "_local_stack_update_expressions"
_SHAPE_CHECKS_PASSED: set[tuple[str, tuple, tuple]] = set()
_SHAPE_CHECKS_KEPT = 4096   # distinct (expression, names, keys); the set is emptied when it is full
_originals: dict[str, Any] = {}


def install() -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    if getattr(UpdateExpressionParser.make, _INSTALLED, False):
        return
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser

    _originals.update(make=UpdateExpressionParser.__dict__["make"], traverse=DepthFirstTraverser.traverse,
                      validate=validators.UpdateExpressionValidator.__dict__.get("validate"),
                      deepcopy=validators.deepcopy)

    @classmethod  # type: ignore[misc]
    def make(cls, expression_str):  # type: ignore[no-untyped-def]
        if cls is UpdateExpressionParser and isinstance(expression_str, str):
            return _parsed(expression_str)
        return _originals["make"].__func__(cls, expression_str)

    make.__func__._local_stack_update_expressions = True  # type: ignore[attr-defined]
    UpdateExpressionParser.make = make  # type: ignore[method-assign,assignment]
    validators.UpdateExpressionValidator.validate = _validate  # type: ignore[method-assign]
    validators.deepcopy = _copy_tree
    DepthFirstTraverser.traverse = _traverse  # type: ignore[method-assign]


@lru_cache(maxsize=2048)
def _parsed(expression: str) -> Any:
    """The tree moto's parser makes of an expression (an invalid one raises, and is not kept),
    marked with its text."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    tree = _originals["make"].__func__(UpdateExpressionParser, expression)
    tree._local_stack_text = expression
    return tree


# The processors that check only the expression's shape (they read no item and no value, and
# return the tree unchanged), in moto's order, first in the list.
_SHAPE_CHECKS = ("ActionCountValidator", "OverlappingPathsValidator", "UpdateHashRangeKeyValidator")


def _validate(self) -> Any:  # type: ignore[no-untyped-def]
    """moto's Validator.validate (every processor in turn over the copied tree), the shape checks
    skipped when they have passed before for the same inputs."""
    processors = self.processors
    if [type(p).__name__ for p in processors[:3]] == list(_SHAPE_CHECKS):
        key = _shape_key(self)
        if key is not None:
            processors = processors[3:] if key in _SHAPE_CHECKS_PASSED else \
                processors[:3] + [_Passed(key)] + processors[3:]
    node = self.node_to_validate
    for processor in processors:
        node = processor.traverse(node)
    return node


def _shape_key(validator: Any) -> tuple[str, tuple, tuple] | None:
    """What the shape checks read: the expression, the attribute names, the table's key attributes."""
    expression = getattr(validator.node_to_validate, "_local_stack_text", None)
    names = validator.expression_attribute_names or {}
    if expression is None or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        return None
    return expression, tuple(sorted(names.items())), tuple(validator.table.table_key_attrs)


class _Passed:
    """Placed after the shape checks: reaching it means they passed for this key."""

    def __init__(self, key: tuple[str, tuple, tuple]) -> None:
        self.key = key

    def traverse(self, node: Any) -> Any:
        if len(_SHAPE_CHECKS_PASSED) >= _SHAPE_CHECKS_KEPT:
            _SHAPE_CHECKS_PASSED.clear()
        _SHAPE_CHECKS_PASSED.add(self.key)
        return node


def _copy_tree(value: Any, memo: Any = None) -> Any:
    """`copy.deepcopy` of an expression tree, node by node (the validator's copy of the parsed tree).

    The copy remembers the expression's text (if the tree came from `_parsed`), for `_shape_key`."""
    from moto.dynamodb.parsing.ast_nodes import Node

    if memo is not None or not isinstance(value, Node) or value.parent is not None:
        return copy.deepcopy(value, memo)
    copied = _copy_node(value, None, Node)
    if copied is None:
        return copy.deepcopy(value)
    text = getattr(value, "_local_stack_text", None)
    if text is not None:
        copied._local_stack_text = text
    return copied


_PLAIN_LEAVES = (str, int, bool, type(None))
_NODE_ATTRIBUTES = {"type", "children", "parent"}


def _copy_node(node: Any, parent: Any, node_type: type) -> Any:
    """A copy of `node` under `parent`, or None if the node holds anything but a type name, children
    (nodes or plain values) and its parent (then the caller deep-copies as moto does)."""
    attributes = node.__dict__
    if not _NODE_ATTRIBUTES <= attributes.keys() <= _NODE_ATTRIBUTES | {"_local_stack_text"}:
        return None
    copied = object.__new__(type(node))
    copied.type = attributes.get("type")
    copied.parent = parent
    children = attributes.get("children")
    if children is None:
        copied.children = None
    else:
        if not isinstance(children, list):
            return None
        copied_children = []
        for child in children:
            if isinstance(child, node_type):
                if child.parent is not node:
                    return None
                child = _copy_node(child, copied, node_type)
                if child is None:
                    return None
            elif type(child) not in _PLAIN_LEAVES:
                return None
            copied_children.append(child)
        copied.children = copied_children
    return copied


def _traverse(self, node: Any) -> Any:  # type: ignore[no-untyped-def]
    """moto's DepthFirstTraverser.traverse (traverse_node_recursively from the root), with the node
    classes' processors looked up once per class. A processor class that overrides how it walks or
    picks processors walks moto's way."""
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node

    kind = type(self)
    if (kind.traverse_node_recursively is not DepthFirstTraverser.traverse_node_recursively
            or kind.nodes_to_be_processed is not DepthFirstTraverser.nodes_to_be_processed
            or kind.process is not DepthFirstTraverser.process):
        return _originals["traverse"](self, node)
    mapping = list(self._processing_map().items())
    pre_processing = (self.pre_processing_of_child
                      if kind.pre_processing_of_child is not DepthFirstTraverser.pre_processing_of_child else None)
    processor_of: dict[type, Any] = {}   # node class -> its processor, None (a node left as it is) or False (no node)

    def processor_for(node_class: type, node: Any) -> Any:
        if not isinstance(node, Node):
            found = False
        else:
            found = next((processor for class_key, processor in mapping if isinstance(node, class_key)), None)
        processor_of[node_class] = found
        return found

    def walk(node: Any, child_id: int) -> Any:
        node_class = type(node)
        processor = processor_of[node_class] if node_class in processor_of else processor_for(node_class, node)
        if processor is False:
            return node
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                if pre_processing is not None:
                    pre_processing(node, i)
                walk(child_node, i)
        if processor is not None:
            node = processor(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
        return node

    return walk(node, -1)
