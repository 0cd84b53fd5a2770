"""The queue's use cases on the real database: taking, refusing with the next free window, the desk's steps, the
no-show sweep and the booking-ahead limit, the figures for the accountability pages, the reception and e-service
hooks."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.errors import Invalid, NotFound
from app.models import QueueTicket
from app.queue import queries
from app.queue import service as queue
from tests.factories import create_reference_data, create_user
from tests.queue.helpers import TUESDAY_10, create_desk, create_queue_service
from tests.snapshots import replayed

NOW = TUESDAY_10  # 10:00 in Baku on Tuesday 8 December 2026
TODAY = date(2026, 12, 8)


@pytest.fixture
def world(ctx):
    """Gəncə with services A (general) and R (reception), two desks, an official; Masallı's official; residents.
    Built once, then put back (tests/snapshots.py)."""
    return replayed("queue service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    a = create_queue_service(gnc, "A", window_capacity=2)
    r = create_queue_service(gnc, "R", kind="reception")
    official = create_user("official@example.az", roles=[("official", gnc)])
    other = create_user("official.msl@example.az", roles=[("official", msl)])
    desk1 = create_desk(gnc, 1, [a, r])
    desk2 = create_desk(gnc, 2, [a])
    return dict(gnc=gnc, msl=msl, a=a, r=r, official=official, other=other, desk1=desk1, desk2=desk2,
                citizen=create_user("citizen@example.az"), neighbour=create_user("neighbour@example.az"))


def test_windows_follow_the_opening_hours(world):
    windows = queue.windows(world["a"], TODAY)
    assert [w.minute for w in windows] == list(range(540, 1080, 60))
    assert windows[0].starts_at.isoformat() == "2026-12-08T09:00:00+04:00"
    assert windows[-1].ends_at.isoformat() == "2026-12-08T18:00:00+04:00"


def test_take_numbers_tickets_per_district_and_day(world):
    first = queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    second = queue.take(world["neighbour"], world["gnc"], world["r"].id, TODAY, 660, NOW)
    assert (first.code, second.code) == ("A-001", "R-002")
    assert first.queued_at == first.window_starts_at
    assert first.status == "waiting" and first.source == "web"


def test_a_full_window_is_refused_with_the_next_free_one(world):
    queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    queue.take(world["neighbour"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    late = create_user("late@example.az")
    with pytest.raises(queue.Refused) as refused:
        queue.take(late, world["gnc"], world["a"].id, TODAY, 660, NOW)
    assert "This time is full." in refused.value.errors["window"]
    # 10:00–11:00 is still open (10:00 now) and free: it comes first.
    assert refused.value.offer == (TODAY, 600)
    assert "10:00–11:00" in refused.value.errors["window"]
    assert db.session.scalar(select(db.func.count(QueueTicket.id))) == 2


def test_a_closed_day_is_refused_with_the_next_free_window(world):
    saturday = date(2026, 12, 12)
    with pytest.raises(queue.Refused) as refused:
        queue.take(world["citizen"], world["gnc"], world["a"].id, saturday, 600, NOW)
    assert "does not take tickets" in refused.value.errors["day"]
    assert refused.value.offer == (TODAY, 600)
    for closed in (TODAY - timedelta(days=1), TODAY + timedelta(days=queue.BOOKING_DAYS + 1)):
        with pytest.raises(queue.Refused):
            queue.take(world["citizen"], world["gnc"], world["a"].id, closed, 600, NOW)
    with pytest.raises(queue.Refused) as over:
        queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 540, NOW)
    assert "This time is over." in over.value.errors["window"]


def test_next_free_window_moves_to_the_next_working_day(world):
    evening = NOW + timedelta(hours=8, minutes=30)  # 18:30: today is over
    assert queue.next_free_window(world["a"], evening)[0] == date(2026, 12, 9)
    friday_evening = NOW + timedelta(days=3, hours=9)
    assert queue.next_free_window(world["a"], friday_evening)[0] == date(2026, 12, 14)  # Monday


def test_one_live_ticket_per_resident_service_and_day(world):
    queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    with pytest.raises(Invalid) as twice:
        queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 720, NOW)
    assert "already have a ticket" in twice.value.errors["service"]


def test_unknown_service_and_window(world):
    with pytest.raises(Invalid) as wrong:
        queue.take(world["citizen"], world["msl"], world["a"].id, TODAY, 660, NOW)
    assert "service" in wrong.value.errors
    with pytest.raises(Invalid) as window:
        queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 661, NOW)
    assert "window" in window.value.errors


def test_the_desk_calls_in_queue_order_and_records_the_times(world):
    kiosk = queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=5))  # queued at 9:55
    online = queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 600, NOW - timedelta(hours=1))  # 10:00
    later = queue.take(world["neighbour"], world["gnc"], world["a"].id, TODAY, 660, NOW)  # 11:00: not yet
    queue.open_desk(world["official"], world["desk1"].id)
    first = queue.call_next(world["official"], world["desk1"].id, NOW)
    assert first.id == kiosk.id
    assert first.wait_seconds == 300 and first.desk_id == world["desk1"].id and first.status == "called"
    with pytest.raises(Invalid):
        queue.call_next(world["official"], world["desk1"].id, NOW)  # finish the current one first
    served = queue.serve(world["official"], world["desk1"].id, first.id, NOW + timedelta(minutes=7))
    assert served.service_seconds == 420 and served.status == "served"
    second = queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(minutes=8))
    assert second.id == online.id and second.wait_seconds == 8 * 60
    queue.mark_no_show(world["official"], world["desk1"].id, second.id, NOW + timedelta(minutes=9))
    assert db.session.get(QueueTicket, second.id).status == "no_show"
    assert queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(minutes=10)) is None
    third = queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(hours=1, minutes=1))
    assert third.id == later.id and third.wait_seconds == 60


def test_redirected_ticket_waits_for_its_desk_ahead_of_newcomers(world):
    official = world["official"]
    colleague = create_user("colleague@example.az", roles=[("official", world["gnc"])])
    queue.open_desk(official, world["desk1"].id)
    queue.open_desk(colleague, world["desk2"].id)
    sent = queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=3))
    newcomer = queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=2))
    queue.call_next(official, world["desk1"].id, NOW)
    queue.redirect(official, world["desk1"].id, sent.id, world["desk2"].id, NOW + timedelta(minutes=1))
    # Desk 1 does not take it back; desk 2 calls it before the older newcomer.
    assert queue.call_next(official, world["desk1"].id, NOW + timedelta(minutes=2)).id == newcomer.id
    assert sent.code not in str(queries.screen(world["gnc"].id, NOW + timedelta(minutes=2)))
    again = queue.call_next(colleague, world["desk2"].id, NOW + timedelta(minutes=3))
    assert again.id == sent.id and again.redirect_count == 1
    assert again.wait_seconds == 3 * 60 + 2 * 60  # the first wait plus the wait after the redirect
    assert {"code": sent.code, "desk": 2} in queries.screen(world["gnc"].id, NOW + timedelta(minutes=3))["calling"]


def test_recall_shows_the_ticket_on_top_of_the_screen(world):
    queue.open_desk(world["official"], world["desk1"].id)
    one = queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=3))
    queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=2))
    queue.call_next(world["official"], world["desk1"].id, NOW)
    queue.serve(world["official"], world["desk1"].id, one.id, NOW + timedelta(minutes=1))
    two = queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(minutes=2))
    assert queries.screen(world["gnc"].id, NOW + timedelta(minutes=2)) == {
        "calling": [{"code": two.code, "desk": 1}], "recent": [{"code": one.code, "desk": 1}]}
    before = two.called_at
    queue.recall(world["official"], world["desk1"].id, two.id, NOW + timedelta(minutes=4))
    assert db.session.get(QueueTicket, two.id).called_at == before


def test_another_districts_official_cannot_work_the_desk(world):
    with pytest.raises(NotFound):
        queue.open_desk(world["other"], world["desk1"].id)
    with pytest.raises(NotFound):
        queue.call_next(world["other"], world["desk1"].id, NOW)
    with pytest.raises(Invalid):  # a desk one has not opened
        queue.call_next(world["official"], world["desk1"].id, NOW)


def test_cancel_own_ticket_only(world):
    ticket = queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    with pytest.raises(NotFound):
        queue.cancel(world["neighbour"], ticket.id, NOW)
    assert queue.cancel(world["citizen"], ticket.id, NOW).status == "cancelled"
    with pytest.raises(Invalid):
        queue.cancel(world["citizen"], ticket.id, NOW)


def test_kiosk_refuses_when_the_front_desk_is_closed(world):
    with pytest.raises(Invalid):
        queue.print_ticket(world["gnc"], world["a"].id, NOW + timedelta(hours=9))  # 19:00
    with pytest.raises(Invalid):
        queue.print_ticket(world["gnc"], world["a"].id, NOW + timedelta(days=5))  # Sunday


def test_sweep_marks_unused_tickets_and_limits_booking_ahead(world):
    citizen, gnc, a = world["citizen"], world["gnc"], world["a"]
    # Three tickets on three days, none used.
    days = [TODAY, date(2026, 12, 9), date(2026, 12, 10)]
    for day in days:
        queue.take(citizen, gnc, a.id, day, 600, NOW)
    kiosk = queue.print_ticket(gnc, a.id, NOW)
    # 11:30 is within the grace of the 10:00–11:00 window: nothing yet.
    assert queue.sweep(NOW + timedelta(minutes=90)) == 0
    assert queue.sweep(NOW + timedelta(minutes=121)) == 1  # 12:01: the window ended an hour ago
    assert db.session.get(QueueTicket, kiosk.id).status == "waiting"  # kiosk tickets wait until the day ends
    friday = NOW + timedelta(days=3)
    assert queue.sweep(friday) == 3  # the kiosk ticket and the two online tickets of past days
    assert queue.sweep(friday) == 0  # idempotent
    assert queue.restricted(citizen, friday)
    with pytest.raises(queue.Refused) as refused:
        queue.take(citizen, gnc, a.id, date(2026, 12, 14), 600, friday)
    assert "today only" in refused.value.errors["day"]
    assert refused.value.offer == (date(2026, 12, 11), 600)
    assert queue.take(citizen, gnc, a.id, date(2026, 12, 11), 600, friday).status == "waiting"
    # Thirty days later the no-shows no longer count.
    assert not queue.restricted(citizen, NOW + timedelta(days=31))


def test_front_desk_figures(world):
    queue.open_desk(world["official"], world["desk1"].id)
    tickets = [queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=10 - n)) for n in range(3)]
    for n, ticket in enumerate(tickets[:2]):
        called = queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(minutes=n * 10))
        assert called.id == ticket.id
        queue.serve(world["official"], world["desk1"].id, ticket.id, NOW + timedelta(minutes=n * 10 + 4 + n))
    queue.call_next(world["official"], world["desk1"].id, NOW + timedelta(minutes=30))
    queue.mark_no_show(world["official"], world["desk1"].id, tickets[2].id, NOW + timedelta(minutes=31))
    cancelled = queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 660, NOW)
    queue.cancel(world["citizen"], cancelled.id, NOW)
    [row] = queries.front_desk_figures(TODAY, TODAY)
    waits = [600, 540 + 600, 480 + 1800]
    assert (row.district_id, row.service_code, row.tickets, row.served, row.no_shows) == (
        world["gnc"].id, "a", 3, 2, 1)
    assert row.mean_wait_seconds == pytest.approx(sum(waits) / 3)
    assert row.median_wait_seconds == 1140
    assert row.mean_service_seconds == pytest.approx((240 + 300) / 2)
    [desk] = queries.desk_figures(TODAY, TODAY, world["gnc"].id)
    assert (desk.number, desk.called, desk.served) == (1, 3, 2)
    assert desk.mean_wait_seconds == pytest.approx(sum(waits) / 3)
    assert desk.mean_service_seconds == pytest.approx(270)
    assert queries.front_desk_figures(TODAY, TODAY, world["msl"].id) == []
    assert queries.front_desk_figures(TODAY + timedelta(days=1), TODAY + timedelta(days=2)) == []


def test_place_and_estimated_wait(world):
    queue.open_desk(world["official"], world["desk1"].id)
    for n in range(3):
        queue.print_ticket(world["gnc"], world["a"].id, NOW - timedelta(minutes=5 - n))
    mine = queue.take(world["citizen"], world["gnc"], world["a"].id, TODAY, 600, NOW)
    ahead = queries.ahead_of(mine)
    assert ahead == 3  # the kiosk tickets of 9:55–9:57 come before a ticket of the 10:00 window
    # No service time recorded yet: the service's usual 10 minutes, one open desk.
    assert queries.estimated_wait_seconds(mine, ahead, NOW) == 1800
    colleague = create_user("colleague@example.az", roles=[("official", world["gnc"])])
    queue.open_desk(colleague, world["desk2"].id)
    assert queries.estimated_wait_seconds(mine, ahead, NOW) == 900
    first = queue.call_next(world["official"], world["desk1"].id, NOW)
    queue.serve(world["official"], world["desk1"].id, first.id, NOW + timedelta(minutes=4))
    assert queries.ahead_of(db.session.get(QueueTicket, mine.id)) == 2
    assert queries.estimated_wait_seconds(mine, 2, NOW) == 240  # 2 × 240 s recorded ÷ 2 desks


def test_the_residents_data_and_closing_the_account(world):
    from app.accounts import mydata
    from tests.factories import PASSWORD

    waiting = queue.take(world["citizen"], world["gnc"], world["a"].id, date(2026, 12, 9), 600, NOW)
    [row] = queue.export_own(world["citizen"], lambda *args: None)
    assert row["code"] == waiting.code and row["status"] == "waiting"
    mydata.close_account(world["citizen"], PASSWORD)
    assert db.session.get(QueueTicket, waiting.id).status == "cancelled"
