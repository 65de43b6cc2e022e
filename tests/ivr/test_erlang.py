"""Erlang C and A against values worked out by hand, the textbook and each other."""

from __future__ import annotations

import math

import pytest

from ccterm.ivr.erlang import (
    _queue_weights,
    average_speed_of_answer,
    erlang_a,
    erlang_c,
    service_level,
)


def test_erlang_c_by_hand_and_textbook() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # one agent: P(wait) = utilisation
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=5e-4)
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(3, 0.0) == 0.0


def test_service_level_and_asa() -> None:
    # 2 agents, 1 Erlang, 180 s talk: C = 1/3, ASA = C * 180 / (2 - 1) = 60 s
    assert average_speed_of_answer(2, 1.0, 180.0) == pytest.approx(60.0)
    sl = service_level(2, 1.0, 180.0, 20.0)
    assert sl == pytest.approx(1 - (1 / 3) * 2.718281828 ** (-20 / 180), abs=1e-6)
    assert service_level(2, 2.5, 180.0, 20.0) == 0.0


def test_erlang_a_without_patience_is_erlang_c() -> None:
    for agents, load in ((1, 0.5), (6, 5.0), (20, 17.0), (50, 45.0)):
        a = erlang_a(agents, load, 180.0, math.inf, 20.0)
        c = erlang_c(agents, load)
        assert a.p_abandon == 0.0
        assert a.p_wait == pytest.approx(c, abs=1e-9)
        assert a.p_wait_answered == pytest.approx(c, abs=1e-9)
        assert a.service_level == pytest.approx(service_level(agents, load, 180.0, 20.0), abs=1e-9)
        assert a.asa == pytest.approx(average_speed_of_answer(agents, load, 180.0), rel=1e-9)
        # and patience -> infinity tends to it
        far = erlang_a(agents, load, 180.0, 1e9, 20.0)
        assert far.p_wait == pytest.approx(c, abs=1e-6)
        assert far.p_abandon < 1e-6
        assert far.asa == pytest.approx(a.asa, rel=1e-5)


def test_erlang_a_one_agent_as_patient_as_talk_is_a_poisson_chain() -> None:
    # One agent, patience = talk: every caller in the system leaves at the same rate, so
    # the number in the system is Poisson(load), and Little gives the abandons.
    a = erlang_a(1, 1.0, 60.0, 60.0, 10.0)
    assert a.p_wait == pytest.approx(1 - math.exp(-1), abs=1e-9)
    assert a.p_abandon == pytest.approx(math.exp(-1), abs=1e-9)  # (A - 1 + e^-A) / A


def test_erlang_a_abandons_obey_littles_law() -> None:
    # abandons per second = 1/patience x mean queue length
    agents, load, talk, patience = 20, 22.0, 180.0, 90.0
    a = erlang_a(agents, load, talk, patience, 20.0)
    queue = _queue_weights(agents, load / talk, 1 / talk, 1 / patience)
    assert load / talk * a.p_abandon == pytest.approx(
        sum(k * p for k, p in enumerate(queue)) / patience, rel=1e-9
    )
    assert a.p_wait == pytest.approx(sum(queue), rel=1e-12)


def test_erlang_a_over_load_and_edges() -> None:
    # 120 Erlangs on 100 agents: about a sixth of the callers must give up
    assert erlang_a(100, 120.0, 180.0, 600.0, 20.0).p_abandon == pytest.approx(1 / 6, abs=0.005)
    over = erlang_a(3, 4.0, 180.0, math.inf, 20.0)
    assert (over.p_wait, over.service_level, over.asa) == (1.0, 0.0, math.inf)
    assert erlang_a(3, 0.0, 180.0, 60.0, 20.0).p_wait == 0.0
    # more patience: fewer give up, the answered wait longer
    short, long = erlang_a(6, 5.0, 180.0, 30.0, 20.0), erlang_a(6, 5.0, 180.0, 300.0, 20.0)
    assert short.p_abandon > long.p_abandon and short.asa < long.asa
    with pytest.raises(ValueError):
        erlang_a(0, 1.0, 180.0, 60.0, 20.0)
