"""Writes of the dorms system: every state change, keyword-only, atomic, notifying."""
