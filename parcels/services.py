"""Writes of the parcels system: every state change, keyword-only, atomic, notifying."""
