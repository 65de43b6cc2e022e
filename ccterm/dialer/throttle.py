"""The trunk's calls-per-second limit: a token bucket on the clock, pure.

Tokens come back at `rate` a second and the bucket holds one, so calls start
evenly spaced, 1/rate seconds apart: in no second do more than `rate` INVITEs
leave (a burst of free agents is spread over the next seconds, not sent at
once, which is what carriers police). A dial an agent asks for by hand is
never refused: it takes its token on credit and the dialer waits it out.
"""

from __future__ import annotations

import math


class TokenBucket:
    def __init__(self, rate: float, capacity: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0")
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self._tokens = self.capacity
        self._at: float | None = None

    def _refill(self, now: float) -> None:
        if self._at is None:
            self._at = now
        elif now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def available(self, now: float) -> int:
        """Calls that may start now."""
        self._refill(now)
        return max(0, math.floor(self._tokens + 1e-9))

    def take(self, now: float, calls: int = 1) -> None:
        """Calls started now; beyond what was available they are owed."""
        self._refill(now)
        self._tokens -= calls

    def refund(self, calls: int) -> None:
        """Calls taken for and not placed (the list had no more): their tokens come back."""
        self._tokens = min(self.capacity, self._tokens + calls)

    def next_at(self, now: float) -> float:
        """When the next call may start."""
        self._refill(now)
        if self._tokens >= 1.0 - 1e-9:
            return now
        return now + (1.0 - self._tokens) / self.rate
