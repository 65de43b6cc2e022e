"""The live floor: agents and calls as one pure state machine (events and `now` in, effects out).

The daemon's runner (daemon/runner.py) and `ccterm simulate` (dialer/sim.py) both
drive FloorCore (core.py); neither keeps a call flow of its own.
"""
