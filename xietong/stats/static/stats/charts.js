/* The figures' charts (Apache ECharts, installed from the npm registry at build time).
 *
 * No inline script: each page puts its numbers in a json_script block (id "stats-charts", or
 * "risk-series" on a risk warning's page) and marks each chart's place with data-chart="<key>"
 * (or class "risk-chart"). The table beside each chart holds the same numbers, for screen readers,
 * for phones and for a browser without JavaScript. A bar or point that has a link (the cases behind
 * it, for the roles that may see cases) opens it.
 */
(function () {
  "use strict";

  var PALETTE = ["#2f6fb0", "#3a9d6a", "#d08a1e", "#8e5bb5", "#c44d4d"];

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  function locale() {
    var lang = (document.documentElement.lang || "zh").toLowerCase();
    return lang.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function narrow(el) {
    return el.clientWidth < 520;
  }

  function trendOption(spec, el) {
    var series = spec.series.map(function (s, i) {
      return { name: s.name, type: "bar", data: s.values, itemStyle: { color: PALETTE[i] }, barMaxWidth: 18 };
    });
    var axes = [{ type: "value", minInterval: 1 }];
    if (spec.line) {
      axes.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
      series.push({
        name: spec.line.name, type: "line", yAxisIndex: 1, data: spec.line.values,
        itemStyle: { color: PALETTE[3] }, connectNulls: false, symbolSize: 6,
      });
    }
    return {
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: spec.line ? 8 : 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { rotate: narrow(el) ? 45 : 0 } },
      yAxis: axes,
      series: series,
    };
  }

  function barOption(spec, el) {
    // Horizontal bars: long names (institutions, courts) stay readable on a phone.
    var cats = spec.categories.slice().reverse();
    var series = spec.series.map(function (s, i) {
      return { name: s.name, type: "bar", data: s.values.slice().reverse(), itemStyle: { color: PALETTE[i] }, barMaxWidth: 14 };
    });
    el.style.height = Math.max(220, 60 + cats.length * (narrow(el) ? 44 : 36)) + "px";
    return {
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", data: cats,
        axisLabel: { width: narrow(el) ? 110 : 220, overflow: "truncate" },
      },
      series: series,
    };
  }

  function riskOption(data, el) {
    var days = data.series.map(function (p) { return p.day; });
    var cases = data.series.map(function (p) { return p.cases; });
    var lines = [];
    var top = 0;
    if (typeof data.baseline === "number") {
      lines.push({ name: el.getAttribute("data-baseline-label") || "baseline", yAxis: data.baseline, lineStyle: { color: PALETTE[1], type: "dashed" } });
    }
    if (typeof data.threshold === "number") {
      lines.push({ name: el.getAttribute("data-threshold-label") || "threshold", yAxis: data.threshold, lineStyle: { color: PALETTE[4] } });
      top = data.threshold;
    }
    return {
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", minInterval: 1, max: function (v) { return Math.ceil(Math.max(v.max, top) * 1.1); } },
      series: [{
        type: "bar", data: cases, itemStyle: { color: PALETTE[0] }, barMaxWidth: 16,
        markLine: { symbol: "none", label: { formatter: "{b}: {c}", position: "insideEndTop" }, data: lines },
      }],
    };
  }

  function draw(el, option, links) {
    var chart = window.echarts.init(el, null, { renderer: "svg", locale: locale() });
    chart.setOption(option);
    if (links && links.some(function (l) { return !!l; })) {
      chart.getZr().setCursorStyle("pointer");
      chart.on("click", function (p) {
        var index = p.dataIndex;
        if (option.yAxis && option.yAxis.type === "category") index = links.length - 1 - index; // reversed bars
        var link = links[index];
        if (link) window.location.assign(link);
      });
    }
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { chart.resize(); }).observe(el);
    }
    el.setAttribute("data-drawn", "1");
    return chart;
  }

  function init() {
    if (typeof window.echarts === "undefined") {
      // The tables beside the charts carry the same numbers.
      document.querySelectorAll("[data-chart], .risk-chart").forEach(function (el) { el.classList.add("no-chart"); });
      return;
    }
    var data = readJSON("stats-charts");
    if (data) {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var spec = data[el.getAttribute("data-chart")];
        if (!spec) { el.classList.add("no-chart"); return; }
        draw(el, spec.kind === "bar" ? barOption(spec, el) : trendOption(spec, el), spec.links || []);
      });
    }
    var risk = readJSON("risk-series");
    if (risk && risk.series) {
      document.querySelectorAll(".risk-chart").forEach(function (el) { draw(el, riskOption(risk, el), []); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
