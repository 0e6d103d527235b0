// The admin view: latency per agent, tokens and cost per agent and tenant, error and fallback
// rates, alerts — all from /v1/admin (platform-wide figures only for platform admins).

import { getJson } from "./api.js";
import { $, el, formatMs, formatTime, show } from "./dom.js";
import { barChart, lineChart } from "./charts.js";

const REFRESH_MS = 15_000;
let timer = null;
let caller = null;

const pct = (v) => `${(v * 100).toFixed(1)}%`;
const usd = (v) => `$${v < 0.01 && v > 0 ? v.toFixed(5) : v.toFixed(2)}`;
const int = (v) => Math.round(v).toLocaleString();

function sumBy(rows, key) {
  const totals = new Map();
  for (const row of rows) {
    const total = totals.get(row[key]) || { tokens_in: 0, tokens_out: 0, cost: 0, queries: 0 };
    total.tokens_in += row.input_tokens;
    total.tokens_out += row.output_tokens;
    total.cost += row.cost_usd;
    total.queries += row.queries;
    totals.set(row[key], total);
  }
  return [...totals.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function stat(label, value) {
  return el("div", { class: "stat" }, el("span", { class: "stat-value", text: value }),
    el("span", { class: "stat-label", text: label }));
}

function render(snapshot, usage, alerts) {
  const charts = [];
  const summary = [];
  if (snapshot) {
    const answers = snapshot.answers;
    summary.push(stat("answers in window", int(answers.calls)),
      stat("answer p95", formatMs(answers.p95_ms ?? snapshot.answers_baseline.p95_ms)),
      stat("answer error rate", answers.error_rate === null ? "–" : pct(answers.error_rate)));
    const agents = snapshot.agents;
    charts.push(barChart({ title: "Latency per agent (ms, current window)",
      series: ["p50", "p95", "baseline p95"], format: (v) => formatMs(v),
      rows: agents.map((a) => ({ label: a.agent,
        values: [a.window.p50_ms, a.window.p95_ms, a.baseline.p95_ms] })) }));
    charts.push(barChart({ title: "Error and fallback rate per agent", series: ["errors", "fallbacks"],
      format: pct, rows: agents.map((a) => ({ label: a.agent,
        values: [a.window.error_rate ?? 0, a.window.fallback_rate ?? 0] })) }));
  }
  summary.push(stat(`tokens (${usage.period}s shown)`, int(usage.total_tokens)),
    stat("cost", usd(usage.total_cost_usd)), stat("alerts", int(alerts.length)));
  const perAgent = sumBy(usage.rows, "agent");
  const perTenant = sumBy(usage.rows, "tenant_id");
  charts.push(barChart({ title: "Tokens per agent", series: ["input", "output"], format: int,
    rows: perAgent.map(([agent, t]) => ({ label: agent, values: [t.tokens_in, t.tokens_out] })) }));
  charts.push(barChart({ title: "Cost per agent (USD)", series: ["cost"], format: usd,
    rows: perAgent.map(([agent, t]) => ({ label: agent, values: [t.cost] })) }));
  charts.push(barChart({ title: "Tokens and queries per tenant", series: ["tokens", "queries"],
    format: int, rows: perTenant.map(([tenant, t]) => ({ label: tenant,
      values: [t.tokens_in + t.tokens_out, t.queries] })) }));
  charts.push(barChart({ title: "Cost per tenant (USD)", series: ["cost"], format: usd,
    rows: perTenant.map(([tenant, t]) => ({ label: tenant, values: [t.cost] })) }));
  $("#admin-summary").replaceChildren(...summary);
  $("#admin-charts").replaceChildren(...charts);
  $("#alerts tbody").replaceChildren(...(alerts.length ? alerts.map((a) => el("tr",
    { class: `alert severity-${a.severity}` },
    el("td", { text: formatTime(a.at) }), el("td", { text: a.severity }), el("td", { text: a.kind }),
    el("td", { text: a.subject }), el("td", { text: a.message }), el("td", { text: a.delivery })))
    : [el("tr", {}, el("td", { colspan: 6, class: "hint", text: "No alerts." }))]));
  $("#admin-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

/** p50/p95 answer latency and error rate per agent over time (platform admins). */
function renderSeries(data) {
  const times = data.series[0].points.map((p) => new Date(p.at));
  const name = (subject) => (subject === "answers" ? "Answers" : `The ${subject} agent`);
  const charts = data.series.map((s) => lineChart({
    title: `${name(s.subject)}: response time (ms)`, times, format: (v) => formatMs(v),
    lines: [{ name: "p50", values: s.points.map((p) => p.p50_ms) },
      { name: "p95", values: s.points.map((p) => p.p95_ms) }] }));
  charts.push(lineChart({ title: "Error rate", times, format: pct,
    lines: data.series.map((s) => ({ name: s.subject,
      values: s.points.map((p) => p.error_rate) })) }));
  $("#admin-series").replaceChildren(...charts);
}

export async function refreshAdmin() {
  try {
    const resolution = $("#admin-series-resolution").value;
    const [snapshot, series, usage, alerts] = await Promise.all([
      caller.platform_admin ? getJson("/v1/admin/metrics") : null,
      caller.platform_admin ? getJson(`/v1/admin/metrics?series=${resolution}`) : null,
      getJson("/v1/admin/usage?period=day"),
      getJson("/v1/admin/alerts?limit=50"),
    ]);
    show($("#admin-error"), false);
    render(snapshot, usage, alerts);
    show($("#admin-series-panel"), Boolean(series));
    if (series) renderSeries(series);
  } catch (error) {
    $("#admin-error").textContent = `The figures could not be loaded: ${error.message}`;
    show($("#admin-error"), true);
  }
}

/** Refresh while the admin view is shown; stop when it is not. */
export function watchAdmin(visible) {
  clearInterval(timer);
  timer = null;
  if (!visible) return;
  refreshAdmin();
  timer = setInterval(refreshAdmin, REFRESH_MS);
}

export function initAdmin(me) {
  caller = me;
  $("#admin-refresh").addEventListener("click", refreshAdmin);
  $("#admin-series-resolution").addEventListener("change", refreshAdmin);
}
