"""Use cases: plain functions that take the acting user and data, check policy,
own the transaction and raise domain errors (``app.errors``)."""
