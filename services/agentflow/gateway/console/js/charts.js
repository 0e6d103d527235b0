// Horizontal bar charts in SVG, drawn from numbers the admin API gives (no chart library: the
// console fetches nothing from elsewhere). Each chart is an image with a text alternative.

const SVG = "http://www.w3.org/2000/svg";
const BAR = 16;
const GAP = 6;
const LABEL = 110;
const WIDTH = 420;

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

/** The key of a chart's series: a swatch and a name each, ``step`` apart from (x, y). */
function legend(names, x, y, step) {
  const group = svg("g", { transform: `translate(${x}, ${y})` });
  names.forEach((name, s) => {
    group.append(svg("rect", { x: s * step, y: -8, width: 10, height: 10, class: `bar series-${s}` }));
    group.append(svg("text", { x: s * step + 14, y: 1, class: "chart-legend" }, name));
  });
  return group;
}

/** A chart's figure with its caption; with ``empty`` text instead of a picture when set. */
function chartFigure(className, title, empty = null) {
  const figure = document.createElement("figure");
  figure.className = className;
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption);
  if (empty !== null) {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = empty;
    figure.append(note);
  }
  return figure;
}

/**
 * rows: [{label, values: [number|null, ...]}], series: names of the values (one colour each),
 * format: number -> text.
 */
export function barChart({ title, rows, series, format = (v) => String(v) }) {
  if (!rows.length) return chartFigure("chart", title, "No data yet.");
  const figure = chartFigure("chart", title);
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values.map((v) => v ?? 0)));
  const groupHeight = series.length * (BAR + 2) + GAP;
  const height = rows.length * groupHeight + 24;
  const summary = rows.map((r) => `${r.label}: ${r.values.map((v, i) =>
    `${series[i]} ${v === null ? "none" : format(v)}`).join(", ")}`).join("; ");
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img",
    "aria-label": `${title}. ${summary}` });
  chart.append(svg("title", {}, title));
  const plot = WIDTH - LABEL - 70;
  rows.forEach((row, index) => {
    const top = index * groupHeight;
    chart.append(svg("text", { x: LABEL - 6, y: top + groupHeight / 2, "text-anchor": "end",
      "dominant-baseline": "middle", class: "chart-label" }, row.label));
    row.values.forEach((value, s) => {
      const y = top + s * (BAR + 2);
      const width = value ? Math.max(1, (value / max) * plot) : 0;
      chart.append(svg("rect", { x: LABEL, y, width, height: BAR, class: `bar series-${s}`,
        "data-label": row.label, "data-series": series[s], "data-value": value ?? "" }));
      chart.append(svg("text", { x: LABEL + width + 4, y: y + BAR / 2, "dominant-baseline": "middle",
        class: "chart-value" }, value === null ? "–" : format(value)));
    });
  });
  chart.append(legend(series, LABEL, height - 12, 110));
  figure.append(chart);
  return figure;
}

const LINE_W = 420;
const LINE_H = 150;
const PAD = { left: 48, right: 10, top: 10, bottom: 34 };

/**
 * A line chart over time. times: [Date, ...]; lines: [{name, values: [number|null, ...]}]
 * (a null leaves a gap); format: number -> text. Each point is a circle carrying its series,
 * time and value, so the figure reads without the picture too.
 */
export function lineChart({ title, times, lines, format = (v) => String(v) }) {
  const values = lines.flatMap((l) => l.values.filter((v) => v !== null));
  if (!values.length) return chartFigure("chart line-chart", title, "No calls in this period yet.");
  const figure = chartFigure("chart line-chart", title);
  const max = Math.max(1e-9, ...values);
  const plotW = LINE_W - PAD.left - PAD.right;
  const plotH = LINE_H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (times.length > 1 ? (i / (times.length - 1)) * plotW : plotW / 2);
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const latest = lines.map((l) => {
    const last = [...l.values].reverse().find((v) => v !== null);
    return `${l.name} latest ${last === undefined ? "none" : format(last)}`;
  }).join(", ");
  const chart = svg("svg", { viewBox: `0 0 ${LINE_W} ${LINE_H}`, role: "img",
    "aria-label": `${title}. Peak ${format(max)}; ${latest}` });
  chart.append(svg("title", {}, title));
  chart.append(svg("line", { x1: PAD.left, y1: PAD.top + plotH, x2: PAD.left + plotW,
    y2: PAD.top + plotH, class: "axis" }));
  chart.append(svg("text", { x: PAD.left - 4, y: PAD.top + 4, "text-anchor": "end",
    class: "chart-value" }, format(max)));
  chart.append(svg("text", { x: PAD.left - 4, y: PAD.top + plotH, "text-anchor": "end",
    class: "chart-value" }, format(0)));
  const long = times[times.length - 1] - times[0] > 12 * 3600 * 1000;  // a day: say which
  const clock = (d) => (long
    ? d.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })
    : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  chart.append(svg("text", { x: PAD.left, y: LINE_H - 20, class: "chart-value" }, clock(times[0])));
  chart.append(svg("text", { x: PAD.left + plotW, y: LINE_H - 20, "text-anchor": "end",
    class: "chart-value" }, clock(times[times.length - 1])));
  lines.forEach((line, s) => {
    let run = [];
    const flush = () => {
      if (run.length > 1) chart.append(svg("polyline", { points: run.join(" "), class: `line series-${s}` }));
      run = [];
    };
    line.values.forEach((value, i) => {
      if (value === null) { flush(); return; }
      run.push(`${x(i).toFixed(1)},${y(value).toFixed(1)}`);
      chart.append(svg("circle", { cx: x(i).toFixed(1), cy: y(value).toFixed(1), r: 2,
        class: `point series-${s}`, "data-series": line.name, "data-at": times[i].toISOString(),
        "data-value": value }));
    });
    flush();
  });
  chart.append(legend(lines.map((line) => line.name), PAD.left, LINE_H - 6, 90));
  figure.append(chart);
  return figure;
}
