"""The client-daemon protocol: newline-delimited JSON frames (pure, no I/O).

request {"id": 7, "op": "campaign.show", "args": {...}}
reply   {"id": 7, "ok": true, "result": {...}}
        {"id": 7, "ok": false, "error": {"code": "...", "message": "...", "hint": "..."}}
event   {"seq": 1042, "event": "campaign.changed", "data": {...}}

`hello` answers with the peer's identity, a snapshot of what its role may see and
the session's current seq; events then follow with seq rising by one per session,
so a client that sees a gap says hello again and replaces its state.
"""

from __future__ import annotations

import json
from typing import Any

from ccterm.errors import CctermError

PROTOCOL_VERSION = 1
MAX_FRAME = 8 * 1024 * 1024  # bytes in one line; import batches stay well under it

Frame = dict[str, Any]


class WireError(CctermError):
    code = "bad_frame"


def encode(frame: Frame) -> bytes:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def encode_data(data: dict[str, Any]) -> bytes:
    """An event's data, encoded once for every session that gets the event."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def encode_event(seq: int, name: str, data: bytes) -> bytes:
    """encode(event(seq, name, ...)) around data already encoded by encode_data."""
    name_json = json.dumps(name, ensure_ascii=False).encode()
    return b'{"seq":%d,"event":%b,"data":%b}\n' % (seq, name_json, data)


def decode(line: bytes) -> Frame:
    """One frame from one line; anything else is a WireError, never a crash."""
    if len(line) > MAX_FRAME:
        raise WireError(f"frame of {len(line)} bytes is over the {MAX_FRAME} byte limit")
    try:
        frame = json.loads(line)
    except RecursionError:  # the decoder's own limit, about 1,000 levels: never a crash
        raise WireError(
            "frame nested too deeply", "a request nests its arguments a few levels at most"
        ) from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, an integer of over 4,300 digits
        raise WireError(f"not a JSON frame: {exc}") from None
    if not isinstance(frame, dict):
        raise WireError("a frame must be a JSON object")
    return frame


def request(req_id: int, op: str, args: dict[str, Any] | None = None) -> Frame:
    return {"id": req_id, "op": op, "args": args or {}}


def ok(req_id: Any, result: Any) -> Frame:
    return {"id": req_id, "ok": True, "result": result}


def error(req_id: Any, code: str, message: str, hint: str = "") -> Frame:
    return {"id": req_id, "ok": False, "error": {"code": code, "message": message, "hint": hint}}


def event(seq: int, name: str, data: dict[str, Any]) -> Frame:
    return {"seq": seq, "event": name, "data": data}


def parse_request(frame: Frame) -> tuple[Any, str, dict[str, Any]]:
    """(id, op, args) of a request frame, or a WireError naming what is off."""
    req_id = frame.get("id")
    if not isinstance(req_id, int) or isinstance(req_id, bool):
        raise WireError("a request needs an integer 'id'")
    op = frame.get("op")
    if not isinstance(op, str) or not op:
        raise WireError("a request needs an 'op' string")
    args = frame.get("args", {})
    if not isinstance(args, dict):
        raise WireError("'args' must be an object")
    return req_id, op, args
