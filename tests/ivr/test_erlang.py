"""Erlang C against values worked out by hand and from the textbook."""

from __future__ import annotations

import pytest

from ccterm.ivr.erlang import average_speed_of_answer, erlang_c, service_level


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
