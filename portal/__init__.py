"""Site shell of the 京鲁供需对接平台: settings, URLs, Celery app, home page and the task outbox."""

from .celery import app as celery_app

__all__ = ("celery_app",)
