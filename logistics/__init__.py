"""The Campus Logistics Portal project package and its shared core app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
