"""The OpenAPI description of the machine endpoints (``/api/openapi.json``), held to the code.

- It is a valid OpenAPI 3.1 document (openapi-spec-validator).
- It describes every route under ``/api/`` and ``/open311/`` with its methods, and nothing that is not routed, so
  that a new endpoint without its description (or a description left behind) fails here.
- A property-based run (schemathesis 4, Hypothesis underneath) sends every described operation requests built
  from the description itself, valid and invalid, against the app on a seeded demo portal, and checks every
  answer: no server error, a status the description lists, the content type it lists, a body that matches its
  schema. Open311's filing is fuzzed too, with a key of its own. Then every error status the description lists
  must have been seen, or be proven by a test of its own below (a database that cannot answer, a body too large),
  so that the description promises no error the code never gives.
- Beside the fuzz, each reading operation once with real values, and a valid filing and its repeat, so that the
  rows and the successes are checked as well as the refusals.

The fuzz is bounded (``FUZZ``: 25 examples per operation, derandomized so that CI runs the same cases every time);
the module takes about 20 s on SQLite. Run the fuzz alone with
``.venv/bin/python -m pytest -q tests/accountability/test_openapi.py -k "answers_as_described or error_status"``.
"""
from __future__ import annotations

import re
import sys
import types
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import select

from app import AREAS
from app.administration import seed
from app.extensions import db
from app.main import openapi
from app.models import Appeal, Category, District
from config import TestingConfig
from tests.conftest import another_app, empty_tables
from tests.factories import seed_demo_records
from tests.test_pages import LANGS, check_page

# The demo portal is built once for the module: everything here reads it, except the filings at the end (their
# appeals go with the rest of the data when the module ends).
pytestmark = pytest.mark.shared_tables

MACHINE_PREFIXES = ("/api/", "/open311/")
# unsupported_method: a method the operation does not have answers 405 with the Allow header (RFC 9110).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          unsupported_method]
# No example database either: a run depends on the code and the description only.
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
# A database address nothing answers at (a port no server listens on): every query fails at once.
REFUSING_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
# Days back from today of periods that hold the demo's appeals (filed over the last months), offered to the fuzz
# beside the dates it makes up, which mostly span more than five years or end before they start (a 400).
REAL_PERIODS = (30, 180, 365)
# Periods at the ends of what is served and of the calendar itself, which a random date seldom hits (a month after
# December 9999 and Baku's midnight of 1 January 1 in UTC cannot be counted: those were 500s before the check).
EDGE_PERIODS = [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-01-01"), ("1999-12-31", "2000-01-01"),
                ("2000-01-01", "2000-01-31"), ("2099-12-01", "2099-12-31"), ("2099-12-31", "2100-01-01")]
# What the fuzz saw: (path, method) -> statuses.
SEEN: dict[tuple[str, str], set[int]] = {}


@pytest.fixture(scope="module")
def demo_portal(app):
    with app.app_context():
        seed.seed_reference_data()
        seed.seed_demo_users()
        seed_demo_records(appeals=60)
    yield
    empty_tables(app)


@pytest.fixture(scope="module")
def described(app) -> dict:
    """The description as served."""
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def flask_paths(rule: str) -> list[str]:
    """The OpenAPI paths of a Flask rule: ``<code>`` is ``{code}``; ``<any(json, xml):f>`` one path per choice."""
    choices = re.search(r"<any\(([^)]*)\):[^>]+>", rule)
    if choices:
        return [path for option in choices.group(1).split(",")
                for path in flask_paths(rule[:choices.start()] + option.strip().strip("'\"") + rule[choices.end():])]
    return [re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)]


def routed_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under the machine prefixes."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(MACHINE_PREFIXES):
            for path in flask_paths(rule.rule):
                found.update((path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"})
    return found


def described_operations(description: dict) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {(path, method) for path, item in description["paths"].items() for method in item if method in methods}


# --- The description itself -------------------------------------------------------------------------------------


def test_the_description_is_valid_openapi_3_1(described):
    validate(described)  # raises on the first problem
    assert described["openapi"].startswith("3.1.")


def test_every_machine_route_is_described_and_nothing_else(app, described):
    routed = routed_operations(app)
    machine = {(path, method) for path, method in described_operations(described) if path.startswith(MACHINE_PREFIXES)}
    assert routed - machine == set(), "routes without a description"
    assert machine - routed == set(), "described but not routed"
    # The health checks are described too, and are routed as described.
    others = described_operations(described) - machine
    assert others == {("/healthz", "get"), ("/readyz", "get")}
    adapter = app.url_map.bind("portal.example.az")
    for path, method in others:
        assert adapter.match(path, method=method.upper())


def test_the_open_data_answers_are_described_field_by_field(described):
    schemas = described["components"]["schemas"]
    row = schemas["OpenDataDistrictRow"]
    assert row["additionalProperties"] is False and set(row["required"]) == set(row["properties"])
    # A hidden cell is null, in the JSON Schema 2020-12 way.
    assert schemas["OpenDataFigures"]["properties"]["received"]["type"] == ["integer", "null"]
    national = described["paths"]["/api/v1/accountability/districts"]["get"]
    assert set(national["responses"]) == {"200", "400", "503"}
    district = described["paths"]["/api/v1/accountability/districts/{code}"]["get"]
    assert set(district["responses"]) == {"200", "400", "404", "503"}
    for operation in (national, district):
        for code, answer in operation["responses"].items():
            if code != "200":
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OpenDataError"}
    names = {p["$ref"].rsplit("/", 1)[1] for p in national["parameters"]}
    assert names == {"OpenDataFrom", "OpenDataTo", "OpenDataCategory", "OpenDataLang"}
    assert described["components"]["parameters"]["OpenDataFrom"]["schema"] == {"type": "string", "format": "date"}


def test_info_server_and_tags(app, described):
    info = described["info"]
    assert info["title"] and info["version"] and info["description"] and info["license"]["identifier"]
    assert info["contact"]["url"] == "https://portal.example.az/developers"
    assert described["servers"] == [{"url": app.config["PUBLIC_URL"], "description": "This portal."}]
    listed = [tag["name"] for tag in described["tags"]]
    used = {tag for item in described["paths"].values() for operation in item.values() for tag in operation["tags"]}
    assert len(listed) == len(set(listed)) and used <= set(listed) and "Open data" in listed


def test_the_description_is_built_once_per_process(app, monkeypatch):
    first = openapi.description(app)
    monkeypatch.setattr(openapi, "build", lambda *args: pytest.fail("built a second time"))
    assert openapi.description(app) is first
    assert app.test_client().get("/api/openapi.json").get_json() == first


def _fake_area(monkeypatch, name: str, paths: dict, components: dict) -> None:
    """A package ``app.<name>`` with an ``openapi`` module, as an area that has machine endpoints would have."""
    package = types.ModuleType(f"app.{name}")
    package.__path__ = []
    module = types.ModuleType(f"app.{name}.openapi")
    module.PATHS, module.COMPONENTS = paths, components
    for item in (package, module):
        item.__spec__ = types.SimpleNamespace(name=item.__name__)
        monkeypatch.setitem(sys.modules, item.__name__, item)


def test_the_assembler_merges_each_area_that_has_a_description_and_skips_the_others(monkeypatch):
    item = {"get": {"tags": ["Elsewhere"], "responses": {"200": {"description": "ok"}}}}
    _fake_area(monkeypatch, "elsewhere", {"/open311/v2/x.json": item},
               {"schemas": {"Open311X": {"type": "object"}}, "parameters": {}})
    built = openapi.build("https://x.example.az", ("main", "news", "accountability", "elsewhere"))
    assert "/open311/v2/x.json" in built["paths"] and "/api/v1/accountability/districts" in built["paths"]
    assert "Open311X" in built["components"]["schemas"] and "OpenDataError" in built["components"]["schemas"]
    assert {"name": "Elsewhere"} in built["tags"]  # a tag used without a description still gets its entry
    validate(built)
    # Without the area, the rest is described as before.
    alone = openapi.build("https://x.example.az", ("main", "accountability"))
    assert "/open311/v2/x.json" not in alone["paths"] and set(alone["paths"]) < set(built["paths"])


def test_two_areas_describing_one_component_differently_is_refused(monkeypatch):
    _fake_area(monkeypatch, "clash", {}, {"schemas": {"OpenDataError": {"type": "string"}}})
    with pytest.raises(RuntimeError, match="OpenDataError"):
        openapi.build("https://x.example.az", ("accountability", "clash"))


# --- The fuzz -------------------------------------------------------------------------------------------------


# The description the fuzz reads is built at collection time (schemathesis makes one test per operation from it
# then; its loading from a fixture does not run under this pytest): the same as the one served, which
# test_the_fuzz_reads_the_served_description checks.
schema = schemathesis.openapi.from_dict(openapi.build(TestingConfig.PUBLIC_URL.rstrip("/"), AREAS))
FILING = any("post" in item for item in schema.raw_schema["paths"].values())
# Real values of parameters, by name, offered beside the made-up ones (a made-up district code, service code or
# registration number reaches only the 404; a made-up period mostly the 400): filled from the demo portal.
REAL: dict[str, list[str]] = {}
PERIODS: list[tuple[str, str]] = []


@pytest.fixture(scope="module")
def real_values(app, demo_portal):
    from app.appeals.queries import public_rule

    with app.app_context():
        codes = list(db.session.scalars(select(District.code).where(District.active.is_(True))))
        REAL["code"] = REAL["jurisdiction_id"] = [*codes, codes[0].lower()]
        REAL["category"] = [str(c) for c in db.session.scalars(select(Category.id))]
        REAL["service_code"] = list(db.session.scalars(select(Category.code)))
        public = list(db.session.scalars(select(Appeal.number).join(Appeal.district).where(*public_rule()).limit(5)))
        others = list(db.session.scalars(select(Appeal.number).where(Appeal.number.not_in(public)).limit(2)))
        REAL["service_request_id"] = public + others
    today = date.today()
    PERIODS.extend(((today - timedelta(days=days)).isoformat(), today.isoformat()) for days in REAL_PERIODS)
    yield
    REAL.clear()
    PERIODS.clear()


def _with_real(values, names):
    """``values`` as made up, or with a real value for each of ``names`` that has some."""
    real = {name: st.sampled_from(REAL[name]) for name in names if REAL.get(name)}
    if not isinstance(values, dict) or not real:
        return [st.just(values)]
    return [st.just(values), st.fixed_dictionaries(real).map(lambda chosen: {**values, **chosen})]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time a real value for each path parameter that has some."""
    return st.one_of(*_with_real(path_parameters, path_parameters or ()))


@schema.hook
def flatmap_query(context, query):
    """Real values for the query's parameters; for the open data, a period that holds the demo's appeals or one at
    the ends of the calendar, with or without a real category."""
    branches = _with_real(query, query or ())
    if isinstance(query, dict) and context.operation.path.startswith("/api/v1/") and PERIODS:
        def chosen(periods: list[tuple[str, str]]):
            return st.tuples(st.sampled_from(periods), st.sampled_from([None, *REAL["category"]])).map(
                lambda pair: {**query, "from": pair[0][0], "to": pair[0][1],
                              **({"category": pair[1]} if pair[1] else {})})

        branches += [chosen(PERIODS), chosen(EDGE_PERIODS)]
    return st.one_of(*branches)


@schema.hook
def flatmap_body(context, body):
    """A filing's form: half the time with the fuzz's valid key and real service and district codes."""
    return st.one_of(*_with_real(body, {*(body or ()), "api_key"} if isinstance(body, dict) else ()))


def test_the_fuzz_reads_the_served_description(described):
    assert schema.raw_schema == described


def _fuzz(case, app) -> None:
    response = case.call_and_validate(app=app, checks=CHECKS)
    # Schemathesis also tries methods the operation does not have (answered 405, which it expects): not counted.
    if case.method.upper() == case.operation.method.upper():
        SEEN.setdefault((case.operation.path, case.method.lower()), set()).add(response.status_code)


@schema.exclude(method="POST").parametrize()
@FUZZ
def test_every_operation_answers_as_described(case, app, real_values):
    _fuzz(case, app)


if FILING:
    @pytest.fixture(scope="module")
    def filing_key(app, real_values):
        """A key for one district, as an operator issues it (``flask open311 issue-key``), for the filing's fuzz."""
        from app.open311 import keys

        with app.app_context():
            REAL["api_key"] = [keys.issue_by_operator("OpenAPI fuzz", "GNC").secret]
        REAL["jurisdiction_id"] = ["GNC", *REAL["jurisdiction_id"]]
        yield
        REAL.pop("api_key", None)

    # Filing writes appeals into the module's shared data: it runs after every reading operation's fuzz, and the
    # data is thrown away at the module's end.
    @schema.include(method="POST").parametrize()
    @FUZZ
    def test_every_filing_answers_as_described(case, app, filing_key):
        _fuzz(case, app)


# Described statuses no request of the fuzz can provoke, and where they are proven instead:
# 2xx other than 200 are successes, not errors; 503 (the database cannot answer) and 413 (a body over
# MAX_CONTENT_LENGTH) in test_busy_database_and_oversized_bodies_answer_as_described below; 429 (Open311's rate
# limit per key) in tests/open311/test_filing.py.
PROVEN_ELSEWHERE = {503, 413, 429}


def test_every_described_error_status_was_seen(described):
    if not SEEN:
        pytest.skip("the fuzz did not run in this session (run the whole module)")
    missing = [f"{method.upper()} {path} {status}" for (path, method), seen in SEEN.items()
               for status in described["paths"][path][method]["responses"]
               if int(status) >= 400 and int(status) not in seen | PROVEN_ELSEWHERE]
    assert missing == [], "described statuses no request of the fuzz got"
    assert {operation for operation in SEEN} == {
        (path, method) for path, method in described_operations(described) if method == "get" or FILING}
    national = SEEN[("/api/v1/accountability/districts", "get")]
    assert {200, 400} <= national  # real rows reached, and refusals


def test_real_rows_answer_as_described(app, real_values, described):
    """Beside the fuzz, every reading operation once with real values only (a district, a service, a public
    appeal): the rows themselves, not only the refusals, match their schemas."""
    reached = []
    for path, method in sorted(described_operations(described)):
        if method != "get":
            continue
        names = re.findall(r"{(\w+)}", path)
        real = {name: (REAL.get(name) or [None])[0] for name in names if name != "format"}
        for fmt in (["json", "xml"] if "format" in names else [None]):
            params = {**real, **({"format": fmt} if fmt else {})}
            if None in params.values():
                continue  # nothing real to ask for (a token exists only once something was filed)
            case = schema[path]["GET"].Case(path_parameters=params)
            response = case.call_and_validate(app=app, checks=CHECKS)
            assert response.status_code == 200, (case.formatted_path, response.text[:300])
            reached.append(case.formatted_path)
    assert "/api/v1/accountability/districts/GNC" in reached


FILED_BY_THE_FUZZ_KEY = {
    "service_code": "roads", "jurisdiction_id": "GNC", "description": "Nizami küçəsində işıq dirəyi yıxılıb.",
    "first_name": "Rəşad", "last_name": "Quliyev", "email": "resad.quliyev@example.az",
    "address_string": "Gəncə ş., Nizami küç. 12", "attribute[kind]": "complaint",
    "attribute[subject]": "Yıxılmış işıq dirəyi", "attribute[publish]": "no",
}


@pytest.mark.skipif(not FILING, reason="no filing operation is described")
def test_a_valid_filing_and_its_repeat_answer_as_described(app, real_values):
    """The successes of the filing the fuzz seldom reaches: 201 for a new appeal, 200 for the same idempotency
    key again; each with the body the description gives (a key of its own: the fuzz's has met its rate limit)."""
    from app.open311 import keys

    with app.app_context():
        key = keys.issue_by_operator("OpenAPI successes", "GNC").secret
    operation = schema["/open311/v2/requests.{format}"]["POST"]
    answers = []
    for _attempt in range(2):
        case = operation.Case(path_parameters={"format": "json"}, headers={"Idempotency-Key": "openapi-fuzz-1"},
                              body={**FILED_BY_THE_FUZZ_KEY, "api_key": key},
                              media_type="application/x-www-form-urlencoded")
        response = case.call_and_validate(app=app, checks=CHECKS)
        answers.append((response.status_code, response.json()[0]["service_request_id"]))
    assert [status for status, _number in answers] == [201, 200], answers
    assert answers[0][1] == answers[1][1]


SAMPLE_PATH_VALUES = {"code": "GNC", "format": "json", "service_code": "x", "service_request_id": "GNC-2026-000001",
                      "token": "t"}


def test_busy_database_and_oversized_bodies_answer_as_described(described):
    """Every described 503 on an application whose database refuses, every 413 with a body over the limit: the
    status, content type and body the description gives."""
    exercised, wrong = set(), []
    with another_app("testing", {"SQLALCHEMY_DATABASE_URI": REFUSING_DATABASE, "DB_POOL_TIMEOUT": 1,
                                 "MAX_CONTENT_LENGTH": 1000}) as refusing:
        for path, method in described_operations(described):
            responses = described["paths"][path][method]["responses"]
            operation = schema[path][method.upper()]
            params = {name: SAMPLE_PATH_VALUES[name] for name in re.findall(r"{(\w+)}", path)}
            for status, body in (("503", {"api_key": "k"}), ("413", {"api_key": "k" * 2000})):
                if status not in responses:
                    continue
                kwargs = {"body": body, "media_type": "application/x-www-form-urlencoded"} if method == "post" else {}
                if path.startswith("/open311/"):
                    # With a jurisdiction every Open311 answer reads the database (the discovery document alone
                    # would not).
                    kwargs["query"] = {"jurisdiction_id": "GNC"}
                case = operation.Case(path_parameters=params, **kwargs)
                response = case.call(app=refusing)
                if response.status_code != int(status):
                    wrong.append(f"{method.upper()} {path}: {status} described, {response.status_code} answered")
                    continue
                # A 503 is what these answers exist to say: every check but "no server error".
                case.validate_response(response, checks=CHECKS[1:])
                if path.startswith("/api/v1/"):
                    assert response.json()["error"]["field"] is None and int(response.headers["retry-after"][0]) > 0
                exercised.add((path, method, status))
    assert wrong == []
    assert ("/readyz", "get", "503") in exercised and ("/api/v1/accountability/districts", "get", "503") in exercised


# --- Bits of the open data the fuzz relies on ----------------------------------------------------------------------


def test_the_open_data_takes_no_format_parameter(client, demo_portal):
    """``format`` picks an export on the pages; the open data is JSON only and ignores it (it is not described)."""
    for value in ("csv", "pdf"):
        response = client.get(f"/api/v1/accountability/districts?format={value}")
        assert response.status_code == 200 and response.mimetype == "application/json"


@pytest.mark.parametrize(("start", "end", "field"), [
    ("9999-01-01", "9999-12-31", "from"), ("0001-01-01", "0001-01-01", "from"), ("2026-01-01", "2100-01-01", "to")])
def test_periods_beyond_the_years_served_are_refused_beside_their_field(client, demo_portal, start, end, field):
    for path in ("/api/v1/accountability/districts", "/api/v1/accountability/districts/GNC"):
        response = client.get(f"{path}?from={start}&to={end}&lang=en")
        assert response.status_code == 400
        assert response.get_json()["error"] == {"field": field, "message": "Enter a date in the years 2000 to 2099."}
    page = client.get(f"/accountability/GNC?from={start}&to={end}&lang=en")
    assert page.status_code == 400 and f'id="{field}-error"' in page.get_data(as_text=True)


# --- The developers' page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_developers_page_links_the_description_in_every_language(client, lang):
    response = client.get(f"/developers?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_page(html, lang)
    # One h1, then sections: no heading level skipped.
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and levels.count(1) == 1 and len(levels) >= 4
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert 'href="/api/openapi.json"' in html and 'href="/api/v1/accountability/districts"' in html
    open311 = any(path.startswith("/open311/") for path in openapi.description(client.application)["paths"])
    assert ('href="/open311/v2/discovery.json"' in html) is open311
    if open311:
        assert client.get("/open311/v2/discovery.json").status_code == 200  # the link leads somewhere


def test_the_developers_page_says_when_open311_is_not_served(client, monkeypatch):
    without = openapi.build("https://portal.example.az", ("main", "accountability"))
    monkeypatch.setattr(openapi, "description", lambda app: without)
    html = client.get("/developers?lang=en").get_data(as_text=True)
    assert "Open311 is not switched on on this portal yet." in html and "/open311/v2/discovery.json" not in html


def test_every_page_links_the_developers_page_from_its_footer(client):
    footer = client.get("/about").get_data(as_text=True).split('<footer class="site-footer">', 1)[1]
    assert 'href="/developers"' in footer
