"""What the pacer learns and forecasts: answers, ring, talk and wrap-up times, and the
count distributions of people answering against agents freeing up.

Pure and clock-free like the pacer (dialer/pacing.py) that uses it: the `Model`
is told what happened and tabulates, per whole second ahead, the chance that a
line is answered by a person and that an agent is free; `AgentSide` and
`Queue` turn those into the chance that one more person finds no agent.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


def _phi(z: float) -> float:
    """The standard normal CDF."""
    return 0.5 * math.erfc(-z * _SQRT_HALF)


_SQRT_HALF = math.sqrt(0.5)


class Model:
    """Outcome, ring, talk and wrap-up statistics of the recent calls of one campaign.

    Predictions are tabulated on whole seconds and refitted every few dozen
    observations, so a decision costs table lookups, not distribution maths.
    """

    RESOLVED = 400  # dials the answer rate and ring times are learnt from
    DURATIONS = 300  # talks and wrap-ups the agents' times are learnt from
    MIN_RESOLVED = 60
    MIN_HUMANS = 5
    MIN_TALKS = 10
    RING_REFIT = 50  # resolved dials between refits of the ring tables
    TALK_REFIT = 100  # talks or wrap-ups between refits of the agents' tables
    HUMAN_POINTS = 6  # answer times a new line's risk is averaged over

    def __init__(self, ring_timeout: float = 25.0, horizon: float = 30.0) -> None:
        self.ring_timeout = ring_timeout
        self.horizon = math.ceil(max(horizon, ring_timeout + 1.0)) + 1  # whole seconds ahead
        self._resolved: deque[tuple[float, bool, bool]] = deque(maxlen=self.RESOLVED)
        self._humans = 0
        self._talks: deque[float] = deque(maxlen=self.DURATIONS)
        self._wraps: deque[float] = deque(maxlen=self.DURATIONS)
        self._ring_new = 0  # observations since the last refit
        self._talk_new = 0
        self._ready = False
        self.ring_version = 0
        self.talk_version = 0
        # Derived, refitted from the windows now and then:
        self.answer_rate = 0.0
        self.mean_talk = 0.0
        self.mean_wrap = 0.0
        self._human_after: list[float] = [0.0]  # P(person answers at >= second k), per dial
        self._open_after: list[float] = [1.0]  # P(still ringing at second k), per dial
        self._human_times: list[int] = []
        self._ring_rows: list[list[float]] = []
        self._talk_survival: list[float] = [1.0]
        self._talk_rows: dict[int, list[float]] = {}
        self._wrap_sorted: list[float] = []
        self._wrap_rows: dict[int, list[float]] = {}

    # observations

    def resolved(self, seconds: float, human: bool, *, cut: bool = False) -> None:
        """A dial stopped ringing `seconds` after it was made: a person answered, or not.

        `cut`: the dialer hung it up still ringing, so all it says is that nobody had
        answered by then (a censored observation, not a no-answer).
        """
        if len(self._resolved) == self.RESOLVED and self._resolved[0][1]:
            self._humans -= 1
        human = human and not cut
        self._resolved.append((max(0.0, seconds), human, cut))
        self._humans += human
        self._ring_new += 1

    def teach(self, other: Model) -> None:
        """Learn what another model saw (a campaign's new ring timeout: a new model)."""
        for seconds, human, cut in other._resolved:
            self.resolved(seconds, human, cut=cut)
        for talk in other._talks:
            self.talked(talk)
        for wrap in other._wraps:
            self.wrapped(wrap)

    def talked(self, seconds: float) -> None:
        self._talks.append(max(1.0, seconds))
        self._talk_new += 1

    def wrapped(self, seconds: float) -> None:
        self._wraps.append(max(0.0, seconds))
        self._talk_new += 1

    # state

    def learning(self) -> str:
        """'' when there is enough to predict from, else what is still missing."""
        if self._ready:
            return ""
        missing = []
        if len(self._resolved) < self.MIN_RESOLVED or self._humans < self.MIN_HUMANS:
            missing.append(
                f"{len(self._resolved)} of {self.MIN_RESOLVED} dials,"
                f" {self._humans} of {self.MIN_HUMANS} answers"
            )
        if len(self._talks) < self.MIN_TALKS:
            missing.append(f"{len(self._talks)} of {self.MIN_TALKS} talks")
        if len(self._wraps) < self.MIN_TALKS:
            missing.append(f"{len(self._wraps)} of {self.MIN_TALKS} wrap-ups")
        self._ready = not missing
        return "learning: " + ", ".join(missing) if missing else ""

    def refit(self) -> None:
        """Bring the tables up to date if enough has been observed since the last refit:
        a third more while samples are few, then every RING_REFIT / TALK_REFIT."""
        seen = len(self._resolved)
        if self.ring_version == 0 or self._ring_new >= min(self.RING_REFIT, 1 + seen // 3):
            self._fit_ring()
        seen = len(self._talks) + len(self._wraps)
        if self.talk_version == 0 or self._talk_new >= min(self.TALK_REFIT, 1 + seen // 3):
            self._fit_agents()

    def _fit_ring(self) -> None:
        """Ring tables from the recent dials, as a Kaplan-Meier estimate: a line the dialer
        cut while ringing counts as still ringing up to the cut, then leaves the sample."""
        self._ring_new = 0
        self.ring_version += 1
        bins = self.horizon + 1
        humans = [0] * bins
        others = [0] * bins
        cuts = [0] * (bins + 1)
        for seconds, human, cut in self._resolved:
            k = min(bins - 1, int(seconds))
            if cut:
                cuts[k] += 1  # at risk before second k, not in it
            elif human:
                humans[k] += 1
            else:
                others[k] += 1
        human_at = [0.0] * bins
        open_until = [0.0] * bins
        at_risk = len(self._resolved)
        alive = 1.0
        for k in range(bins):
            at_risk -= cuts[k]
            if at_risk <= 0 or alive <= 0.0:
                break
            ended = humans[k] + others[k]
            human_at[k] = alive * humans[k] / at_risk
            open_until[k] = alive * ended / at_risk
            alive -= open_until[k]
            at_risk -= ended
        open_until[bins - 1] += max(0.0, alive)  # longer than the horizon: ends unanswered
        self.answer_rate = sum(human_at)
        human_after = [0.0] * (bins + 1)
        open_after = [0.0] * (bins + 1)
        for k in range(bins - 1, -1, -1):
            human_after[k] = human_after[k + 1] + human_at[k]
            open_after[k] = open_after[k + 1] + open_until[k]
        self._human_after, self._open_after = human_after, open_after
        self._human_times = self._quantiles(human_at)
        self._ring_rows = [
            [self._human_between(e, e + r) for r in range(self.horizon + 1)]
            for e in range(self.horizon + 1)
        ]

    def _quantiles(self, human_at: list[float]) -> list[int]:
        """HUMAN_POINTS equally likely whole seconds at which a person answers a new line."""
        total = sum(human_at)
        if total <= 0.0:
            return [round(self.ring_timeout / 2)]
        points = self.HUMAN_POINTS
        times: list[int] = []
        acc = 0.0
        k = 0
        for i in range(points):
            goal = (i + 0.5) / points * total
            while k < len(human_at) - 1 and acc + human_at[k] < goal:
                acc += human_at[k]
                k += 1
            times.append(k)
        return times

    def _fit_agents(self) -> None:
        self._talk_new = 0
        self.talk_version += 1
        talks = self._talks
        if talks:
            logs = [math.log(t) for t in talks]
            mu = sum(logs) / len(logs)
            sigma = max(0.05, math.sqrt(sum((x - mu) ** 2 for x in logs) / max(1, len(logs) - 1)))
            self.mean_talk = sum(talks) / len(talks)
            limit = int(min(86_400.0, math.exp(mu + 6 * sigma))) + self.horizon + 2
            scale = 1.0 / (sigma * math.sqrt(2.0))
            self._talk_survival = [1.0] + [
                0.5 * math.erfc((math.log(t) - mu) * scale) for t in range(1, limit)
            ]
        self._talk_rows.clear()
        wraps = self._wraps
        if wraps:
            self._wrap_sorted = sorted(wraps)
            self.mean_wrap = sum(wraps) / len(wraps)
        self._wrap_rows.clear()

    # predictions

    def human_times(self) -> list[int]:
        """Equally likely whole seconds after dialling at which a new line's person answers."""
        return self._human_times

    def new_human_by(self, seconds: int) -> float:
        """P(a line dialled now is answered by a person within `seconds`)."""
        return self._ring_rows[0][min(seconds, self.horizon)]

    def ringing_row(self, elapsed: float) -> list[float]:
        """P(a line ringing for `elapsed` s is answered by a person within k more seconds)."""
        return self._ring_rows[min(self.horizon, int(elapsed))]

    def _human_between(self, start: int, end: int) -> float:
        last = len(self._open_after) - 1
        open_now = self._open_after[min(last, start)]
        if open_now <= 0.0:
            return 0.0
        return (self._human_after[min(last, start)] - self._human_after[min(last, end)]) / open_now

    def talk_row(self, elapsed: float) -> list[float]:
        """P(an agent `elapsed` s into a talk is free — talk and wrap-up done — within k s)."""
        # Long talks change slowly: share rows in 5 s steps after the first minute.
        key = int(elapsed) if elapsed < 60 else int(elapsed) // 5 * 5
        row = self._talk_rows.get(key)
        if row is None:
            row = self._talk_rows[key] = self._talk_free(key)
        return row

    def _talk_free(self, elapsed: int) -> list[float]:
        survival = self._talk_survival
        last = len(survival) - 1
        alive = survival[min(last, elapsed)]
        wraps = self._wrap_quantiles()
        row = [0.0] * (self.horizon + 1)
        if alive <= 1e-12:
            return row
        for k in range(1, self.horizon + 1):
            total = 0.0
            for wrap in wraps:
                left = k - wrap
                if left > 0:
                    total += 1.0 - survival[min(last, elapsed + int(left))] / alive
            row[k] = total / len(wraps)
        return row

    def _wrap_quantiles(self) -> list[float]:
        wraps = self._wrap_sorted
        if not wraps:
            return [0.0]
        n = len(wraps)
        return [wraps[min(n - 1, int((i + 0.5) * n / 4))] for i in range(4)]

    def wrap_row(self, elapsed: float) -> list[float]:
        """P(an agent `elapsed` s into wrap-up has finished it within k s)."""
        key = int(elapsed)
        row = self._wrap_rows.get(key)
        if row is None:
            wraps = self._wrap_sorted
            n = len(wraps)
            done = bisect.bisect_right(wraps, key)
            if done >= n:  # longer than any seen: expect it soon
                row = [0.0] + [1.0] * self.horizon
            else:
                row = [
                    (bisect.bisect_right(wraps, key + k) - done) / (n - done)
                    for k in range(self.horizon + 1)
                ]
            self._wrap_rows[key] = row
        return row


def add_bernoulli(pmf: list[float], p: float) -> list[float]:
    """The distribution of a count after one more yes/no with chance p."""
    out = [0.0] * (len(pmf) + 1)
    q = 1.0 - p
    for j, x in enumerate(pmf):
        out[j] += x * q
        out[j + 1] += x * p
    return out


def short_chance(supply: list[float], demand: list[float], base: int) -> float:
    """P(base + agents freed <= people answering first): the new line's person finds no one."""
    tail = [0.0] * (len(demand) + 1)  # tail[d] = P(demand >= d)
    for d in range(len(demand) - 1, -1, -1):
        tail[d] = tail[d + 1] + demand[d]
    last = len(demand)
    short = 0.0
    for s, p in enumerate(supply):
        need = base + s
        short += p * (1.0 if need <= 0 else tail[need] if need <= last else 0.0)
    return short


@dataclass(frozen=True, slots=True)
class AgentSide:
    means: list[float]
    variances: list[float]
    pmfs: list[list[float]] | None  # exact distributions, for small teams


class Queue:
    """The people who answer before each of some points in time, against the agents free
    by then: exact count distributions for small floors, a normal approximation beyond."""

    def __init__(self, side: AgentSide, base: int, points: int, exact: bool) -> None:
        self.side = side
        self.base = base
        self.exact = exact
        self.pmfs: list[list[float]] = [[1.0] for _ in range(points)]
        self.means = [0.0] * points
        self.variances = [0.0] * points

    def add(
        self, before: Sequence[float], count: int = 1, only: Sequence[int] | None = None
    ) -> None:
        """`count` lines whose person answers before point i with chance before[i]."""
        for i in range(len(self.means)) if only is None else only:
            a = before[i]
            self.means[i] += count * a
            self.variances[i] += count * a * (1.0 - a)
            if self.exact:
                for _ in range(count):
                    self.pmfs[i] = add_bernoulli(self.pmfs[i], a)

    def short(self, i: int) -> float:
        """P(no agent for one more person who answers at point i)."""
        side = self.side
        if self.exact:
            assert side.pmfs is not None
            return short_chance(side.pmfs[i], self.pmfs[i], self.base)
        m = self.base + side.means[i] - self.means[i]
        v = side.variances[i] + self.variances[i]
        return _phi((0.5 - m) / math.sqrt(v + 0.25))
