// Draws a report's chart from the JSON the page embeds (reports/charts.py), in the theme's colours
// (light or dark: onwatch.css). The table beside the chart holds the same numbers.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("report-chart-data");
    var canvas = document.getElementById("report-chart");
    if (!data || !canvas || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(data.textContent);
    var css = getComputedStyle(document.documentElement);
    var colour = function (name) { return css.getPropertyValue(name).trim(); };
    var series = [colour("--chart-1"), colour("--chart-2"), colour("--chart-3")];
    var fg = colour("--fg"), line = colour("--line");
    var horizontal = spec.kind === "hbar";
    var axis = function (stacked) {
      return { stacked: stacked, ticks: { color: fg }, grid: { color: line }, beginAtZero: true };
    };
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          var c = series[d.series % series.length];
          return { label: d.label, data: d.data, backgroundColor: c, borderColor: c };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        color: fg,
        scales: { x: axis(spec.stacked), y: axis(spec.stacked) },
        plugins: { legend: { labels: { color: fg } }, title: { display: false } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
