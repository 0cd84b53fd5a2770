"""The job queue's entry point: ``celery -A app.worker worker`` and ``celery -A app.worker beat``.

The app is built from the environment like the app servers' (``APP_ENV``, ``DATABASE_URL``, ``QUEUE_URL`` …).
"""
from app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
