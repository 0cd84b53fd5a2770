"""Signals the newsroom sends after a commit that changes what the public sees."""
from blinker import Namespace

_signals = Namespace()

#: sent with ``sender=article_id`` after publishing, editing, archiving or publish-due
article_changed = _signals.signal("article-changed")
