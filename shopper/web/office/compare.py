"""Head office's comparisons: the overview, league table, heat map and the visits behind a
cell, trends, consistency, weakest standards, golden and dull moments."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from shopper.domain.comparisons import two_ends, with_region_rollups
from shopper.store import appeals, comparisons, permissions, reports
from shopper.web import charts, page_cache, params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.formatting import score_band
from shopper.web.office import bp
from shopper.web.office.filters import (
    DEFAULT_DAYS,
    filter_choices,
    league_display,
    minimum_visits,
    scope_asked,
    scope_query,
)
from shopper.web.pagination import fetched_page, page_of

HOME_LEAGUE = 10  # branches shown at each end of the league on the overview
TREND_MONTHS = 12  # the trends page's period unless one is asked for
STRIP_BRANCHES = 30  # branches drawn in the consistency page's strip plot
SHOWN_SHOPPERS = 15  # the harshest and the most lenient shoppers the consistency page lists


@bp.route("/")
@allow("office")
def home():
    db = get_db()
    scope = comparisons.Scope(date.today() - timedelta(days=DEFAULT_DAYS - 1), date.today())
    league = comparisons.league_table(db, scope, weakest=False, minimum=minimum_visits())
    # The best and the weakest at a glance; the whole league is a click away.
    top, bottom = two_ends(league, HOME_LEAGUE)
    comparisons.add_weakest_touchpoints(db, scope, top + bottom)
    return render_template(
        "office/home.html",
        counts=reports.visits_by_status(db),
        follow_up=reports.follow_up_counts(db, scope.end),
        appeals_waiting=appeals.waiting_count(db),
        top=league_display(top), bottom=league_display(bottom),
        hidden=len(league) - len(top) - len(bottom), minimum=minimum_visits(),
        **filter_choices(scope),
    )


@bp.route("/league")
@allow("office")
def league():
    scope = scope_asked()
    sort = params.one_of("sort", comparisons.LEAGUE_SORTS, "rank")
    descending = params.one_of("order", ("asc", "desc"), "asc") == "desc"
    number, show_all = params.a_page()

    def build() -> Markup:
        db = get_db()
        page = page_of(comparisons.league_table(db, scope, sort, descending, weakest=False,
                                                minimum=minimum_visits()),
                       number, show_all, current_app.config["LIST_PAGE_SIZE"])
        comparisons.add_weakest_touchpoints(db, scope, page.items)
        return Markup(render_template(
            "office/league_content.html", sort=sort, descending=descending,
            league=league_display(page.items), page=page, minimum=minimum_visits(),
            **filter_choices(scope)))

    content = page_cache.remember(
        get_db(), ("league", scope, sort, descending, number, show_all), build)
    return render_template("office/league.html", content=content)


@bp.route("/heatmap")
@allow("office")
def heatmap():
    scope = scope_asked()
    number, show_all = params.a_page()

    def build() -> Markup:
        heat = comparisons.heat_map(get_db(), scope, intervals=False)
        page = page_of([row for row in heat["rows"] if not row["rollup"]], number, show_all,
                       current_app.config["LIST_PAGE_SIZE"])
        rows = comparisons.add_cell_intervals(with_region_rollups(heat["rows"], page.items),
                                              minimum_visits())
        for row in rows:  # bands and labels here rather than in the template: cells are many
            for cell in row["cells"].values():
                cell["band"] = score_band(cell["score"])
                cell["label"] = f"{cell['score']:.0f}"
                cell["title"] = (f"{cell['visits']} visits, 90% interval {cell['ci_low']:.0f}"
                                 f"–{cell['ci_high']:.0f}" if cell["enough"] else
                                 f"{cell['visits']} visits: not enough for an interval")
        return Markup(render_template(
            "office/heatmap_content.html", touchpoints=heat["touchpoints"], rows=rows,
            page=page, minimum=minimum_visits(), amber=current_app.config["SCORE_BAND_AMBER"],
            green=current_app.config["SCORE_BAND_GREEN"], **filter_choices(scope)))

    content = page_cache.remember(get_db(), ("heatmap", scope, number, show_all), build)
    return render_template("office/heatmap.html", content=content)


@bp.route("/visits")
@allow("office")
def visits():
    """The published visits behind a heat-map cell or a league-table row."""
    scope = scope_asked()
    db = get_db()
    branch_id = params.an_id("branch", "branch")
    branch = None
    if branch_id is not None:
        branch = permissions.branch_for_user(db, current_user, branch_id)
        if branch is None:
            abort(404)
    touchpoint = params.some_text("touchpoint") or None
    number, show_all = params.a_page()
    page = fetched_page(
        lambda limit, offset: comparisons.touchpoint_visits(
            db, scope, branch and branch["id"], touchpoint, limit=limit, offset=offset),
        number, show_all, current_app.config["LIST_PAGE_SIZE"])
    return render_template(
        "office/visits.html", branch=branch, touchpoint=touchpoint, page=page,
        touchpoint_name=comparisons.touchpoint_names(db).get(touchpoint or "", touchpoint),
        visits=page.items, **filter_choices(scope))


@bp.route("/trends")
@allow("office")
def trends():
    scope = scope_asked(months=TREND_MONTHS)
    db = get_db()
    trend = comparisons.monthly_trend(db, scope)
    months = charts.month_keys(scope.start, scope.end)
    chart = charts.trend_chart(
        "trend-chart", months, {"Network": trend["network"], **trend["regions"]},
        target=current_app.config["SCORE_BAND_GREEN"],
        title="Average score per month: the network and each region")
    return render_template("office/trends.html", trend=trend, chart=chart,
                           month_labels={m: charts.month_label(m) for m in trend["months"]},
                           target=current_app.config["SCORE_BAND_GREEN"],
                           names=comparisons.touchpoint_names(db), **filter_choices(scope))


@bp.route("/consistency")
@allow("office")
def consistency():
    scope = scope_asked()
    db = get_db()
    minimum = minimum_visits()
    spread = comparisons.consistency(db, scope)
    drawn = spread["branches"][:STRIP_BRANCHES]
    strips = comparisons.branch_scores(db, scope, [r["id"] for r in drawn])
    chart = charts.strip_plot(
        "spread-chart", [{"label": r["name"], "values": strips[r["id"]], "average": r["average"]}
                         for r in drawn],
        "Each branch's visit scores, least consistent first")
    page = page_of(spread["branches"], *params.a_page(), current_app.config["LIST_PAGE_SIZE"])
    shoppers = comparisons.shopper_calibration(db, scope, minimum)
    harshest, most_lenient = two_ends(shoppers, SHOWN_SHOPPERS)
    return render_template("office/consistency.html", spread=spread, chart=chart, page=page,
                           shoppers=harshest + most_lenient, shoppers_total=len(shoppers),
                           minimum=minimum, drawn=STRIP_BRANCHES,
                           appeals=comparisons.appeal_counts(db, scope), **filter_choices(scope))


@bp.route("/standards")
@allow("office")
def standards():
    scope = scope_asked()
    found = comparisons.weakest_standards(get_db(), scope)
    visits_url = url_for("office.visits")
    for number, s in enumerate(found):
        s["chart"] = charts.rate_bars(
            f"standard-{number}",
            [{"label": "All branches", "rate": s["rate"], "css": "rate-all",
              "detail": f"{s['rate']:.0f}% ({s['failures']}/{s['checked']})"}]
            + [{"label": b["name"], "rate": b["rate"],
                "detail": f"{b['rate']:.0f}% ({b['failures']}/{b['checked']})",
                "href": f"{visits_url}?{scope_query(scope)}&branch={b['id']}"}
               for b in s["branches"]],
            f"{s['touchpoint_name']}: {s['standard'] or s['text']}",
            "How often the standard was not met across all branches and at the branches "
            "where it fails most; each branch opens its visits.")
    return render_template("office/standards.html", standards=found, **filter_choices(scope))


@bp.route("/moments")
@allow("office")
def moments():
    scope = scope_asked()
    search = params.some_text("q")
    found = comparisons.moments(get_db(), scope, search)
    chart = charts.split_bars(
        "moments-chart", [{"label": r["name"], "golden": r["golden_share"],
                           "dull": r["dull_share"]} for r in found["shares"]],
        "Golden and dull moments per touchpoint") if found["shares"] else None
    return render_template("office/moments.html", search=search, moments=found, chart=chart,
                           **filter_choices(scope))
