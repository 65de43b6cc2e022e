"""One rule list: the dial-time check refuses exactly when `lead why` says "not dialled now"."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccterm.dialer import eligibility
from ccterm.dialer.why import Entry, LeadFacts, NumberFacts, contact_of, explain
from tests.dialer.test_why import HOURS, NOW, NUMBER, POWER, READY

pytestmark = pytest.mark.usefixtures("here_is_warsaw")

offsets = st.sampled_from([-86_400.0, -600.0, -1.0, 0.0, 600.0, 7_200.0, 86_400.0 * 4])


@st.composite
def cases(draw: st.DrawFn) -> tuple[NumberFacts, LeadFacts]:
    state = draw(st.sampled_from(["ready", "waiting", "done", "exhausted"]))
    callback = draw(st.one_of(st.none(), offsets))
    lead = replace(
        READY,
        state=state,
        attempts=draw(st.integers(0, 6)),
        next_at=NOW + draw(offsets),
        callback_at=None if callback is None else NOW + callback,
        callback_agent=draw(st.sampled_from([None, "anna"])),
    )
    abandoned = draw(st.one_of(st.none(), st.sampled_from([-3 * 86_400.0, -3_600.0])))
    number = replace(
        NUMBER,
        timezone=draw(st.sampled_from(["America/Chicago", "Europe/Warsaw", ""])),
        dnc=draw(st.sampled_from([None, Entry("asked", "anna", NOW - 60)])),
        mark=draw(st.sampled_from([None, Entry("fax", "piotr", NOW - 60)])),
        abandoned_at=None if abandoned is None else NOW + abandoned,
    )
    return number, lead


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_dialer_and_lead_why_agree(case: tuple[NumberFacts, LeadFacts]) -> None:
    number, lead = case
    ask = eligibility.Ask(contact_of(number, lead), POWER.settings, NOW, None, HOURS)
    refused = eligibility.first(ask)
    answer = explain(number, lead, POWER, HOURS, NOW)
    assert (refused is not None) == (answer.verdict == "not_dialled"), (refused, answer)
    if refused is not None:  # the first reason the dialer gives is among those why lists
        codes = {r.code for r in answer.reasons}
        shown = {"wrong_number": "wrong_number", "fax": "fax"}.get(refused.code, refused.code)
        assert shown in codes or (refused.code == "retry" and codes), (refused, codes)


def test_the_first_refusal_follows_the_rule_order() -> None:
    marked = replace(NUMBER, dnc=Entry("asked", "anna", NOW - 60))
    done = replace(READY, state="done")
    ask = eligibility.Ask(contact_of(marked, done), POWER.settings, NOW, None, HOURS)
    assert [r.code for r in eligibility.every(ask)] == ["dnc", "done"]  # 20:59 in Chicago: open
    first = eligibility.first(ask)
    assert first is not None and first.code == "dnc" and first.block
    someone_elses = replace(READY, callback_agent="anna", callback_at=NOW - 60)
    for_piotr = eligibility.Ask(
        contact_of(NUMBER, someone_elses), POWER.settings, NOW, "piotr", None
    )
    refusal = eligibility.first(for_piotr)
    assert refusal is not None and refusal.code == "callback_owner"
    assert eligibility.first(replace(for_piotr, agent="anna")) is None
