"""Campaign settings and status rules: validated once, the same for the CLI and the daemon."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from ccterm.errors import Conflict, UsageError
from ccterm.lifecycle import scheduled_status, transition
from ccterm.model import (
    BUCKET_LABELS,
    LEAD_BUCKETS,
    OPEN_BUCKETS,
    Campaign,
    CampaignStatus,
    LeadBucket,
    Role,
    bucket_counts,
    lead_bucket,
)
from ccterm.settings import MAX_NAMES, CampaignSettings, DialMode, LeadOrder, outbound_mode

S = CampaignStatus


def test_settings_round_trip_and_defaults() -> None:
    s = CampaignSettings()
    assert s.retry_minutes == {"no_answer": 120, "voicemail": 120, "busy": 120}
    assert s.ring_timeout >= 15 and s.abandon_cap == 0.03
    assert CampaignSettings.from_json(s.to_json()) == s
    assert s.cut_after == 15, "a ringing line no agent is free for is cut at the legal ring"
    assert s.merged({"cut_after": 0}).cut_after == 0 and s.merged({"cut_after": 20}).cut_after == 20


def test_merged_validates_every_value() -> None:
    s = CampaignSettings().merged(
        {
            "mode": "power",
            "lead_order": "fewest-attempts",
            "retry_minutes": {"busy": 30},
            "agents": "anna, bob",
            "dial_ratio": 2,
        }
    )
    assert s.mode is DialMode.POWER and s.lead_order is LeadOrder.FEWEST_ATTEMPTS
    assert s.retry_minutes["busy"] == 30 and s.retry_minutes["no_answer"] == 120
    assert s.agents == ("anna", "bob") and s.dial_ratio == 2.0


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"ring_timeout": 10}, "below the legal minimum of 15"),
        ({"ring_timout": 30}, "did you mean 'ring_timeout'"),
        ({"mode": "predictve"}, "did you mean 'predictive'"),
        ({"abandon_cap": 0.05}, "0.05 (5 %) is above the legal 0.03 (3 %)"),
        ({"max_attempts": 0}, "outside 1..100"),
        ({"retry_minutes": {"fax": 10}}, "'fax' is not one of"),
        ({"dial_ratio": "x"}, "expected a number"),
        ({"wrapup_seconds": 1.5}, "expected a whole number"),
        ({"safe_harbor": 2.5}, "longer than the legal 2 s"),
        ({"safe_harbor": -1}, "outside 0.0..inf"),
        ({"ratio_override": 0.5}, "neither 0 (automatic) nor 1..10"),
        ({"ratio_override": 11}, "outside 0.0..10.0"),
        ({"abandon_message": 3}, "expected the path of a WAV file"),
        ({"cut_after": 10}, "below the legal minimum ring of 15 s"),
        ({"cut_after": 200}, "outside 0..180"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(changes: dict, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        CampaignSettings().merged(changes)
    assert words in caught.value.message


def test_names_are_kept_once_in_order_up_to_a_thousand() -> None:
    many = [f"agent{i}" for i in range(MAX_NAMES)]
    half = many[: MAX_NAMES // 2]
    settings = CampaignSettings().merged({"agents": half + half[::-1], "tags": " b, a,b ,"})
    assert settings.agents == tuple(half) and settings.tags == ("b", "a")
    assert CampaignSettings().merged({"agents": many}).agents == tuple(many)
    for too_many in ([*many, "one more"], ",".join(["x"] * 500_000)):
        with pytest.raises(UsageError, match=f"agents: more than {MAX_NAMES} names"):
            CampaignSettings().merged({"agents": too_many})
    with pytest.raises(UsageError, match="groups: expected names, got list"):
        CampaignSettings().merged({"groups": [[[["deep"]]]]})


def test_pacing_settings_default_to_the_law_and_automatic() -> None:
    s = CampaignSettings()
    assert (s.safe_harbor, s.abandon_message, s.ratio_override) == (2.0, "", 0.0)
    s = s.merged({"safe_harbor": 1.5, "ratio_override": 2.5, "abandon_message": " m.wav "})
    assert (s.safe_harbor, s.abandon_message, s.ratio_override) == (1.5, "m.wav", 2.5)
    assert CampaignSettings.from_json(s.to_json()) == s


def test_status_transitions() -> None:
    now = 1000.0
    assert transition(S.SCHEDULED, "start", start_at=2000, end_at=None, now=now) is S.RUNNING
    assert transition(S.RUNNING, "pause", start_at=0, end_at=None, now=now) is S.PAUSED
    assert transition(S.PAUSED, "start", start_at=0, end_at=None, now=now) is S.RUNNING
    assert transition(S.RUNNING, "stop", start_at=0, end_at=None, now=now) is S.STOPPED
    assert transition(S.STOPPED, "start", start_at=0, end_at=None, now=now) is S.RUNNING
    with pytest.raises(Conflict):
        transition(S.FINISHED, "start", start_at=0, end_at=None, now=now)
    with pytest.raises(Conflict):
        transition(S.PAUSED, "start", start_at=0, end_at=900, now=now)  # its end has passed
    with pytest.raises(Conflict):
        transition(S.STOPPED, "pause", start_at=0, end_at=None, now=now)


def test_the_clock_starts_and_finishes_campaigns() -> None:
    assert scheduled_status(S.SCHEDULED, start_at=10, end_at=None, now=5) is S.SCHEDULED
    assert scheduled_status(S.SCHEDULED, start_at=10, end_at=None, now=10) is S.RUNNING
    assert scheduled_status(S.PAUSED, start_at=10, end_at=20, now=20) is S.FINISHED
    assert scheduled_status(S.PAUSED, start_at=10, end_at=None, now=99) is S.PAUSED


def test_visibility_by_role_and_group() -> None:
    c = Campaign(
        1, "x", S.RUNNING, CampaignSettings(groups=("sales",), agents=("zoe",)), 0, None, 0, 0
    )
    assert c.visible_to(Role.ADMIN, "root", "")
    assert c.visible_to(Role.SUPERVISOR, "sam", "sales")
    assert not c.visible_to(Role.SUPERVISOR, "sue", "support")
    assert c.visible_to(Role.AGENT, "ann", "sales")
    assert c.visible_to(Role.AGENT, "zoe", "support")
    assert not c.visible_to(Role.AGENT, "bob", "support")
    archived = replace(c, archived_at=5.0)
    assert not archived.visible_to(Role.AGENT, "ann", "sales"), "agents no longer see it"
    assert archived.visible_to(Role.SUPERVISOR, "sam", "sales"), "its supervisor keeps reports"
    assert Campaign.from_wire(archived.to_wire()) == archived


def test_inbound_is_refused_until_it_exists() -> None:
    assert outbound_mode("Power") is DialMode.POWER
    with pytest.raises(UsageError) as refused:
        outbound_mode("inbound")
    assert refused.value.message.startswith("campaigns dial out: there is no inbound mode")
    assert "[[inbound]] plan" in refused.value.hint
    with pytest.raises(UsageError, match="did you mean 'power'") as typo:
        outbound_mode("powr")
    assert typo.value.message == (
        "mode: 'powr' is not one of manual, power, predictive, precise (did you mean 'power'?)"
    ), "inbound is not offered"


# -- lead buckets: one definition of every count --------------------------------------

NOW = 1_000_000.0
B = LeadBucket


@pytest.mark.parametrize(
    ("lead", "bucket"),
    [
        (("dialing", 1, None, 0, None), B.DIALING),  # a call in progress first, blocked or not
        (("ready", 1, NOW - 5, 0, "callback"), B.BLOCKED),  # then a blocked number
        (("done", 1, None, 0, "wrong_number"), B.BLOCKED),
        (("exhausted", 1, None, 0, "busy"), B.BLOCKED),
        (("done", 0, None, 0, "done"), B.DONE),
        (("done", 0, None, 0, "invalid"), B.NO_SUCH_NUMBER),
        (("exhausted", 0, NOW - 5, 0, "no_answer"), B.EXHAUSTED),
        (("waiting", 0, NOW - 5, NOW - 5, "callback"), B.CALLBACK_DUE),  # not promoted yet
        (("ready", 0, NOW, NOW, "callback"), B.CALLBACK_DUE),
        (("waiting", 0, NOW + 5, NOW + 5, "callback"), B.CALLBACK),
        (("ready", 0, None, 0, None), B.READY),
        (("waiting", 0, None, NOW, "busy"), B.READY),  # its retry time has come
        (("waiting", 0, None, NOW + 1, "busy"), B.WAITING),
        (("waiting", 0, None, None, "not_disposed"), B.READY),
    ],
)
def test_every_lead_has_exactly_one_bucket(lead: tuple[Any, ...], bucket: LeadBucket) -> None:
    assert lead_bucket(*lead, NOW) is bucket


def test_buckets_see_times_only_as_due_or_not() -> None:
    """What lets the store count millions of leads by a few groups: any time on the same
    side of now gives the same bucket as the one time standing for that side."""
    rng = random.Random(7)
    for _ in range(5000):
        state = rng.choice(["ready", "waiting", "dialing", "done", "exhausted"])
        blocked = rng.random() < 0.2
        callback = rng.choice([None, NOW + rng.uniform(-9e5, 9e5)])
        next_at = rng.choice([0.0, NOW + rng.uniform(-9e5, 9e5)])
        last = rng.choice([None, "done", "invalid", "busy", "callback", "wrong_number"])
        exact = lead_bucket(state, blocked, callback, next_at, last, NOW)
        side = None if callback is None else (NOW if callback <= NOW else NOW + 1)
        stand_in = lead_bucket(state, blocked, side, NOW + (next_at > NOW), last, NOW)
        assert exact is stand_in


def test_bucket_counts_list_every_bucket_in_order() -> None:
    counts = bucket_counts([(B.READY, 3), (B.BLOCKED, 1), (B.READY, 2)])
    assert list(counts) == [str(b) for b in LEAD_BUCKETS]
    assert counts["ready"] == 5 and counts["blocked"] == 1 and sum(counts.values()) == 6
    assert set(BUCKET_LABELS) == set(LEAD_BUCKETS)
    assert {B.CALLBACK_DUE, B.READY, B.DIALING, B.CALLBACK, B.WAITING} == OPEN_BUCKETS
