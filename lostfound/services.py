"""Writes of the lost-and-found system: every state change, keyword-only, atomic, notifying."""
