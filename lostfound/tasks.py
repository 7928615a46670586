"""Celery tasks of the lost-and-found system: take ids, re-read, run twice safely."""
