"""The supervisor lands on the national dashboard, whose top shows the districts whose overdue share rose most
from last month to this month so far."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.accountability import stats
from app.extensions import db
from app.kit.calendar import local_date
from app.models import AppealStat, Category, District, utcnow
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.landing_helpers import seed_people, sign_in
from tests.test_pages import check_page


def test_the_supervisor_signs_in_to_the_dashboard_and_other_staff_to_the_office(app, web, client):
    with app.app_context():
        seed_people()
        districts = create_reference_data()
        create_user("both@example.az", roles=[("supervisor", None), ("official", districts["GNC"])])
    landing = sign_in(web, "supervisor@demo.az").headers["Location"]
    assert landing.endswith("/office/accountability")
    page = client.get(landing + "?lang=en")
    assert page.status_code == 200 and "Where the overdue share rose most" in page.get_data(as_text=True)
    check_page(page.get_data(as_text=True), "en")
    # Signed in already, the sign-in page sends the supervisor to the dashboard too; the office still answers.
    assert client.get("/auth/login").headers["Location"].endswith("/office/accountability")
    office = client.get("/office/?lang=en").get_data(as_text=True)
    assert "Open the accountability dashboard" in office
    web.post("/auth/logout", {}, form_url="/office/")
    # A supervisor who also works a district lands in the office, where each role has its part.
    assert web.login("both@example.az", PASSWORD).headers["Location"].endswith("/office/")


def _month_rows(district_id: int, category_id: int, month, answered: int, on_time: int) -> AppealStat:
    return AppealStat(grain="month", period=month, district_id=district_id, category_id=category_id,
                      answered=answered, on_time=on_time)


def test_the_dashboard_top_lists_the_districts_whose_overdue_share_rose_most(app, web, client):
    today = local_date(utcnow())
    current = today.replace(day=1)
    last = (current - timedelta(days=1)).replace(day=1)
    with app.app_context():
        seed_people()
        codes = {d.code: d.id for d in db.session.scalars(select(District))}
        first, second = db.session.scalars(select(Category.id).order_by(Category.position).limit(2)).all()
        plan = {
            # code: (last month answered, on time), (this month answered, on time) — over two categories
            "GNC": ((20, 18), (10, 5)),    # 10 % → 50 %: +40 points
            "MSL": ((10, 5), (10, 2)),     # 50 % → 80 %: +30 points
            "QBA": ((10, 9), (10, 8)),     # 10 % → 20 %: +10 points
            "SMQ": ((10, 2), (10, 9)),     # fell: not listed
        }
        plan = {code: value for code, value in plan.items() if code in codes}
        for code, ((a_last, t_last), (a_now, t_now)) in plan.items():
            half = a_last // 2, t_last // 2
            db.session.add_all([
                _month_rows(codes[code], first, last, half[0], half[1]),
                _month_rows(codes[code], second, last, a_last - half[0], t_last - half[1]),
                _month_rows(codes[code], first, current, a_now, t_now),
            ])
        # Too few answers this month to compare, however steep the rise.
        small = next(code for code in codes if code not in plan)
        db.session.add_all([_month_rows(codes[small], first, last, 10, 10), _month_rows(codes[small], first, current, 4, 0)])
        db.session.commit()
        rises = stats.overdue_share_rises(today)
        assert [item.district_id for item in rises] == [codes[c] for c in ("GNC", "MSL", "QBA") if c in plan]
        assert round(rises[0].rise, 1) == 40.0 and round(rises[0].last, 2) == 0.1 and round(rises[0].current, 2) == 0.5
        # One category: GNC's last month in it was 9 of 10 on time, this month 5 of 10.
        assert [round(i.rise, 1) for i in stats.overdue_share_rises(today, category_id=first)][:1] == [40.0]
        names = {d.id: d.name_en for d in db.session.scalars(select(District))}
    sign_in(web, "supervisor@demo.az")
    html = client.get("/office/accountability?lang=en").get_data(as_text=True)
    table = html.split('id="rising-table"', 1)[1].split("</table>", 1)[0]
    listed = re.findall(r'<th scope="row"><a href="/office/accountability/(\w+)">([^<]+)</a></th>', table)
    assert [name for _code, name in listed] == [names[codes[c]] for c in ("GNC", "MSL", "QBA") if c in plan]
    first_row = table.split("</tr>", 2)[1]
    assert "10%" in first_row and "50%" in first_row and "+40" in first_row


def test_with_no_rise_the_dashboard_says_so(app, web, client):
    with app.app_context():
        seed_people()
    sign_in(web, "supervisor@demo.az")
    html = client.get("/office/accountability?lang=en").get_data(as_text=True)
    assert "In no district did the overdue share rise this month." in html and 'id="rising-table"' not in html
