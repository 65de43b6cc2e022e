"""How many more lines to dial now: the pacing policies, pure and clock-free.

The same `Pacer` runs live in the daemon and in `ccterm simulate`; it is told
what happened (a dial resolved, a talk or wrap-up ended) and asked, with a
`Floor` snapshot and `now`, how many lines to add. Nothing here reads a clock.

- progressive: ringing + waiting calls never exceed idle agents (no abandons);
- ratio:K: K lines in flight per idle agent (what a supervisor sets by hand);
- predictive: a model learnt online — which dials end in a live answer and
  when, how long talk and wrap-up last — predicts, for one more line, the
  chance that the person answers when no agent is free within the safe-harbor
  time. Lines are added while that chance stays under a threshold, and the
  threshold follows the abandon budget actually left in the compliance window
  (cap × live answers − abandons): spent budget makes the dialer careful,
  saved budget lets it lean in. Until it has enough samples it paces as
  progressive and says so;
- precise: predictive that plans for one agent fewer, so the person who
  answers practically never waits.

Predictive and precise also cut: a line that has rung the legal minimum (15 s)
while no agent is free is hung up unanswered, as the ring timeout would have,
instead of being left to answer into an abandon. So a new line risks only the
people who answer before the cut: a later answer finds an agent free, or its
line is hung up before it. `drop=0` in the policy turns cutting off. Whatever
the risks say, the people expected from the lines in flight never outnumber
the agents free now or within the ring time by more than one.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ccterm.errors import UsageError
from ccterm.model import MIN_RING_TIMEOUT

POLICIES = ("progressive", "ratio:K", "predictive[:target=0.03][,drop=15]", "precise[:drop=15]")
MIN_RING = float(MIN_RING_TIMEOUT)  # a line rings this long before it may be hung up (FCC/FTC)
DEFAULT_DROP = MIN_RING  # by default a line no agent is free for is cut as soon as it may be


@dataclass(frozen=True, slots=True)
class Policy:
    kind: str  # progressive | ratio | predictive | precise
    ratio: float = 1.0
    target: float = 0.03
    drop: float = DEFAULT_DROP  # predictive, precise: seconds rung before a cut (0: never)

    def __str__(self) -> str:
        if self.kind == "ratio":
            return f"ratio:{self.ratio:g}"
        cut = "" if self.drop == DEFAULT_DROP else f"drop={self.drop:g}"
        if self.kind == "predictive":
            return f"predictive:target={self.target:g}" + (f",{cut}" if cut else "")
        if self.kind == "precise" and cut:
            return f"precise:{cut}"
        return self.kind


def parse_policy(text: str) -> Policy:
    """'progressive', 'ratio:2.5', 'predictive', 'predictive:target=0.02,drop=0', 'precise'."""
    kind, _, arg = text.strip().lower().partition(":")
    if kind == "progressive" and not arg:
        return Policy(kind)
    if kind == "ratio":
        try:
            ratio = float(arg)
        except ValueError:
            ratio = math.nan
        if not 0.1 <= ratio <= 50:
            raise UsageError(
                f"policy '{text}': the ratio must be a number from 0.1 to 50", "e.g. ratio:2"
            )
        return Policy("ratio", ratio=ratio)
    if kind in ("predictive", "precise"):
        options = {"target": 0.03, "drop": DEFAULT_DROP}
        allowed = ("target", "drop") if kind == "predictive" else ("drop",)
        for part in filter(None, arg.split(",")):
            key, _, value = part.partition("=")
            key = key.strip()
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if key not in allowed:
                raise UsageError(
                    f"policy '{text}': unknown option '{key}'",
                    f"{kind} takes {' and '.join(f'{k}=' for k in allowed)},"
                    " e.g. predictive:target=0.03,drop=15",
                )
            if key == "target" and not 0.0 < number <= 0.2:
                raise UsageError(
                    f"policy '{text}': target must be an abandon rate in (0, 0.2]",
                    "e.g. predictive:target=0.03",
                )
            if key == "drop" and not (number == 0 or MIN_RING <= number <= 600):
                raise UsageError(
                    f"policy '{text}': drop must be 0 (never) or {MIN_RING:g} to 600 seconds,"
                    f" since a line must ring at least {MIN_RING:g} s before it is hung up",
                    "e.g. predictive:drop=15",
                )
            options[key] = number
        return Policy(kind, target=options["target"], drop=options["drop"])
    raise UsageError(f"unknown policy '{text}'", f"use one of: {', '.join(POLICIES)}")


@dataclass(slots=True)
class Floor:
    """One campaign's floor at `now`: who is free, busy and ringing. Times are epoch seconds."""

    now: float
    idle: int  # agents free now
    talking: Collection[float]  # when each talking agent's call was connected
    wrapping: Collection[float]  # when each agent in wrap-up started it
    ringing: Collection[float]  # when each line not yet answered or ended was dialled
    waiting: int  # people who answered and wait for an agent
    lines_in_use: int  # every line, also those no agent will take (AMD, message)
    screening: int = 0  # answered lines answering-machine detection is still judging
    max_lines: int = 0  # 0: no cap
    answered: int = 0  # live answers in the compliance window
    abandoned: int = 0  # of which abandoned


@dataclass(frozen=True, slots=True)
class Decision:
    """What the pacer decided and the inputs it used, for `ccterm campaign show`."""

    dial: int
    policy: str
    learning: str  # "" once predictive, else why it still paces as progressive
    answer_rate: float
    mean_talk: float
    idle: int
    soon_free: float  # agents expected free within the horizon
    ringing: int
    waiting: int
    ratio: float  # lines in flight per agent free now or soon, after this decision
    risk: float  # predicted abandon chance of the last line added (or of the next one)
    threshold: float
    drop: tuple[float, ...] = ()  # lines to hang up unanswered, by when each was dialled

    def to_dict(self) -> dict[str, object]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["drop"] = len(self.drop)  # lines cut now; when each was dialled means nothing outside
        return out


# -- what the pacer learns ----------------------------------------------------------------


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


def _add_bernoulli(pmf: list[float], p: float) -> list[float]:
    """The distribution of a count after one more yes/no with chance p."""
    out = [0.0] * (len(pmf) + 1)
    q = 1.0 - p
    for j, x in enumerate(pmf):
        out[j] += x * q
        out[j + 1] += x * p
    return out


def _short(supply: list[float], demand: list[float], base: int) -> float:
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
class _AgentSide:
    means: list[float]
    variances: list[float]
    pmfs: list[list[float]] | None  # exact distributions, for small teams


# -- the pacer ----------------------------------------------------------------------------


class Pacer:
    """One campaign's pacing: the learnt model, the policy, and the last decision."""

    # The abandon-chance threshold is THETA_REF when the budget left equals SLACK_REF
    # abandons; it doubles with every SLACK_DOUBLING abandons more budget and halves
    # with every SLACK_HALVING fewer. The budget aims MARGIN (relative) under the cap.
    MARGIN = 0.035
    THETA_REF = 0.03
    THETA_MAX = 0.1  # never a line more likely than this to be abandoned
    SLACK_REF = 3.0
    SLACK_DOUBLING = 3.0
    SLACK_HALVING = 1.0
    PRECISE_THRESHOLD = 0.01
    EXACT_AGENTS = 10  # up to this many busy agents, exact distributions; above, normal
    EXACT_LINES = 60
    MAX_BATCH = 200
    KEEP_LOAD = 1.0  # past the cut, lines kept while the people expected <= this x agents free

    def __init__(
        self, policy: Policy, *, ring_timeout: float = 25.0, safe_harbor: float = 2.0
    ) -> None:
        self.policy = policy
        self.model = Model(ring_timeout, horizon=ring_timeout + safe_harbor + 1)
        self.safe_harbor = safe_harbor
        self.last: Decision | None = None
        self._agent_cache: tuple[tuple[object, ...], _AgentSide] | None = None

    def slack(self, floor: Floor) -> float:
        """Abandons the window can still take before its rate passes the target."""
        return self.policy.target * (1.0 - self.MARGIN) * floor.answered - floor.abandoned

    def threshold(self, floor: Floor) -> float:
        if self.policy.kind == "precise":
            return self.PRECISE_THRESHOLD
        above = self.slack(floor) - self.SLACK_REF
        # Below the reserve the threshold halves with every abandon: the rate must end
        # under the cap in every window, not on average.
        doublings = above / (self.SLACK_DOUBLING if above > 0 else self.SLACK_HALVING)
        theta: float = self.THETA_REF * math.pow(2.0, doublings)
        return min(self.THETA_MAX, theta)

    def decide(self, floor: Floor) -> Decision:
        kind = self.policy.kind
        learning = ""
        self.model.refit()  # cheap unless enough is new; keeps the shown statistics fresh
        if kind in ("predictive", "precise"):
            learning = self.model.learning()
            if not learning:
                decision = self._predict(floor)
                self.last = decision
                return decision
        ratio = self.policy.ratio if kind == "ratio" else 1.0
        in_flight = len(floor.ringing) + floor.screening + floor.waiting
        dial = self._progressive(floor, ratio)
        decision = Decision(
            dial=dial,
            policy=str(self.policy),
            learning=learning,
            answer_rate=self.model.answer_rate,
            mean_talk=self.model.mean_talk,
            idle=floor.idle,
            soon_free=float(floor.idle),
            ringing=len(floor.ringing),
            waiting=floor.waiting,
            ratio=(in_flight + dial) / floor.idle if floor.idle else 0.0,
            risk=0.0,
            threshold=0.0,
        )
        self.last = decision
        return decision

    def _progressive(self, floor: Floor, ratio: float) -> int:
        """Lines that keep ratio x idle agents in flight (ringing, screened or waiting)."""
        in_flight = len(floor.ringing) + floor.screening + floor.waiting
        return self._capped(max(0, math.floor(ratio * floor.idle + 1e-9) - in_flight), floor)

    @staticmethod
    def _capped(want: int, floor: Floor) -> int:
        if floor.max_lines > 0:
            want = min(want, floor.max_lines - floor.lines_in_use)
        return max(0, want)

    def _agent_side(self, floor: Floor, offsets: Sequence[int]) -> _AgentSide:
        """Agents free by each offset (mean, variance, and for small teams the exact
        distribution); cached while nothing changes."""
        model = self.model
        key = (
            int(floor.now),
            model.talk_version,
            tuple(offsets),
            len(floor.talking),
            sum(floor.talking),
            len(floor.wrapping),
            sum(floor.wrapping),
        )
        if self._agent_cache is not None and self._agent_cache[0] == key:
            return self._agent_cache[1]
        now = floor.now
        means = [0.0] * len(offsets)
        variances = [0.0] * len(offsets)
        rows = [model.talk_row(now - since) for since in floor.talking]
        rows += [model.wrap_row(now - since) for since in floor.wrapping]
        exact = len(rows) <= self.EXACT_AGENTS
        pmfs: list[list[float]] = []
        for i, offset in enumerate(offsets):
            mean = var = 0.0
            pmf = [1.0]
            for row in rows:
                q = row[offset]
                mean += q
                var += q * (1.0 - q)
                if exact:
                    pmf = _add_bernoulli(pmf, q)
            means[i], variances[i] = mean, var
            pmfs.append(pmf)
        result = _AgentSide(means, variances, pmfs if exact else None)
        self._agent_cache = (key, result)
        return result

    def drop_after(self) -> float:
        """Seconds of ringing after which a line no agent will be free for is hung up (0: never).

        The law asks a line to ring 15 s before the dialer gives up on it; past that, a
        line whose person would find nobody is worth less than the abandon it risks.
        """
        cut = self.policy.drop
        if self.policy.kind not in ("predictive", "precise") or cut <= 0:
            return 0.0
        return cut if cut < self.model.ring_timeout else 0.0

    def _predict(self, floor: Floor) -> Decision:
        model = self.model
        reserve = 1 if self.policy.kind == "precise" else 0
        times = model.human_times()
        n = len(times)
        now = floor.now
        cut = self.drop_after()
        if cut and sum(t < cut for t in times) * 3 < n:
            cut = 0.0  # most people answer after the cut: cutting would lose them, not save any
        base = floor.idle - floor.waiting - reserve
        # Past the cut, a line is kept ringing only while an agent is free to take its
        # person; when none is, it is hung up rather than left to be abandoned.
        drop: list[float] = []
        by_age: dict[int, int] = {}  # lines ringing on, by whole seconds rung
        free = floor.idle - floor.waiting  # (precise's reserve is for new lines only)
        load = 0.0  # people expected from the lines kept past the cut
        for since in sorted(floor.ringing):
            age = int(now - since)
            if cut and age >= cut:
                expected = model.ringing_row(age)[-1]
                if free <= 0 or load + expected > self.KEEP_LOAD * free:
                    drop.append(since)
                    continue
                load += expected
            by_age[age] = by_age.get(age, 0) + 1
        harbor = int(self.safe_harbor)
        offsets = [min(model.horizon, t + harbor) for t in times]
        # For each time a new line's person may answer: agents free by then (+ the safe
        # harbor) against the people from lines already ringing who answer before.
        side = self._agent_side(floor, [*offsets, max(offsets)])
        exact = side.pmfs is not None and len(floor.ringing) <= self.EXACT_LINES
        queue = _Queue(side, base, n, exact)
        for age, count in by_age.items():
            row = model.ringing_row(age)
            queue.add([row[t] for t in times], count)
        theta = self.threshold(floor)
        # A new line's person who answers after the cut finds an agent or is hung up on
        # before answering, so only the answers before the cut carry risk.
        judged = [i for i, t in enumerate(times) if not cut or t < cut]
        new_before = [model.new_human_by(t) for t in times]
        room = self.MAX_BATCH if floor.max_lines <= 0 else floor.max_lines - floor.lines_in_use
        # Never more people expected from the lines in flight than agents free now or
        # within the ring time (+1), whatever the risks say: a big batch's late answers,
        # which the risks leave out, would take the agents its early answers need.
        agents = floor.idle - floor.waiting + side.means[-1] + 1.0
        expected = (len(floor.ringing) - len(drop)) * model.answer_rate
        if model.answer_rate > 0:
            room = min(room, math.floor((agents - expected) / model.answer_rate))
        dial = 0
        risk = 0.0
        while dial < min(room, self.MAX_BATCH):
            risk = sum(queue.short(i) for i in judged) / n
            if risk > theta:
                break
            queue.add(new_before, only=judged)
            dial += 1
        if reserve:  # precise: never fewer lines than progressive, which abandons nobody
            dial = max(dial, self._progressive(floor, 1.0))
        soon = side.means[-1]
        in_flight = len(floor.ringing) - len(drop) + floor.screening + floor.waiting + dial
        available = floor.idle + soon
        return Decision(
            dial=dial,
            policy=str(self.policy),
            learning="",
            answer_rate=model.answer_rate,
            mean_talk=model.mean_talk,
            idle=floor.idle,
            soon_free=soon,
            ringing=len(floor.ringing),
            waiting=floor.waiting,
            ratio=in_flight / available if available > 0 else float(in_flight),
            risk=risk,
            threshold=theta,
            drop=tuple(drop),
        )


class _Queue:
    """The people who answer before each of some points in time, against the agents free
    by then: exact count distributions for small floors, a normal approximation beyond."""

    def __init__(self, side: _AgentSide, base: int, points: int, exact: bool) -> None:
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
                    self.pmfs[i] = _add_bernoulli(self.pmfs[i], a)

    def short(self, i: int) -> float:
        """P(no agent for one more person who answers at point i)."""
        side = self.side
        if self.exact:
            assert side.pmfs is not None
            return _short(side.pmfs[i], self.pmfs[i], self.base)
        m = self.base + side.means[i] - self.means[i]
        v = side.variances[i] + self.variances[i]
        return _phi((0.5 - m) / math.sqrt(v + 0.25))
