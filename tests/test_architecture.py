"""The shape of the code, checked: no import cycle in ccterm/ (TYPE_CHECKING imports count)
and no module over 500 lines. The import contracts run as `lint-imports` in .ci/run."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500

# Debts being paid by the live-core issue: each may not grow, and leaves this list when it
# is split (the test fails when a listed module is back under the limit, to keep it honest).
KNOWN_LARGE: dict[str, int] = {}
KNOWN_CYCLES: list[set[str]] = []


def cycles() -> list[set[str]]:
    """Strongly connected groups of modules (Tarjan), each a cycle of imports."""
    graph = grimp.build_graph("ccterm")
    modules = sorted(graph.modules)
    edges = {
        m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules)) for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                top = stack.pop()
                group.add(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(group)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_beyond_the_known_one() -> None:
    found = cycles()
    new = [group for group in found if group not in KNOWN_CYCLES]
    assert not new, f"import cycles: {[sorted(g) for g in new]}"
    gone = [group for group in KNOWN_CYCLES if group not in found]
    assert not gone, f"no longer cycles, take them off KNOWN_CYCLES: {gone}"


def test_no_module_over_500_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in (ROOT / "ccterm").rglob("*.py")
    }
    over = {name: n for name, n in sizes.items() if n > LIMIT and name not in KNOWN_LARGE}
    assert not over, f"modules over {LIMIT} lines: {over}"
    grown = {name: sizes.get(name) for name, n in KNOWN_LARGE.items() if sizes.get(name, 0) > n}
    assert not grown, f"known large modules grew: {grown}"
    paid = [name for name in KNOWN_LARGE if sizes.get(name, 0) <= LIMIT]
    assert not paid, f"now under {LIMIT} lines, take them off KNOWN_LARGE: {paid}"


# The event loop's own clock and timers: to go through the injected scheduler instead. Debts,
# each not allowed to grow; a module not listed may have none (ruff bans time.time & co.),
# but clock.py, whose schedulers are the loop's timers.
LOOP_CLOCK = re.compile(r"(?:loop|get_running_loop\(\))\.(?:call_later|call_at|time)\(")
CLOCK = "ccterm/clock.py"
KNOWN_LOOP_CLOCK: dict[str, int] = {}


def test_the_loop_clock_is_read_nowhere_new() -> None:
    found = {}
    for path in (ROOT / "ccterm").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        count = len(LOOP_CLOCK.findall(path.read_text()))
        if count and name != CLOCK:
            found[name] = count
    new = {n: c for n, c in found.items() if c > KNOWN_LOOP_CLOCK.get(n, 0)}
    assert not new, f"the loop's clock or timers used (use the injected scheduler): {new}"
    paid = [n for n, c in KNOWN_LOOP_CLOCK.items() if found.get(n, 0) < c]
    assert not paid, f"fewer uses now, lower KNOWN_LOOP_CLOCK: {paid}"
