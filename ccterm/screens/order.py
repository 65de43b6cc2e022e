"""The agent's list kept in call order as it changes, without sorting it again (pure).

A campaign may hold 400,000 contacts; sorting them takes about a second, so a
change must not mean a sort. Each contact carries its key and its bucket from
when it was last placed; a change takes it out by binary search and puts it
back, and the clock's own changes (a callback falling due, a retry time
coming) are kept in a heap of the moments they happen, so each contact moves
at its moment and no other. A large batch (a do-not-call list reaching many
contacts) is cheaper as one sort, and gets one.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from ccterm.model import LEAD_BUCKETS, LeadBucket
from ccterm.screens.leadview import LeadItem, bucket, sort_key, turns_at

KEY = attrgetter("key")
RESORT_SHARE = 0.01  # a batch touching more than this share of the list: one sort


class CallOrder:
    def __init__(self) -> None:
        self.items: dict[int, LeadItem] = {}
        self.sorted: list[LeadItem] = []  # by LeadItem.key
        self.counts: Counter[LeadBucket] = Counter()
        self._turns: list[tuple[float, int]] = []  # (when its bucket changes by the clock, id)

    def load(self, items: Iterable[LeadItem], now: float) -> None:
        self.items = {item.id: item for item in items}
        self._resort(now)

    def _resort(self, now: float) -> None:
        self._turns = []
        self.counts = Counter()
        for item in self.items.values():
            when = self._stamp(item, now)
            if when is not None:
                self._turns.append((when, item.id))
        heapq.heapify(self._turns)
        self.sorted = sorted(self.items.values(), key=KEY)

    def _stamp(self, item: LeadItem, now: float) -> float | None:
        """Its bucket and key as of `now`, counted; when the clock alone will move it."""
        item.bucket = bucket(item, now)
        item.key = sort_key(item, item.bucket)
        self.counts[item.bucket] += 1
        return turns_at(item, now)

    def _take_out(self, item: LeadItem) -> None:
        at = bisect_left(self.sorted, item.key, key=KEY)
        if at < len(self.sorted) and self.sorted[at] is item:
            del self.sorted[at]
        else:  # never expected: keys are unique; stay correct if one is not
            self.sorted.remove(item)
        self.counts[item.bucket] -= 1

    def _put_back(self, item: LeadItem, now: float) -> None:
        when = self._stamp(item, now)
        if when is not None:
            heapq.heappush(self._turns, (when, item.id))
        insort(self.sorted, item, key=KEY)

    def apply(self, leads: list[dict[str, Any]], now: float, owner: str = "") -> list[LeadItem]:
        """lead.changed / leads.changed data; the contacts of this list that changed.

        Another agent's callback leaves the list (it is their appointment); a lead that
        is new here joins when the change carries the whole row."""
        touched: list[LeadItem] = []
        whole = len(leads) > max(50, RESORT_SHARE * len(self.items))
        for lead in leads:
            lead_id = int(lead["id"])
            item = self.items.get(lead_id)
            if item is None and "contact_id" not in lead:
                continue
            if item is not None and not whole:
                self._take_out(item)
            if item is None:
                item = self.items[lead_id] = LeadItem.from_dict(lead)
            else:
                item.update(lead)
            touched.append(item)
            if item.callback_agent and owner and item.callback_agent != owner:
                del self.items[lead_id]
            elif not whole:
                self._put_back(item, now)
        if whole and touched:
            self._resort(now)
        return touched

    def advance(self, now: float) -> list[LeadItem]:
        """The clock's own changes up to `now`; the callbacks among them that fell due."""
        due: list[LeadItem] = []
        while self._turns and self._turns[0][0] <= now:
            _, lead_id = heapq.heappop(self._turns)
            item = self.items.get(lead_id)
            if item is None or bucket(item, now) is item.bucket:
                continue  # gone, or placed again since this moment was noted
            self._take_out(item)
            self._put_back(item, now)
            if item.bucket is LeadBucket.CALLBACK_DUE:
                due.append(item)
        return due

    def next_turn(self) -> float | None:
        return self._turns[0][0] if self._turns else None

    def index(self, item: LeadItem) -> int | None:
        """Where the contact is in call order (a binary search), or None."""
        at = bisect_left(self.sorted, item.key, key=KEY)
        return at if at < len(self.sorted) and self.sorted[at] is item else None

    def shown_counts(self) -> dict[LeadBucket, int]:
        """How many stand where, in the reports' order, zeros left out."""
        return {b: self.counts[b] for b in LEAD_BUCKETS if self.counts[b] > 0}
