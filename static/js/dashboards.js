/* Dashboards: definitions one hover away, the period form, and the ECharts
   charts. Data comes from the json_script blocks of the page. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function initPopovers() {
    if (!window.bootstrap) { return; }
    document.querySelectorAll('[data-bs-toggle="popover"]').forEach(function (el) {
      new window.bootstrap.Popover(el);
    });
  }

  function initPeriodForm() {
    var kind = document.getElementById("period-kind");
    if (!kind) { return; }
    ["period-from", "period-to"].forEach(function (id) {
      var input = document.getElementById(id);
      input.addEventListener("change", function () { kind.value = "custom"; });
    });
    kind.addEventListener("change", function () {
      if (kind.value !== "custom") { kind.form.submit(); }
    });
  }

  var RISK_COLOURS = { red: "#dc3545", orange: "#fd7e14", yellow: "#ffc107", blue: "#0d6efd" };

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var c = window.echarts.init(el, null, { locale: "ZH", renderer: "svg" });
    c.setOption(option);
    c.on("click", function (params) {
      if (params.data && params.data.url) { window.location.href = params.data.url; }
    });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }

  function initCharts() {
    var data = readJson("dashboard-charts");
    if (!data) { return; }
    var m = data.monthly;
    chart("chart-monthly", {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [m.labels.collected, m.labels.resolved, m.labels.rate] },
      grid: { left: 40, right: 50, bottom: 60, top: 20 },
      xAxis: { type: "category", data: m.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: m.labels.collected, type: "bar", data: m.collected },
        { name: m.labels.resolved, type: "bar", data: m.resolved },
        { name: m.labels.rate, type: "line", yAxisIndex: 1, data: m.rate }
      ]
    });
    chart("chart-categories", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.categories, label: { formatter: "{b}: {c}" } }]
    });
    chart("chart-risks", {
      tooltip: { trigger: "item" },
      xAxis: { type: "category", data: data.risks.map(function (r) { return r.name; }) },
      yAxis: { type: "value", minInterval: 1 },
      grid: { left: 40, right: 20, bottom: 30, top: 20 },
      series: [{
        type: "bar",
        data: data.risks.map(function (r) {
          return { value: r.value, url: r.url, itemStyle: { color: RISK_COLOURS[r.risk] } };
        })
      }]
    });
    chart("chart-funnel", {
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{ type: "funnel", sort: "none", minSize: "10%", left: "10%", width: "80%", data: data.funnel, label: { formatter: "{b}: {c}" } }]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initPopovers();
    initPeriodForm();
    initCharts();
  });
})();
