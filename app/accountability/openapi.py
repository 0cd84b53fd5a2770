"""The open-data API (``app/accountability/api.py``) in OpenAPI 3.1: its path items and components.

``app/main/openapi.py`` merges ``PATHS`` and ``COMPONENTS`` into the portal's one description, served at
``/api/openapi.json``. Written by hand from the code, not generated from it: a generator would describe what the
code happens to do, and the point is a contract a client can hold the code to. Two tests keep the two together
(``tests/accountability/test_openapi.py``): every route under ``/api/`` is described and nothing else is, and a
property-based run (schemathesis) sends requests built from this description and checks each answer against it.

Component names start with ``OpenData`` so that they cannot clash with another area's (Open311's start with
``Open311``). Schemas are JSON Schema 2020-12, as OpenAPI 3.1 has it: a value that can be null is typed
``[..., "null"]``; objects list every field they carry and allow no other, so a field added to the answer without
its description fails the run.
"""
from __future__ import annotations

from app.accountability import stats
from app.models.stats import DAY_BUCKETS

TAG = "Open data"
TAGS = [{"name": TAG, "description": "Accountability figures of the district (city) executive authorities: how fast "
                                     "and how well each one answers appeals. No sign-in, no key."}]

ERROR = "#/components/schemas/OpenDataError"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, description: str, **limits) -> dict:
    return {"type": [kind, "null"], "description": description, **limits}


def _obj(properties: dict, description: str) -> dict:
    """An object that carries exactly ``properties``, every one of them (null where the schema allows it)."""
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties), "additionalProperties": False}


COUNT = {"type": "integer", "minimum": 0}
PER_CENT = {"minimum": 0, "maximum": 100}
MAX_DAYS = DAY_BUCKETS[-1]

# The figures of a row (``service.figure_row``): null when the cell is hidden to protect residents (a count of 1-4,
# or a cell that would give one away) or when there is nothing to compute it from (no answers, fewer than
# stats.MIN_RATINGS ratings).
FIGURES = {
    "received": _nullable("integer", "Appeals filed in the period.", minimum=0),
    "answered": _nullable("integer", "Appeals answered in the period.", minimum=0),
    "on_time_pct": _nullable("number", "Answers given by their deadline, per cent of the answers.", **PER_CENT),
    "median_days": _nullable("integer", f"Median working days from registration to answer ({MAX_DAYS}: over "
                                        f"{MAX_DAYS - 1}).", minimum=0, maximum=MAX_DAYS),
    "p90_days": _nullable("integer", "90th percentile of the working days from registration to answer.",
                          minimum=0, maximum=MAX_DAYS),
    "overdue_now": _nullable("integer", "Appeals open and past their deadline at the time of the request.",
                             minimum=0),
    "satisfaction": _nullable("number", f"Mean rating 1-5; null under {stats.MIN_RATINGS} ratings.",
                              minimum=1, maximum=5),
    "response_rate_pct": _nullable("number", "Answers that were rated, per cent of the answers.", **PER_CENT),
}
MARK = {"minimum": 1, "maximum": 5}
# The ASAN criteria, the front desk and the four service KPIs (``kpi.marks_row``, ``kpi.desk_row``, ``kpi.kpi_row``).
MARKS = {
    "ratings": _nullable("integer", f"Ratings given in the period; null from 1 to {stats.MIN_RATINGS - 1}.", minimum=0),
    **{mark: _nullable("number", f"Mean {what} mark 1-5; null under {stats.MIN_RATINGS} marks.", **MARK)
       for mark, what in (("overall", "overall"), ("speed", "speed"), ("courtesy", "courtesy"),
                          ("clarity", "clarity of the answer"), ("outcome", "outcome"))},
}
FRONT_DESK = {
    "tickets": _nullable("integer", "Front-desk queue tickets for the period's days; null from 1 to 4.", minimum=0),
    "served": _nullable("integer", "Tickets served; null from 1 to 4.", minimum=0),
    "no_shows": _nullable("integer", "Tickets whose resident did not come; null from 1 to 4.", minimum=0),
    "no_show_pct": _nullable("number", "No-shows, per cent of the tickets served or not used.", **PER_CENT),
    "mean_wait_minutes": _nullable("number", "Mean minutes from joining the queue to being called.", minimum=0),
    "median_wait_minutes": _nullable("integer", "Median whole minutes from joining the queue to being called.",
                                     minimum=0),
    "called_within_limit_pct": _nullable("number", "Served tickets called within 15 minutes, per cent.", **PER_CENT),
}
KPIS = {
    "digital_take_up_pct": _nullable("number", "Appeals and applications filed online, per cent of every appeal, "
                                               "application and front-desk visit.", **PER_CENT),
    "completion_rate_pct": _nullable("number", "Drafts started in the period and sent, per cent of those sent, "
                                               "expired or deleted.", **PER_CENT),
    "cost_per_transaction": _nullable("number", "Yearly cost entered ÷ transactions of the costed services in "
                                                "`cost_year`, manat.", minimum=0),
    "satisfaction": _nullable("number", f"Mean overall mark of every rating; null under {stats.MIN_RATINGS}.",
                              **MARK),
    "satisfied_pct": _nullable("number", "Overall marks of 4 or 5, per cent of the ratings.", **PER_CENT),
}
SERVICE_INDEX = _nullable("number", "Service index 0-100 (the formula weights are in `service_index_weights` of "
                                    "the national list); null without answers.", minimum=0, maximum=100)

SCHEMAS = {
    "OpenDataError": _obj({
        "error": _obj({
            "field": _nullable("string", "The parameter at fault (`from`, `to`, `category`, `code`); null when "
                                         "none is (503)."),
            "message": {"type": "string", "description": "What is wrong, in the request's language (`lang`)."},
        }, "The error."),
    }, "A refused request: which parameter and why."),
    "OpenDataPeriod": _obj({
        "from": {"type": "string", "format": "date", "description": "First day (Baku), inclusive."},
        "to": {"type": "string", "format": "date", "description": "Last day (Baku), inclusive."},
    }, "The period the figures cover."),
    "OpenDataFigures": _obj(FIGURES, "A row of figures; null where hidden or not computable."),
    "OpenDataDistrictRow": _obj({
        "code": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "The district's code."},
        "name": {"type": "string", "description": "The district's name in the request's language."},
        "rank": _nullable("integer", f"Rank by service index; null when not ranked (under {stats.MIN_RANKED} "
                                     "answers in the period).", minimum=1),
        "service_index": _nullable("number", "Service index 0-100; null when not ranked.", minimum=0, maximum=100),
        **FIGURES,
        "criteria": _ref("OpenDataMarks"),
        "front_desk": _ref("OpenDataFrontDesk"),
        "kpis": _ref("OpenDataKpis"),
    }, "One district in the national list."),
    "OpenDataMarks": _obj(MARKS, "Ratings on the ASAN criteria: the mean of each mark."),
    "OpenDataFrontDesk": _obj(FRONT_DESK, "The front desk's queue: tickets, no-shows and waiting times."),
    "OpenDataKpis": _obj(KPIS, "The four service KPIs."),
    "OpenDataAsan": _obj({"criteria": _ref("OpenDataMarks"), "front_desk": _ref("OpenDataFrontDesk"),
                          "kpis": _ref("OpenDataKpis")}, "The ASAN figures and the four KPIs of the whole country."),
    "OpenDataWeights": _obj({name: {"type": "integer", "minimum": 0, "maximum": 100} for name in stats.PARTS},
                            "The weights of the service index in force at the period's end, one per part (0: not "
                            "weighed); they sum to 100."),
    "OpenDataCostLine": _obj({
        "subject": {"type": "string", "description": "Appeals, the front desk, or the e-service's title."},
        "amount": {"type": "number", "minimum": 0, "description": "The yearly cost entered, manat."},
        "transactions": {**COUNT, "description": "The subject's transactions that year."},
        "per_transaction": _nullable("number", "amount ÷ transactions, manat; null without transactions.",
                                     minimum=0),
    }, "One cost entered for a year."),
    "OpenDataCostYear": _obj({
        "year": {"type": "integer", "minimum": stats.FIRST_YEAR, "maximum": stats.LAST_YEAR},
        "amount": _nullable("number", "The costs entered for the year, manat; null when none.", minimum=0),
        "transactions": _nullable("integer", "Their transactions; null when no cost is entered.", minimum=0),
        "per_transaction": _nullable("number", "Cost per transaction, manat.", minimum=0),
        "lines": {"type": "array", "items": _ref("OpenDataCostLine"), "description": "Each cost entered."},
    }, "The costs of one year the period touches."),
    "OpenDataNational": _obj({
        "period": _ref("OpenDataPeriod"),
        "category_id": _nullable("integer", "The category asked for; null for every category.", minimum=1),
        "districts": {"type": "array", "items": _ref("OpenDataDistrictRow"),
                      "description": "Every active district."},
        "total": _ref("OpenDataFigures"),
        "asan_total": _ref("OpenDataAsan"),
        "cost_year": {"type": "integer", "description": "The year of `cost_per_transaction` (the period's end)."},
        "service_index_weights": _ref("OpenDataWeights"),
    }, "Every district's figures over the period."),
    "OpenDataDistrictFigures": _obj({
        **FIGURES,
        "forwarded": {**COUNT, "description": "Appeals forwarded to the competent body in the period."},
        "not_considered": {**COUNT, "description": "Appeals not considered in the period."},
        "reopened": {**COUNT, "description": "Answers disputed by the resident in the period."},
        "service_index": SERVICE_INDEX,
        "ranked": {"type": "boolean", "description": f"Whether the district had {stats.MIN_RANKED} answers or more "
                                                     "(only those are ranked)."},
    }, "A district's figures over the period."),
    "OpenDataMonth": _obj({
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "The month, YYYY-MM."},
        "received": COUNT,
        "answered": COUNT,
        "on_time_pct": _nullable("number", "Answers given by their deadline, per cent; null without answers.",
                                 **PER_CENT),
    }, "One calendar month of the district (whole months, never broken down by category)."),
    "OpenDataCategoryRow": _obj({
        "category_id": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "description": "The category's name in the request's language."},
        **FIGURES,
    }, "The district's figures in one category."),
    "OpenDataReception": _obj({
        "sessions_held": {**COUNT, "description": "Reception days held in the period."},
        "received": {**COUNT, "description": "Residents received."},
        "no_show": {**COUNT, "description": "Bookings whose resident did not come."},
        "booked": {**COUNT, "description": "Bookings not cancelled."},
    }, "Reception days with the head of the authority in the period."),
    "OpenDataDistrict": _obj({
        "period": _ref("OpenDataPeriod"),
        "district": _obj({
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "name": _obj({lang: {"type": "string"} for lang in ("az", "ru", "en")}, "The name in each language."),
        }, "The district."),
        "figures": _ref("OpenDataDistrictFigures"),
        "months": {"type": "array", "items": _ref("OpenDataMonth"), "description": "Every month the period touches."},
        "categories": {"type": "array", "items": _ref("OpenDataCategoryRow"), "description": "Every category."},
        "reception": _ref("OpenDataReception"),
        "criteria": _ref("OpenDataMarks"),
        "front_desk": _ref("OpenDataFrontDesk"),
        "kpis": _ref("OpenDataKpis"),
        "criteria_by_service": {"type": "array", "description": "Marks per service rated in the period.", "items": _obj({
            "kind": {"type": "string", "enum": ["category", "eservice", "front_desk"],
                     "description": "An appeal category, an e-service, or a front-desk service."},
            "id": {"type": "integer", "minimum": 1}, "name": {"type": "string"}, **MARKS,
        }, "One service's marks.")},
        "front_desk_by_service": {"type": "array", "description": "The front desk per queue service.", "items": _obj({
            "id": {"type": "integer", "minimum": 1}, "name": {"type": "string"}, **FRONT_DESK,
        }, "One queue service.")},
        "cost_year": {"type": "integer", "description": "The year of `kpis.cost_per_transaction`."},
        "costs": {"type": "array", "items": _ref("OpenDataCostYear"),
                  "description": "Each year the period touches, latest first."},
        "index_parts": _obj({name: {"type": "number", "minimum": 0, "maximum": 1} for name in stats.PARTS},
                            "Each part of the service index, 0-1."),
        "service_index_weights": _ref("OpenDataWeights"),
    }, "One district's figures over the period."),
}

PARAMETERS = {
    "OpenDataFrom": {
        "name": "from", "in": "query", "required": False,
        "description": "First day of the period (Baku), YYYY-MM-DD, in the years "
                       f"{stats.FIRST_YEAR}-{stats.LAST_YEAR}. Default: the first day of the month eleven months ago. "
                       f"A period is at most {stats.MAX_PERIOD_DAYS} days long.",
        "schema": {"type": "string", "format": "date"}, "example": "2026-01-01",
    },
    "OpenDataTo": {
        "name": "to", "in": "query", "required": False,
        "description": "Last day of the period (Baku), YYYY-MM-DD, not before `from`, in the years "
                       f"{stats.FIRST_YEAR}-{stats.LAST_YEAR}. Default: today.",
        "schema": {"type": "string", "format": "date"}, "example": "2026-06-30",
    },
    "OpenDataCategory": {
        "name": "category", "in": "query", "required": False,
        "description": "An appeal category's id: the national list then counts that category only. The ids are "
                       "the `category_id` values of a district's `categories`.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "OpenDataLang": {
        "name": "lang", "in": "query", "required": False,
        "description": "The language of names and error messages: az (also for any other value), ru or en.",
        "schema": {"type": "string", "enum": ["az", "ru", "en"]},
    },
}

COMPONENTS = {"schemas": SCHEMAS, "parameters": PARAMETERS}


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BAD_PARAMETER = _json({"$ref": ERROR}, "A parameter that cannot be used: a malformed date or one outside the "
                                       "years served, a period that ends before it starts or is longer than five "
                                       "years, an unknown category.")

BUSY = {**_json({"$ref": ERROR}, "The database cannot answer now (`field` is null): nothing is wrong with the "
                                 "request; send it again after Retry-After seconds."),
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}}}

PATHS = {
    "/api/v1/accountability/districts": {
        "get": {
            "tags": [TAG],
            "operationId": "openDataNational",
            "summary": "Every district's figures",
            "description": "Every active district's figures over the period, with its service index and rank, and "
                           "the national total. Small counts, and the cells that would give them away, are null.",
            "parameters": [_param("OpenDataFrom"), _param("OpenDataTo"), _param("OpenDataCategory"),
                           _param("OpenDataLang")],
            "responses": {
                "200": _json(_ref("OpenDataNational"), "The figures."),
                "400": BAD_PARAMETER,
                "503": BUSY,
            },
        },
    },
    "/api/v1/accountability/districts/{code}": {
        "get": {
            "tags": [TAG],
            "operationId": "openDataDistrict",
            "summary": "One district's figures",
            "description": "One district's figures over the period, month by month and per category, and its "
                           "reception days. `category` is checked like the national list's, but the answer always "
                           "covers every category (broken down in `categories`).",
            "parameters": [
                {"name": "code", "in": "path", "required": True,
                 "description": "The district's three-letter code, in any letter case.",
                 "schema": {"type": "string", "pattern": "^[A-Za-z]{3}$"}, "example": "GNC"},
                _param("OpenDataFrom"), _param("OpenDataTo"), _param("OpenDataCategory"), _param("OpenDataLang"),
            ],
            "responses": {
                "200": _json(_ref("OpenDataDistrict"), "The figures."),
                "400": BAD_PARAMETER,
                "404": _json({"$ref": ERROR}, "No active district has this code (`field` is `code`)."),
                "503": BUSY,
            },
        },
    },
}
