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

/**
 * rows: [{label, values: [number|null, ...]}], series: names of the values (one colour each),
 * format: number -> text.
 */
export function barChart({ title, rows, series, format = (v) => String(v) }) {
  const figure = document.createElement("figure");
  figure.className = "chart";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption);
  if (!rows.length) {
    const empty = document.createElement("p");
    empty.className = "hint";
    empty.textContent = "No data yet.";
    figure.append(empty);
    return figure;
  }
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
  const legend = svg("g", { transform: `translate(${LABEL}, ${height - 12})` });
  series.forEach((name, s) => {
    legend.append(svg("rect", { x: s * 110, y: -8, width: 10, height: 10, class: `bar series-${s}` }));
    legend.append(svg("text", { x: s * 110 + 14, y: 1, class: "chart-legend" }, name));
  });
  chart.append(legend);
  figure.append(chart);
  return figure;
}
