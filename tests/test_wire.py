"""The protocol's frames (pure)."""

from __future__ import annotations

from ccterm import wire


def test_an_event_encoded_once_is_the_same_frame_for_every_session() -> None:
    data = {"campaign_id": 3, "leads": [{"id": 812, "blocked": True}], "note": "Łódź"}
    shared = wire.encode_data(data)
    for seq in (1, 1042):
        framed = wire.encode_event(seq, "leads.changed", shared)
        assert framed == wire.encode(wire.event(seq, "leads.changed", data))
        assert wire.decode(framed) == {"seq": seq, "event": "leads.changed", "data": data}
