"""Erlang C: what a queue of N agents should give at a given load, to check the simulator.

With Poisson arrivals, exponential talk, no wrap-up and callers who never give
up, a first-come-first-served queue is M/M/N, and its waiting probability,
service level and average speed of answer have closed forms (Erlang C).
"""

from __future__ import annotations

import math


def erlang_c(agents: int, load: float) -> float:
    """P(a caller waits) with `agents` and `load` Erlangs (arrival rate x mean talk)."""
    if load <= 0:
        return 0.0
    if load >= agents:
        return 1.0
    term = 1.0  # load^k / k!, summed stably
    total = 1.0
    for k in range(1, agents):
        term *= load / k
        total += term
    top = term * load / agents * agents / (agents - load)
    return top / (total + top)


def service_level(agents: int, load: float, talk: float, within: float) -> float:
    """Share of callers answered within `within` seconds."""
    if load >= agents:
        return 0.0
    wait = erlang_c(agents, load)
    return 1.0 - wait * math.exp(-(agents - load) * within / talk)


def average_speed_of_answer(agents: int, load: float, talk: float) -> float:
    """Mean wait over all callers, in seconds."""
    if load >= agents:
        return math.inf
    return erlang_c(agents, load) * talk / (agents - load)
