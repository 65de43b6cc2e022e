"""Erlang C: what a queue of N agents should give at a given load, to check the simulator.

With Poisson arrivals, exponential talk, no wrap-up and callers who never give
up, a first-come-first-served queue is M/M/N, and its waiting probability,
service level and average speed of answer have closed forms (Erlang C).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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


# -- Erlang A: callers who give up -----------------------------------------------------------

MAX_STATES = 2_000_000  # a chain that has not settled by then is refused, not truncated wrong
TAIL = 1e-12  # the chain is cut where a state's probability falls below this share


@dataclass(frozen=True, slots=True)
class ErlangA:
    """What M/M/N+M gives. `p_wait` and `p_abandon` are over every caller; the rest are over
    answered callers only, because that is what a queue's report (and the simulator) counts."""

    p_wait: float  # an arriving caller finds every agent busy
    p_abandon: float  # hangs up before an agent takes them
    p_wait_answered: float  # of the answered callers, the share that waited at all
    service_level: float  # of the answered callers, the share answered within `within`
    asa: float  # mean wait of the answered callers, in seconds


def erlang_a(agents: int, load: float, talk: float, patience: float, within: float) -> ErlangA:
    """M/M/N+M (Erlang A): Poisson arrivals, exponential talk with mean `talk`, and callers
    who hang up after an exponential wait with mean `patience` (math.inf: never, which is
    Erlang C).

    Solved on the birth-death chain of callers in the system rather than by the closed
    forms in incomplete gamma functions: a chain is easy to check and stays exact for any
    load, including loads over `agents`, which patience keeps finite. An arriving caller
    sees the chain's stationary state (PASTA); from k callers ahead of them they move up at
    rate N/talk + j/patience with j ahead and give up at 1/patience, which gives their
    chance of being answered, their mean wait and (by uniformization) the chance that an
    agent takes them within `within` seconds.
    """
    if agents < 1 or talk <= 0 or patience <= 0:
        raise ValueError("agents, talk and patience must be above 0")
    mu = 1.0 / talk
    theta = 0.0 if math.isinf(patience) else 1.0 / patience
    lam = max(load, 0.0) * mu
    if lam == 0:
        return ErlangA(0.0, 0.0, 0.0, 1.0, 0.0)
    if theta == 0 and load >= agents:  # nobody gives up and the queue grows for ever
        return ErlangA(1.0, 0.0, 1.0, 0.0, math.inf)
    queue = _queue_weights(agents, lam, mu, theta)  # arrivals finding k = 0, 1, ... ahead
    served_rate = agents * mu
    p_answered = 1.0 - sum(queue)  # those who find an agent free
    wait_answered = 0.0
    wait_total = 0.0
    p_served = 1.0
    mean_wait = 0.0
    for k, share in enumerate(queue):
        rate = served_rate + (k + 1) * theta  # leaving position k: moved up, or gave up
        p_served *= (served_rate + k * theta) / rate
        mean_wait += 1.0 / rate
        wait_answered += share * p_served
        wait_total += share * p_served * mean_wait
    p_answered += wait_answered
    within_answered = 1.0 - sum(queue) + _served_within(queue, served_rate, theta, within)
    return ErlangA(
        p_wait=sum(queue),
        p_abandon=1.0 - p_answered,
        p_wait_answered=wait_answered / p_answered,
        service_level=within_answered / p_answered,
        asa=wait_total / p_answered,
    )


def _queue_weights(agents: int, lam: float, mu: float, theta: float) -> list[float]:
    """Stationary P(n = agents + k callers in the system) for k = 0, 1, ...: the share of
    arrivals that find k callers waiting ahead of them. Kept in logarithms, since
    load^n / n! overflows a float for a few hundred agents."""
    logs = [0.0]
    top = 0.0
    n = 0
    while True:
        n += 1
        rate = (min(n, agents) * mu) + max(0, n - agents) * theta
        logs.append(logs[-1] + math.log(lam / rate))
        top = max(top, logs[-1])
        if n > agents and lam < rate and logs[-1] < top + math.log(TAIL):
            break  # past the peak and falling: the rest of the tail is smaller still
        if n >= MAX_STATES:
            raise ValueError("the queue does not settle: patience too long for this load")
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    return [w / total for w in weights[agents:]]


def _served_within(queue: list[float], served_rate: float, theta: float, t: float) -> float:
    """P(an arriving caller waits, and an agent takes them within t seconds).

    Uniformization of the waiting caller's own chain (position k: up at served_rate +
    k*theta, gone at theta; answered from position 0): with a rate cap L, it is a discrete
    chain stepped a Poisson(L*t) number of times."""
    if t <= 0 or not queue:
        return 0.0
    cap = served_rate + len(queue) * theta
    mean = cap * t
    steps = int(mean + 12.0 * math.sqrt(mean) + 30.0)
    up = [(served_rate + k * theta) / cap for k in range(len(queue))]
    still = [1.0 - (served_rate + (k + 1) * theta) / cap for k in range(len(queue))]
    where = list(queue)  # probability of being at position k, still waiting
    answered = 0.0  # ... and of having been answered, after m steps
    total = 0.0
    for m in range(steps + 1):
        total += math.exp(-mean + m * math.log(mean) - math.lgamma(m + 1)) * answered
        answered += where[0] * up[0]
        where = [
            p * s + (where[k + 1] * up[k + 1] if k + 1 < len(where) else 0.0)
            for k, (p, s) in enumerate(zip(where, still, strict=True))
        ]
    return total
