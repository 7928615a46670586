"""Celery tasks of the dorms system: take ids, re-read, run twice safely."""
