"""Commands: seed-demo, create-admin, translate."""
from __future__ import annotations

from sqlalchemy import func, select

from app import create_app
from app.accounts.passwords import verify_password
from app.accounts.two_factor import DEMO_TOTP_SECRET, DEMO_TWO_FACTOR
from app.administration.seed import DEMO_PASSWORD, DEMO_USERS
from app.appeals.demo import DEMO_APPEALS, DEMO_RESIDENTS
from app.commitments.service import DEMO_COMMITMENTS
from app.eservices.demo import read_catalogue
from app.extensions import db
from app.models import Appeal, Article, Category, Commitment, Department, District, RoleAssignment, Service, User
from app.news.demo import DEMO_ARTICLES
from app.polls.demo import DEMO_POLLS
from app.proposals.demo import DEMO_PROPOSALS
from tests.factories import PRODUCTION_SETTINGS
from tests.landing_helpers import seed_demo_command


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (District, Department, Category, User, RoleAssignment, Appeal)
        )


def test_seed_demo_is_idempotent_and_creates_the_demo_accounts(app, runner):
    exit_code, first_output = seed_demo_command(app, runner)
    assert exit_code == 0, first_output
    assert "20 new districts" in first_output and f"{len(DEMO_USERS)} new demo accounts" in first_output
    assert f"{DEMO_APPEALS} new demo appeals" in first_output
    after_first = counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 new districts" in second.output
    assert "0 new demo appeals" in second.output and "0 new reception days" in second.output
    assert "10 new reception days" in first_output  # Gəncə and Masallı have a head: today and 4 coming weeks
    assert f"{len(DEMO_COMMITMENTS)} new commitments" in first_output and "0 new commitments" in second.output
    assert f"{len(read_catalogue())} new e-services" in first_output and "0 new e-services" in second.output
    # Gəncə and Masallı have an official: an application in each of the 8 states in each.
    assert "16 new e-service applications" in first_output and "0 new e-service applications" in second.output
    assert f"{len(DEMO_ARTICLES)} new news articles" in first_output and "0 new news articles" in second.output
    with app.app_context():
        statuses = set(db.session.scalars(select(Article.status)))
        assert statuses == {"draft", "review", "scheduled", "published", "archived"}
        assert db.session.scalar(select(func.count()).select_from(Article).where(Article.cover_image_id.is_not(None))) >= 6
    assert f"{len(DEMO_POLLS)} new polls" in first_output and "0 new polls" in second.output
    assert f"{len(DEMO_PROPOSALS)} new proposals" in first_output and "0 new proposals" in second.output
    # 8 staff and demo accounts plus the residents who filed the demo appeals (one is both).
    assert counts(app) == after_first == (20, 100, 10, len({e for e, _n, _r in DEMO_USERS} | {e for e, _n in DEMO_RESIDENTS}), 8, DEMO_APPEALS)
    with app.app_context():
        for email, _name, roles in DEMO_USERS:
            user = db.session.scalar(select(User).where(User.email == email))
            assert user.is_confirmed and verify_password(user.password_hash, DEMO_PASSWORD)
            assert sorted((r.role, r.district.code if r.district else None) for r in user.roles) == sorted(roles)
            # The demo administrator and supervisor sign in with the published TOTP secret (README).
            assert user.two_factor_enabled == (email in DEMO_TWO_FACTOR)
        ganja = db.session.scalar(select(District).where(District.code == "GNC"))
        assert (ganja.name_az, ganja.name_ru, ganja.name_en) == ("Gəncə", "Гянджа", "Ganja")
        assert db.session.scalar(select(func.count()).select_from(Commitment).where(
            Commitment.district_id == ganja.id)) == len(DEMO_COMMITMENTS)


def test_seed_demo_is_refused_in_production(app, tmp_path):
    prod = create_app("production", {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    result = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refused in production" in result.output
    assert counts(app) == (0, 0, 0, 0, 0, 0)


def test_seed_reference_fills_an_empty_production_database_without_accounts(app):
    """The production path: a migrated, empty database gets the districts, departments, categories and
    e-services residents need to file and apply, and no account at all; a second run adds nothing."""
    prod = create_app("production", {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    first = prod.test_cli_runner().invoke(args=["seed-reference"])
    assert first.exit_code == 0, first.output
    districts, departments, categories, users, roles, appeals = counts(app)
    assert districts == 20 and departments > districts and categories >= 10
    assert (users, roles, appeals) == (0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Service)) == len(read_catalogue())
    assert "Reference data: 20 new districts" in first.output
    again = prod.test_cli_runner().invoke(args=["seed-reference"])
    assert again.exit_code == 0 and "0 new districts, 0 new departments, 0 new categories, 0 new e-services" in again.output
    assert counts(app) == (districts, departments, categories, 0, 0, 0)


def test_create_admin(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.az", "--name", "Anar Səfərov", "--password", "Güclü-Parol-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "boss@example.az" and user.role_names == {"admin"} and user.is_confirmed


def test_create_admin_refuses_bad_input(app, runner):
    weak = runner.invoke(args=["create-admin", "--email", "a@example.az", "--name", "A", "--password", "password123"])
    # The reason comes in the default language (Azerbaijani); the refusal is what matters.
    assert weak.exit_code != 0 and weak.output.startswith("Error:")
    bad = runner.invoke(args=["create-admin", "--email", "not-an-email", "--name", "A", "--password", "Güclü-Parol-2026"])
    assert bad.exit_code != 0 and "email" in bad.output.lower()
    assert counts(app)[3] == 0


def test_translate_compile(runner):
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0 and "Compiled 3 catalogues" in result.output


def test_each_demo_account_signs_in_to_the_right_cabinet(app, runner, web, client):
    assert seed_demo_command(app, runner)[0] == 0
    for email, _name, roles in DEMO_USERS:
        response = web.login(email, DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
        # The supervisor's work is the national dashboard; other staff land in the office, residents in the cabinet.
        expected = ("/office/accountability" if [role for role, _district in roles] == ["supervisor"]
                    else "/office/" if roles else "/cabinet/")
        assert response.status_code == 302 and response.headers["Location"].endswith(expected), email
        assert client.get(expected).status_code == 200
        web.post("/auth/logout", {}, form_url=expected)


def test_create_staff_gives_a_district_its_first_official(app, runner):
    assert runner.invoke(args=["seed-reference"]).exit_code == 0
    result = runner.invoke(args=["create-staff", "--email", "Kamran@Example.az", "--name", "Kamran Əliyev", "--role",
                                 "official", "--district", "gnc", "--password", "Güclü-Parol-2026"])
    assert result.exit_code == 0 and "Created official of GNC kamran@example.az" in result.output, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "kamran@example.az"))
        assert [(r.role, r.district.code) for r in user.roles] == [("official", "GNC")] and user.is_confirmed
    unknown = runner.invoke(args=["create-staff", "--email", "x@example.az", "--name", "X", "--role", "official",
                                  "--district", "ZZZ", "--password", "Güclü-Parol-2026"])
    assert unknown.exit_code != 0 and "No district with the code ZZZ" in unknown.output
