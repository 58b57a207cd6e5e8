// The auditor's "events by day" chart (Apache ECharts, served with the app; no inline script).
(function () {
  "use strict";
  var box = document.getElementById("audit-chart");
  var source = document.getElementById("audit-chart-data");
  if (!box || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    // People's events on the left scale; the system's own jobs (seeding, commands) on the
    // right one, so a seeding day of hundreds of events does not flatten the other days.
    grid: { left: 32, right: 36, top: 28, bottom: 24 },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.days, axisLabel: { fontSize: 10 } },
    yAxis: [
      { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      { type: "value", minInterval: 1, splitLine: { show: false }, axisLabel: { fontSize: 10, color: "#6c757d" } }
    ],
    series: [
      { name: box.dataset.labelPeople, type: "bar", data: data.people, itemStyle: { color: "#9aa5b1" } },
      { name: box.dataset.labelSystem, type: "line", yAxisIndex: 1, data: data.system, symbolSize: 4,
        lineStyle: { type: "dashed" }, itemStyle: { color: "#6c757d" } },
      { name: box.dataset.labelFailed, type: "line", data: data.failed, itemStyle: { color: "#c0392b" } },
      { name: box.dataset.labelLockouts, type: "line", data: data.lockouts, itemStyle: { color: "#e67e22" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
