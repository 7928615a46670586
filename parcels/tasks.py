"""Celery tasks of the parcels system: take ids, re-read, run twice safely."""
