"""report.html: one self-contained page a reviewer reads to decide whether a dataset is ready.

The page is rendered from report.json alone (so `dataprep report OUT` can re-render it) with string
templates and `html.escape`; charts are inline SVG, styles are inline, and a Content-Security-Policy that
allows nothing but inline styles makes sure the page cannot load anything from anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from dataprep.report import charts

_SHOWN = 5  # rows of a long list shown before the rest is folded
_CLUSTERS_SHOWN = 3  # duplicate clusters shown before the rest is folded
_TOC = (("verdict", "Verdict"), ("overview", "Overview"), ("quotas", "Quotas"), ("tokens", "Tokens"),
        ("languages", "Languages"), ("duplicates", "Duplicates"), ("rejected", "Rejected"), ("cleaning", "Cleaning"),
        ("rules", "Rules"), ("expectations", "Expectations"), ("findings", "Findings"), ("stages", "Pipeline"),
        ("manifest", "Manifest"), ("explanations", "Explanations"))
_CSS = """
:root { --ok: #2e7d32; --warn: #b26a00; --bad: #c62828; --line: #d8dde3; --muted: #5f6b7a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733; margin: 0;
       background: #f5f7fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.muted { color: var(--muted); }
.verdict { border-width: 2px; }
.verdict.ready { border-color: var(--ok); background: #edf7ee; }
.verdict.not-ready { border-color: var(--bad); background: #fdeeee; }
.verdict h2 { margin: 0 0 6px; font-size: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fff; }
.card b { display: block; font-size: 20px; }
.gauge { margin: 10px 0; }
.gauge-label { display: flex; justify-content: space-between; }
.gauge-track { position: relative; height: 14px; background: #e9edf1; border-radius: 7px; overflow: hidden; }
.gauge-bar { height: 100%; background: var(--ok); }
.gauge-bar.high { background: var(--warn); } .gauge-bar.over, .gauge-bar.under { background: var(--bad); }
.gauge-min { position: absolute; top: 0; bottom: 0; width: 2px; background: #1d2733; }
.gauge-note { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .excerpt { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre, .excerpt { white-space: pre-wrap; word-break: break-word; background: #f5f7fa; padding: 6px 8px;
                border-radius: 4px; margin: 4px 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; border-top: 1px solid var(--line);
        padding-top: 8px; margin-top: 8px; }
del { background: #fde2e1; text-decoration: line-through; } ins { background: #dcf5e3; text-decoration: none; }
.pass { color: var(--ok); } .fail { color: var(--bad); font-weight: 600; }
svg.chart { width: 100%; max-width: 560px; height: auto; }
figure { margin: 8px 0; }
.rule { border-top: 1px solid var(--line); padding-top: 6px; }
.toc { display: flex; flex-wrap: wrap; gap: 4px 12px; margin: 8px 0; font-size: 13px; }
details { margin: 6px 0; } summary { cursor: pointer; } details:not(.rule) > summary { color: var(--muted); }
code, td, th, h1, h2, h3, p, li, summary { overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
@media (max-width: 700px) {
  main { padding: 8px; } section { padding: 8px 10px; }
  .pair { grid-template-columns: 1fr; }
  th, td { padding: 3px 4px; }
  table { font-size: 12px; }
}
"""


def render(report: Mapping[str, Any]) -> str:
    """The whole page for one report.json document."""
    profile = report["profile"]
    title = f"dataprep report: {profile['name']} {profile['task']}"
    body = "\n".join([
        f"<header><h1>{escape(title)}</h1><p class=muted>dataprep {escape(report['tool']['version'])} · "
        f"report version {report['report_version']} · {escape(profile['base_model_id'])} · tokens counted with "
        f"{escape(profile['token_counter'])}</p></header>",
        "<nav class=toc>" + " ".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in _TOC) + "</nav>",
        _verdict(report["verdict"]),
        _overview(report),
        _section("quotas", "Quotas", "\n".join(_gauge(g) for g in report["quotas"]) or "<p>No quota applies.</p>"),
        _section("tokens", "Token lengths per split", _tokens(report["splits"])),
        _section("languages", "Language mix", _languages(report["splits"])),
        _section("duplicates", "Duplicate clusters", _duplicates(report["duplicates"])),
        _section("rejected", "Rejected records by rule", _rejected(report["rejected"])),
        _section("cleaning", "Cleaning", _cleaning(report["rules"])),
        _section("rules", "Rules", _rules_table(report["rules"])),
        _section("expectations", "great-expectations", _expectations(report["expectations"])),
        _section("findings", "Findings in the written files", _findings(report["findings"])),
        _section("stages", "Pipeline", _stages(report)),
        _section("manifest", "Manifest", _manifest(report)),
        _section("explanations", "Rule explanations", _explanations(report["rules"])),
    ])
    return (
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


def _n(value: float | None) -> str:
    if value is None:
        return "&ndash;"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def _section(anchor: str, title: str, content: str) -> str:
    return f'<section id="{anchor}">\n<h2>{escape(title)}</h2>\n{content}\n</section>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """A table from already-escaped cells; `numeric` columns are right-aligned."""
    right = set(numeric)
    cls = [' class="n"' if i in right else "" for i in range(len(headers))]
    head = "".join(f"<th{cls[i]}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "\n".join("<tr>" + "".join(f"<td{cls[i]}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _rule_link(code: str) -> str:
    return f'<a href="#rule-{escape(code)}"><code>{escape(code)}</code></a>'


def _code(code: str) -> str:
    """A rule code links to its explanation; other codes (expectation types, `validation`) are plain."""
    return _rule_link(code) if code.startswith("DP") else f"<code>{escape(code)}</code>"


def _where(entry: Mapping[str, Any]) -> str:
    chunk = f" chunk {entry['chunk']}/{entry['chunks']}" if "chunk" in entry else ""
    return f"<code>{escape(entry['source'])}:{entry['line']}{chunk}</code>"


def _verdict(verdict: Mapping[str, Any]) -> str:
    """Verdict first: the headline, what was removed and why, the blockers once each, the next command."""
    ready = verdict["ready"]
    head, _, detail = verdict["headline"].partition(". ")
    items = [f"<li>{_code(b['code'])} <code>{escape(b['where'])}</code> {escape(b['message'])}</li>"
             for b in verdict["blocking"]]
    more = verdict["blocking_total"] - len(verdict["blocking"])
    if more > 0:
        items.append(f"<li>… and {more:,} more</li>")
    parts = [f"<h2>{escape(head)}</h2>", f"<p>{escape(detail)}</p>"]
    if verdict["removed_by"]:
        removed = ", ".join(f"{_rule_link(r['code'])} {escape(r['name'])} {_n(r['count'])} ({r['share']:.1f}%)"
                            for r in verdict["removed_by"])
        parts.append(f'<p>Removed most: {removed} — <a href="#rejected">every rule</a>.</p>')
    if items:
        parts.append("<ul class=blocking>\n" + "\n".join(items) + "\n</ul>")
    step = verdict["next"]
    parts.append(f"<p><b>Next:</b> <code>{escape(step['command'])}</code> — {escape(step['why'])}</p>")
    warnings = [f"<li>{_code(w['code'])} <code>{escape(w['where'])}</code> {escape(w['message'])}</li>"
                for w in verdict["warnings"]]
    if warnings:
        parts.append(_fold(f"Warnings, not blocking ({len(warnings):,})",
                           "<ul class=warnings>\n" + "\n".join(warnings) + "\n</ul>", open_=len(warnings) <= 3))
    state = "ready" if ready else "not-ready"
    return f'<section id="verdict" class="verdict {state}" data-ready="{str(ready).lower()}">\n' + \
        "\n".join(parts) + "\n</section>"


def _fold(summary: str, content: str, open_: bool = False) -> str:
    """A long part folded under a one-line summary that says how much is inside."""
    return f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>\n{content}\n</details>"


def _overview(report: Mapping[str, Any]) -> str:
    counts, training = report["counts"], report["training_tokens"]
    default = next((e for e in training["estimates"] if "default" in e["labels"]), None)
    cards = [("input records", counts["input_records"]), ("training records", counts["train"]),
             ("validation records", counts["validation"]), ("test records", counts["test"]),
             ("rejected", counts["rejected"]), ("training tokens", training["train_tokens"])]
    if default:
        cards.append((f"trained tokens at {default['epochs']} epochs (default)", default["tokens"]))
    html = "<div class=cards>" + "".join(f"<div class=card><b>{_n(v)}</b>{escape(k)}</div>" for k, v in cards) + \
        "</div>"
    if training["estimates"]:
        rows = [[_n(e["epochs"]), escape(", ".join(e["labels"])), _n(e["tokens"])] for e in training["estimates"]]
        html += "<h3>Estimated training tokens (training tokens &times; epochs)</h3>" + \
            _table(["epochs", "epochCount", "tokens"], rows, numeric=(0, 2))
    return _section("overview", "Overview", html)


def _gauge(gauge: Mapping[str, Any]) -> str:
    value, usable, minimum = gauge["value"], gauge["usable"], gauge.get("minimum")
    percent = gauge["percent"]
    state = "over" if usable is not None and value > usable else "under" if minimum and value < minimum else \
        "high" if percent is not None and percent >= 90 else "ok"
    width = min(percent or 0.0, 100.0)
    limit = f" {escape(gauge['unit'])}"
    if percent is not None:
        shown = "&lt;0.1" if 0 < percent < 0.1 else f"{percent:.1f}"
        limit = f" / {_n(usable)}{limit} ({shown}%)"
    notes = [f"<code>{escape(gauge['key'])}</code>"]
    if gauge["quota"] is not None and gauge["quota"] != usable:
        notes.append(f"quota {_n(gauge['quota'])}, {_n(usable)} usable after the safety margin")
    marker = ""
    if minimum is not None:
        notes.append(f"at least {_n(minimum)} (<code>{escape(gauge['minimum_key'])}</code>)")
        if usable:
            marker = f'<div class="gauge-min" style="left: {min(100 * minimum / usable, 100):.1f}%"></div>'
    if "where" in gauge:
        notes.append(f"longest: <code>{escape(gauge['where'])}</code>")
    if "note" in gauge:
        notes.append(escape(gauge["note"]))
    return (f'<div class="gauge" data-key="{escape(gauge["key"])}" data-state="{state}">'
            f'<div class="gauge-label"><span>{escape(gauge["label"])}</span><span>{_n(value)}{limit}</span></div>'
            f'<div class="gauge-track"><div class="gauge-bar {state}" style="width: {width:.1f}%"></div>{marker}</div>'
            f'<div class="gauge-note">{" · ".join(notes)}</div></div>')


def _tokens(splits: Mapping[str, Any]) -> str:
    limit = splits["token_limit"]
    rows = [[escape(name), _n(s["records"]), *(_n(s["tokens"][k]) for k in ("min", "median", "p95", "max", "total"))]
            for name, s in splits["by_split"].items()]
    html = [_table(["split", "records", "min", "median", "p95", "max", "total"], rows, numeric=range(1, 7))]
    if limit:
        html.append(f"<p class=muted>Limit: <code>{escape(limit['key'])}</code> {_n(limit['quota'])} tokens, "
                    f"{_n(limit['usable'])} usable after the safety margin.</p>")
    for name, s in splits["by_split"].items():
        svg = charts.token_histogram(f"tokens-{name}", splits["histogram_edges"], s["histogram"], limit)
        html.append(f'<figure class="split-chart" data-split="{escape(name)}"><figcaption>{escape(name)}: '
                    f'{_n(s["records"])} records</figcaption>\n{svg}\n</figure>')
    return "\n".join(html)


def _languages(splits: Mapping[str, Any]) -> str:
    by_split = {name: s["languages"] for name, s in splits["by_split"].items()}
    svg = charts.language_mix("languages", by_split)
    rows = [[escape(name), ", ".join(f"{escape(e['lang'])} {_n(e['records'])}" for e in mix)]
            for name, mix in by_split.items()]
    return f'<figure class="languages-chart">\n{svg}\n</figure>\n' + _table(["split", "records per language"], rows)


def _duplicates(dup: Mapping[str, Any]) -> str:
    html = [f"<p>{_n(dup['clusters'])} cluster(s); {_n(dup['removed'])} record(s) removed ({_n(dup['exact'])} exact, "
            f"{_n(dup['near'])} near, Jaccard &ge; {escape(str(dup.get('threshold', '')))}). One record per cluster "
            "is kept; each dropped one is shown as the kept one is, with its Jaccard to it and the words that "
            "differ (<del>only in the kept record</del>, <ins>only in the dropped one</ins>).</p>"]
    if dup["sizes"]:
        sizes = _table(["cluster size", "clusters"], [[_n(s["size"]), _n(s["clusters"])] for s in dup["sizes"]],
                       numeric=(0, 1))
        html.append(sizes if len(dup["sizes"]) <= _SHOWN else _fold(f"{len(dup['sizes']):,} cluster sizes", sizes))
    shown, folded = [], []
    for index, cluster in enumerate(dup["examples"], start=1):
        kept = cluster["kept"]
        dropped = "".join(_dropped(d) for d in cluster["dropped"])
        more = f"<p class=muted>… and {cluster['more']:,} more</p>" if cluster["more"] else ""
        fate = kept["fate"]
        went = f"went to {escape(fate)}" if not fate.startswith("rejected") else \
            f"later {escape(fate)} (see {_rule_link(fate.split()[-1])})" if fate != "rejected" else "later rejected"
        (shown if index <= _CLUSTERS_SHOWN else folded).append(
            f'<div class="pair" id="cluster-{index}"><div><h3>kept, cluster of {cluster["size"]}</h3>'
            f'{_where(kept)} <span class=muted>{went}</span><div class=excerpt>{escape(kept["excerpt"])}</div>'
            f"</div><div><h3>dropped</h3>{dropped}{more}</div></div>")
    html += shown
    if folded:
        html.append(_fold(f"{len(folded):,} more cluster(s)", "\n".join(folded)))
    return "\n".join(html)


def _dropped(member: Mapping[str, Any]) -> str:
    """A dropped member: its rule, where, the Jaccard to the kept record, its text and the word diff."""
    jaccard = f" <b>Jaccard {member['jaccard']:.3f}</b>" if "jaccard" in member else ""
    diff = member.get("diff")
    words = "".join(_DIFF[op].format(escape(text)) for op, text in diff) if diff else ""
    shown = f"<div class=muted>words that differ from the kept record</div><div class=excerpt>{words}</div>" \
        if words else ""
    return (f"<div>{_rule_link(member['code'])} {_where(member)}{jaccard}"
            f"<div class=excerpt>{escape(member['excerpt'])}</div>{shown}</div>")


_DIFF = {"=": "{} ", "-": "<del>{}</del> ", "+": "<ins>{}</ins> ", "~": "<span class=muted>{}</span> "}


def _jaccard_bins(bins: Sequence[Mapping[str, Any]]) -> str:
    """DP402 drops per Jaccard bin, as a line of text under the rule's reasons."""
    shown = [f"{b['from']:.2f}&ndash;{b['to']:.2f}: {_n(b['count'])}" for b in bins if b["count"]]
    return f"<div class=muted>Jaccard to the kept record: {' · '.join(shown)}</div>" if shown else ""


def _rejected(rejected: Mapping[str, Any]) -> str:
    rows = []
    for entry in rejected["by_code"]:
        # A hand-edited report may list no example: show the reason pattern then.
        reasons = "".join(
            f"<div>{_n(r['count'])} &times; "
            f"{escape(r['pattern'] if r['count'] > 1 or not r['examples'] else r['examples'][0]['reason'])}"
            f"<br><span class=muted>e.g. "
            f"{', '.join(_where(x) for x in r['examples'])}</span></div>" for r in entry["reasons"])
        if entry["other_reasons"]:
            reasons += f"<div class=muted>{_n(entry['other_reasons'])} with other reasons</div>"
        reasons += _jaccard_bins(entry.get("jaccard", []))
        rows.append([_rule_link(entry["code"]), escape(entry["name"]), _n(entry["count"]), reasons])
    return f"<p>{_n(rejected['total'])} record(s) in <code>rejected.jsonl</code>.</p>" + \
        _table(["code", "rule", "records", "reasons and examples"], rows, numeric=(2,))


def _cleaning(rules: Sequence[Mapping[str, Any]]) -> str:
    rows = [[_rule_link(r["code"]), escape(r["name"]), _n(r["fixed"]), escape(r["summary"])]
            for r in rules if r["fixed"]]
    if not rows:
        return "<p>No record needed cleaning.</p>"
    return "<p>Records changed by a cleaning rule (each change is counted; nothing changes silently).</p>" + \
        _table(["code", "rule", "records fixed", "what"], rows, numeric=(2,))


def _rules_table(rules: Sequence[Mapping[str, Any]]) -> str:
    columns = ("dropped", "fixed", "warned", "input_findings", "output_findings")
    rows = [[_rule_link(r["code"]), escape(r["name"]), escape(r["severity"]),
             *(_n(r[c]) if r[c] else "" for c in columns)] for r in rules]
    return _table(["code", "rule", "severity", "dropped", "fixed", "warned", "input findings", "output findings"],
                  rows, numeric=range(3, 8))


def _expectations(gx: Mapping[str, Any]) -> str:
    rows: dict[bool, list[list[str]]] = {True: [], False: []}
    for r in gx["results"]:
        kwargs = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in r["kwargs"].items())
        if "element_count" in r:
            observed = f"{_n(r['unexpected_count'])} of {_n(r['element_count'])} unexpected"
            if r["unexpected"]:
                observed += "<br><span class=muted>e.g. " + ", ".join(
                    f"<code>{escape(u['split'])}.jsonl:{u['line']}</code>" for u in r["unexpected"]) + "</span>"
        else:
            observed = f"observed {escape(json.dumps(r.get('observed_value'), ensure_ascii=False))}"
        status = '<span class="pass">pass</span>' if r["success"] else '<span class="fail">fail</span>'
        rows[r["success"]].append([escape(r["dataset"]), f"<code>{escape(r['type'])}</code><br>"
                                   f"<code>{escape(kwargs)}</code>", status, observed])
    summary = f"<p>{gx['evaluated'] - gx['failed']} of {gx['evaluated']} expectations hold. The suites are in " \
        "<code>expectations.json</code>, ready to run in your own great-expectations setup.</p>"
    headers = ["dataset", "expectation", "result", "observed"]
    failed = _table(headers, rows[False]) if rows[False] else ""
    passed = _fold(f"{len(rows[True]):,} expectation(s) hold", _table(headers, rows[True])) if rows[True] else ""
    return summary + failed + passed


def _findings(findings: Mapping[str, Any]) -> str:
    if not findings["total"]:
        return "<p>The written files pass <code>dataprep validate</code> without findings.</p>"
    counts = ", ".join(f"{n:,} {s}" for s, n in findings["by_severity"].items() if n)
    rows = [[f"<code>{escape(f['file'])}:{f['line']}</code>" if f["line"] else f"<code>{escape(f['file'])}</code>",
             _rule_link(f["code"]), escape(f["severity"]), escape(f["message"])] for f in findings["items"]]
    headers = ["where", "code", "severity", "message"]
    html = f"<p>{_n(findings['total'])} finding(s): {counts}.</p>" + _table(headers, rows[:_SHOWN])
    if rows[_SHOWN:]:
        html += _fold(f"{len(rows) - _SHOWN:,} more finding(s)", _table(headers, rows[_SHOWN:]))
    return html


def _stages(report: Mapping[str, Any]) -> str:
    rows = [[escape(s["name"]), _n(s["records_in"]), _n(s["records_out"])] for s in report["stages"]
            if s["records_in"] or s["records_out"]]
    counts = report["counts"]
    chunked = f" ({_n(counts['units'])} after chunking; a chunk counts as one below)" \
        if counts["units"] != counts["input_records"] else ""
    written = counts["train"] + counts["validation"] + counts["test"]
    check = f"<p>{_n(counts['input_records'])} records in{chunked} = {_n(written)} written + " \
        f"{_n(counts['rejected'])} rejected.</p>"
    return check + _table(["stage", "in", "out"], rows, numeric=(1, 2))


def _manifest(report: Mapping[str, Any]) -> str:
    outputs = [[f"<code>{escape(o['file'])}</code>", _n(o.get("records")), _n(o["bytes"]), _n(o.get("tokens")),
                f"<code>{escape(o['sha256'])}</code>"] for o in report["outputs"].values()]
    inputs = [[f"<code>{escape(i['path'])}</code>", _n(i["records"]), _n(i["bytes"]),
               escape(", ".join(f"{k} {v:,}" for k, v in i["shapes"].items()))
               + (f"<br><span class=muted>{escape(i['mapping'])}</span>" if i.get("mapping") else ""),
               f"<code>{escape(i['sha256'])}</code>"] for i in report["inputs"]]
    mapped = [f"<li><code>{escape(i['path'])}</code>: {escape(i['mapping'])}</li>" for i in report["inputs"]
              if i.get("mapping")]
    folders: dict[str, list[int]] = {}
    for i in report["inputs"]:
        totals = folders.setdefault(i["path"].rpartition("/")[0] or ".", [0, 0, 0])
        totals[0] += 1
        totals[1] += i["records"]
        totals[2] += i["bytes"]
    by_folder = [[f"<code>{escape(f)}</code>", _n(n), _n(r), _n(b)] for f, (n, r, b) in folders.items()]
    skipped = [[f"<code>{escape(k['path'])}</code>", f"<code>{escape(k['code'])}</code>", escape(k["reason"])]
               for k in report.get("skipped", [])]
    settings = escape(json.dumps(report["settings"], ensure_ascii=False, indent=2))
    return ("<h3>Outputs</h3>" + _table(["file", "records", "bytes", "tokens", "sha256"], outputs, numeric=(1, 2, 3))
            + "<h3>Inputs</h3>" + _table(["folder", "files", "records", "bytes"], by_folder, numeric=(1, 2, 3))
            + (f"<p>Read with a mapping:</p><ul>{''.join(mapped)}</ul>" if mapped else "")
            + _fold(f"{len(inputs):,} input file(s) with their sha256",
                    _table(["file", "records", "bytes", "shapes", "sha256"], inputs, numeric=(1, 2)))
            + (f"<h3>Skipped, not read ({len(skipped):,})</h3>" + _table(["path", "rule", "why"], skipped)
               if skipped else "")
            + _fold("Settings", f"<pre>{settings}</pre>"))


def _explanations(rules: Sequence[Mapping[str, Any]]) -> str:
    """One line per rule (its code, name and summary; a link lands on it), why and how to fix folded under it."""
    return f"<p>{len(rules):,} rule(s) this build used; each code on the page links here.</p>" + "\n".join(
        f'<details class="rule" id="rule-{escape(r["code"])}"><summary><code>{escape(r["code"])}</code> '
        f'<b>{escape(r["name"])}</b>: {escape(r["summary"])} <span class=muted>({escape(r["severity"])}, build '
        f'action: {escape(r["action"])})</span></summary><p><b>Why:</b> {escape(r["explanation"])}</p>'
        f"<p><b>Fix:</b> {escape(r['fix'])}</p></details>" for r in rules)
