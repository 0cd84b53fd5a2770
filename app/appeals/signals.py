"""Signals of the appeals area, for the areas that react to an appeal's steps without the appeals area knowing them
(area alerts, followers of an appeal).

``appeal_step`` is sent inside the use case's transaction, right after a timeline event is written, with
``sender=appeal`` and ``event=`` the ``AppealEvent``. What a receiver writes (notifications, outbox rows) commits or
rolls back with the step itself; a receiver must not commit.
"""
from blinker import Namespace

_signals = Namespace()

#: sent with ``sender=appeal`` and ``event=AppealEvent`` for every step on an appeal's timeline
appeal_step = _signals.signal("appeal-step")
