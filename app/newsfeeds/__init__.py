"""News feeds and discovery: Atom feeds, the sitemap, news search and email subscriptions."""
from flask import Blueprint

bp = Blueprint("newsfeeds", __name__)

from app.newsfeeds import routes  # noqa: E402,F401  (the views register on bp)
