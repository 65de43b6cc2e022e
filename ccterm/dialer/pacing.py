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

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ccterm.dialer.forecast import AgentSide, Model, Queue, add_bernoulli
from ccterm.errors import UsageError
from ccterm.settings import MIN_RING_TIMEOUT

__all__ = ["POLICIES", "Decision", "Floor", "Model", "Pacer", "Policy", "parse_policy"]

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
    # The people expected from the lines in flight may exceed the agents free now or
    # within the ring time by ROOM_EXTRA, counting those agents ROOM_Z standard
    # deviations under their mean: when talk times vary a lot, fewer free than expected.
    ROOM_EXTRA = 1.0
    ROOM_Z = 1.0
    PRECISE_THRESHOLD = 0.01
    EXACT_AGENTS = 10  # up to this many busy agents, exact distributions; above, normal
    EXACT_LINES = 60
    MAX_BATCH = 200
    KEEP_LOAD = 1.0  # past the cut, lines kept while the people expected <= this x agents free
    # Bursts: with little budget left, the people the lines in flight may bring are counted
    # up to BURST_Z standard deviations over their mean (binomial), not only their mean;
    # the full BURST_Z at no budget, none from BURST_SLACK abandons of budget up.
    BURST_Z = 1.5
    BURST_SLACK = 6.0
    # A team of SMALL_TEAM agents or fewer earns its budget slowly (few answers an hour),
    # so its reference threshold is THETA_SMALL: at the same budget it risks a little more.
    SMALL_TEAM = 5
    THETA_SMALL = 0.04

    def __init__(
        self, policy: Policy, *, ring_timeout: float = 25.0, safe_harbor: float = 2.0
    ) -> None:
        self.policy = policy
        self.model = Model(ring_timeout, horizon=ring_timeout + safe_harbor + 1)
        self.safe_harbor = safe_harbor
        self.last: Decision | None = None
        self._agent_cache: tuple[tuple[object, ...], AgentSide] | None = None

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
        team = floor.idle + len(floor.talking) + len(floor.wrapping)
        ref = self.THETA_SMALL if team <= self.SMALL_TEAM else self.THETA_REF
        theta: float = ref * math.pow(2.0, doublings)
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

    def _agent_side(self, floor: Floor, offsets: Sequence[int]) -> AgentSide:
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
                    pmf = add_bernoulli(pmf, q)
            means[i], variances[i] = mean, var
            pmfs.append(pmf)
        result = AgentSide(means, variances, pmfs if exact else None)
        self._agent_cache = (key, result)
        return result

    def _burst_z(self, floor: Floor) -> float:
        """How many standard deviations of a burst of answers to allow for, by budget left."""
        team = floor.idle + len(floor.talking) + len(floor.wrapping)
        if self.BURST_Z <= 0 or team <= self.SMALL_TEAM:
            return 0.0  # a small team's lines in flight are few: no burst to speak of
        short = 1.0 - self.slack(floor) / self.BURST_SLACK
        return self.BURST_Z * min(1.0, max(0.0, short))

    @staticmethod
    def _most_lines(agents: float, p: float, z: float) -> int:
        """The most lines in flight whose people (binomial, chance p each) stay within
        `agents` at z standard deviations over their mean: L p + z sqrt(L p (1-p))."""
        if agents <= 0:
            return 0
        b = z * math.sqrt(p * (1.0 - p))
        root = (-b + math.sqrt(b * b + 4.0 * p * agents)) / (2.0 * p)
        return math.floor(root * root + 1e-9)

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
        queue = Queue(side, base, n, exact)
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
        # which the risks leave out, would take the agents its early answers need. Those
        # agents are counted one standard deviation under their mean, so when talk times
        # vary a lot and fewer free up than expected, the burst stays small.
        spread = self.ROOM_Z * math.sqrt(side.variances[-1])
        agents = floor.idle - floor.waiting + side.means[-1] - spread + self.ROOM_EXTRA
        kept = len(floor.ringing) - len(drop)
        p = model.answer_rate
        if p > 0:
            room = min(room, self._most_lines(agents, p, self._burst_z(floor)) - kept)
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
