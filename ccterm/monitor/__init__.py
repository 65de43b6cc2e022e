"""The supervisor's wallboard, pure parts: alerts from the floor's facts (alerts.py)."""
