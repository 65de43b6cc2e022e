"""The ops package: a module per resource, each small, reaching the center through Core."""

from __future__ import annotations

import ast
from pathlib import Path

import ccterm.daemon.ops as ops_package
from ccterm.daemon.ops import OPS
from ccterm.daemon.ops.base import Core
from ccterm.daemon.requests import Requests as Center

HERE = Path(ops_package.__file__).parent
MODULES = sorted(HERE.glob("*.py"))
CORE = {name for name in vars(Core) if not name.startswith("_")}


def test_each_module_is_small_and_says_what_it_serves() -> None:
    for path in MODULES:
        text = path.read_text()
        assert len(text.splitlines()) <= 400, path.name
        doc = ast.get_docstring(ast.parse(text))
        assert doc is not None and "\n" not in doc, path.name


def test_the_ops_reach_the_center_only_through_core() -> None:
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "ccterm.daemon.requests", path.name
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "center"
            ):
                assert node.attr in CORE, f"{path.name}: center.{node.attr} is not in Core"


def test_the_center_offers_all_of_core() -> None:
    for name in CORE:
        assert callable(getattr(Center, name)), name


def test_every_op_lives_in_its_resource_module() -> None:
    homes = {spec.handler.__module__.rsplit(".", 1)[-1] for spec in OPS.values()}
    assert homes == {
        "admin",
        "campaigns",
        "desk",
        "dnc",
        "imports",
        "leads",
        "monitor",
        "queues",
        "supervision",
    }
    assert OPS["call.monitor"].handler.__module__.endswith(".supervision")
    assert OPS["lead.why"].handler.__module__.endswith(".leads")
    assert OPS["monitor.snapshot"].handler.__module__.endswith(".monitor")
