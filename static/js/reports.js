// Draws the report charts with the vendored ECharts. Each chart element carries
// data-chart="<id>"; its spec is the JSON in <script type="application/json" id="<id>">
// written by Django's json_script (no inline scripts: CSP is script-src 'self').
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var palette = ["#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a"];

  function readSpec(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function funnel(spec) {
    // Labels come from the spec (dark text beside the bar): inside a narrow bar they took the
    // bar's colour and could not be read.
    var series = Object.assign({
      type: "funnel", sort: "none", minSize: "10%", gap: 2,
      label: spec.label || { show: true, position: "right", color: "#1f2328", formatter: "{b} {c}" },
      labelLine: { show: true },
      data: spec.items
    }, spec.layout || {});
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c}", renderMode: "richText" },
      series: [series]
    };
  }

  function bar(spec) {
    var names = spec.axisNames || [];
    var valueAxes = names.length > 1
      ? names.map(function (n) { return { type: "value", name: n }; })
      : [{ type: "value", name: names[0] || "" }];
    var categoryAxis = { type: "category", data: spec.categories, axisLabel: spec.axisLabel || { interval: 0, rotate: spec.horizontal ? 0 : 30 } };
    return {
      color: palette,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: spec.horizontal ? 160 : 50, right: 40, bottom: spec.horizontal ? 30 : 80, top: 40 },
      xAxis: spec.horizontal ? valueAxes[0] : categoryAxis,
      yAxis: spec.horizontal ? Object.assign(categoryAxis, { inverse: true }) : valueAxes,
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type || "bar", data: s.data, stack: s.stack, yAxisIndex: s.yAxisIndex || 0 };
      })
    };
  }

  function heatmap(spec) {
    var max = 1;
    spec.data.forEach(function (d) { if (d[2] > max) { max = d[2]; } });
    return {
      tooltip: { position: "top", renderMode: "richText", formatter: function (p) { return spec.y[p.value[1]] + " · " + spec.x[p.value[0]] + "：" + p.value[2] + " 项需求"; } },
      grid: { left: 150, right: 20, top: 20, bottom: 80 },
      xAxis: { type: "category", data: spec.x, axisLabel: spec.xAxisLabel || { interval: 0, rotate: 30 }, splitArea: { show: true } },
      // interval 0: every 产业链 row named, not every other one.
      yAxis: { type: "category", data: spec.y, axisLabel: spec.yAxisLabel || { interval: 0 }, splitArea: { show: true } },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#fde7e4", "#b3261e"] } },
      series: [{ type: "heatmap", data: spec.data, label: { show: true } }]
    };
  }

  function pie(spec) {
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: spec.items }]
    };
  }

  var builders = { funnel: funnel, bar: bar, heatmap: heatmap, pie: pie };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = readSpec(el.getAttribute("data-chart"));
    if (!spec || !builders[spec.kind]) { return; }
    var empty = (spec.items && spec.items.length === 0) || (spec.categories && spec.categories.length === 0) ||
      (spec.kind === "heatmap" && spec.data.length === 0);
    if (empty) { el.classList.add("chart-empty"); el.textContent = "暂无数据"; return; }
    var chart = echarts.init(el);
    chart.setOption(builders[spec.kind](spec));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
