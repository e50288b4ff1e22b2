// Draws the 产业链全景 tree (click a 环节 to open its page) and the evaluation radar charts with the
// vendored ECharts. Specs come from json_script elements (CSP forbids inline scripts).
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var palette = ["#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a"];

  function readSpec(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function tree(spec) {
    return {
      tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) {
        var d = p.data || {};
        return d.status ? d.name + "：" + d.status + "，山东需求 " + d.value + " 项" : d.name;
      } },
      series: [{
        type: "tree", data: [{ name: spec.name, children: spec.children }], top: "5%", left: "12%", bottom: "5%", right: "25%",
        symbolSize: 12, initialTreeDepth: 3, expandAndCollapse: false,
        label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 13 },
        leaves: { label: { position: "right", verticalAlign: "middle", align: "left" } }
      }]
    };
  }

  function radar(spec) {
    return {
      color: palette,
      tooltip: { renderMode: "richText" },
      legend: { bottom: 0, type: "scroll" },
      radar: { indicator: spec.indicators, radius: "62%" },
      series: [{ type: "radar", data: spec.series, areaStyle: { opacity: 0.12 } }]
    };
  }

  var builders = { tree: tree, radar: radar };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = readSpec(el.getAttribute("data-chart"));
    if (!spec || !builders[spec.kind]) { return; }
    if ((spec.children && spec.children.length === 0) || (spec.series && spec.series.length === 0)) {
      el.classList.add("chart-empty"); el.textContent = "暂无数据"; return;
    }
    var chart = echarts.init(el);
    chart.setOption(builders[spec.kind](spec));
    if (spec.kind === "tree") {
      chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
