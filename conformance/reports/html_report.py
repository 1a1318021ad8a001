"""One self-contained HTML page (inline CSS, no scripts): summary, then every case by family,
failures opened, each with its requirement, expected/actual and the raw exchanges."""

from __future__ import annotations

from html import escape
from itertools import groupby
from pathlib import Path

from conformance.exchange import Exchange, Redact, preview
from conformance.outcomes import Outcome
from conformance.reports.facts import case_facts, quoted
from conformance.reports.json_report import summary
from conformance.runner import CaseResult, SuiteResult

__all__ = ["render_html", "write_html"]

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1d1d1f;
       padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #555; margin-top: 0; }
.counts span { display: inline-block; margin: .3rem .4rem .3rem 0; padding: .2rem .6rem;
               border-radius: .3rem; font-weight: 600; }
.PASS { background: #dcf5e3; color: #0a5c24; } .FAIL { background: #fde0e0; color: #8a1010; }
.NON-STRICT { background: #fff1cc; color: #6b4e00; } .SKIP { background: #ececec; color: #444; }
.ERROR { background: #f3dcf7; color: #6a1280; } .STALE { background: #fde0e0; color: #8a1010; }
.DECLARED { background: #e2ecfb; color: #123f7a; }
.causes li { margin: .3rem 0; } .causes .id { font-size: .85rem; }
details { border: 1px solid #ddd; border-radius: .3rem; margin: .25rem 0; }
summary { cursor: pointer; padding: .35rem .6rem; list-style: none; }
summary::-webkit-details-marker { display: none; }
.badge { display: inline-block; min-width: 6.5rem; text-align: center; border-radius: .25rem;
         font-size: .8rem; font-weight: 700; padding: .05rem .3rem; margin-right: .5rem; }
.id { font-family: ui-monospace, monospace; font-weight: 600; margin-right: .5rem; }
.body { padding: .2rem 1rem 1rem; border-top: 1px solid #eee; }
dl { display: grid; grid-template-columns: 8rem 1fr; gap: .2rem .8rem; margin: .5rem 0; }
dt { color: #555; } dd { margin: 0; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; font-size: .8rem; border-radius: .25rem; }
.xfail { font-size: .8rem; color: #6b4e00; margin-left: .4rem; }
.level { display: inline-block; min-width: 3.6rem; font-size: .75rem; font-weight: 700;
         color: #555; margin-right: .4rem; }
.quote { display: block; margin: .15rem 0 0 10.9rem; font-size: .85rem; color: #555; }
"""


def _exchange(exchange: Exchange, redact: Redact) -> str:
    target = f" (request-target {exchange.request_target})" if exchange.request_target else ""
    request = "\n".join(
        [redact(f"{exchange.method} {exchange.url}{target}")]
        + [f"{name}: {redact(value)[:200]}" for name, value in exchange.request_headers]
        + (["", redact(preview(exchange.request_body))] if exchange.request_body else [])
    )
    if exchange.status is None:
        response = f"(no answer: {redact(exchange.error)})"
    else:
        response = "\n".join(
            [f"HTTP {exchange.status}  ({exchange.elapsed_ms:.1f} ms)"]
            + [f"{name}: {redact(value)[:200]}" for name, value in exchange.response_headers]
            + (["", redact(preview(exchange.response_body))] if exchange.response_body else [])
        )
    if exchange.retried:
        response += f"\n(sent a second time: {exchange.retried})"
    return (
        f"<pre>{escape(request)}</pre><pre>{escape(response)}</pre>"
        f"<pre>{escape(exchange.curl(redact)[:5000])}</pre>"
    )


def _case(result: CaseResult, redact: Redact) -> str:
    case = result.case
    outcome = result.outcome.value
    opened = " open" if result.deviated and not result.expected_failure else ""
    details = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in case_facts(result, redact)
    )
    exchanges = "".join(_exchange(e, redact) for e in result.exchanges)
    xfail = '<span class="xfail">expected failure</span>' if result.expected_failure else ""
    return (
        f"<details{opened}><summary><span class='badge {outcome}'>{outcome}</span>"
        f"<span class='level'>{case.level.value}</span>"
        f"<span class='id'>{escape(case.id)}</span>{escape(case.title)}{xfail}"
        f"<span class='quote'>{escape(quoted(case))}</span></summary>"
        f"<div class='body'><dl>{details}</dl>"
        f"{'<h4>Exchanges</h4>' + exchanges if exchanges else ''}</div></details>"
    )


def render_html(suite: SuiteResult) -> str:
    facts = summary(suite)
    counts = suite.counts()
    badges = "".join(
        f"<span class='{o.value}'>{counts[o]} {o.value}</span>" for o in Outcome if counts[o]
    )
    if suite.stale_expected:
        stale = escape(", ".join(suite.stale_expected))
        badges += f"<span class='STALE'>stale expected failures: {stale}</span>"
    causes = suite.by_cause()
    cause_items = "".join(
        f"<li>{escape(cause)}<br>"
        + " ".join(f"<span class='id'>{escape(r.case.id)}</span>" for r in results)
        + "</li>"
        for cause, results in causes.items()
    )
    grouped = (
        f"<h2>Root causes: one defect, one finding</h2><ul class='causes'>{cause_items}</ul>"
        if causes
        else ""
    )
    declared = suite.declared()
    declared_items = "".join(
        f"<li><span class='id'>{escape(r.case.id)}</span>{escape(r.case.title)} "
        f"({escape(r.case.level.value)}: {escape(r.case.spec)})</li>"
        for r in declared
    )
    if declared:
        grouped += (
            "<h2>Declared deviations (the profile says the target lacks these)</h2>"
            f"<ul class='causes'>{declared_items}</ul>"
        )
    families = "".join(
        f"<h2>{escape(family)}</h2>" + "".join(_case(r, suite.redact) for r in group)
        for family, group in groupby(suite.results, key=lambda r: r.case.family)
    )
    verdict = "FAILED" if suite.failed else "OK"
    where = facts["base_url"] or "in-process"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Conformance: {escape(facts['target'])} — {verdict}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Dual-token conformance: {escape(facts['target'])} — {verdict}</h1>"
        f"<p class='meta'>{len(suite.results)} cases against {escape(str(where))}, time mode "
        f"{escape(facts['time_mode'])}, profile {escape(facts['profile'])}, "
        f"{facts['duration_s']} s{', strict' if suite.strict else ''}.</p>"
        f"<p class='counts'>{badges}</p>{grouped}{families}</body></html>\n"
    )


def write_html(suite: SuiteResult, path: str | Path) -> None:
    Path(path).write_text(render_html(suite), encoding="utf-8")
