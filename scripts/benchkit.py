"""What the benchmark scripts share: timing a page through the whole Flask stack, and printing the results."""
from __future__ import annotations

import statistics
import time

from sqlalchemy import event

from app.extensions import db


def measure(client, url: str, runs: int) -> tuple[list[float], int]:
    """Server times (ms) of ``runs`` requests after two warm-ups, and the SQL statements of one."""
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    statements = 0

    def counter(*_args, **_kwargs):
        nonlocal statements
        statements += 1

    with client.application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    assert client.get(url).status_code == 200, url
    event.remove(engine, "before_cursor_execute", counter)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        times.append((time.perf_counter() - started) * 1000)
    return times, statements


def report(results: list[tuple[str, list[float], int]], width: int = 36) -> list[float]:
    """Print median, p95 and max per page with its statement count; return the medians."""
    print(f"{'page':{width}} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'SQL':>4}")
    medians = []
    for label, times, statements in results:
        times = sorted(times)
        medians.append(statistics.median(times))
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{label:{width}} {medians[-1]:10.1f} {p95:8.1f} {times[-1]:8.1f} {statements:4d}")
    return medians
