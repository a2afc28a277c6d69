/* Draws the dashboard's charts with the vendored Chart.js from the data the page passes with
   json_script (id "trk-dashboard-data"). No network access: everything is served locally. */
(function () {
  "use strict";

  var COMPLETED = "#1f6fb2";
  var PLANNED = "#c62828";
  var RATE = "#2e7d32";

  function barChart(canvas, data, rateLabel, timeProgress, timeProgressLabel) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {type: "bar", label: rateLabel, data: data.rates, backgroundColor: RATE},
          {
            type: "line", label: timeProgressLabel, data: data.labels.map(function () { return timeProgress; }),
            borderColor: PLANNED, borderDash: [6, 4], pointRadius: 0, fill: false
          }
        ]
      },
      options: {responsive: true, animation: false, scales: {y: {beginAtZero: true, title: {display: true, text: "%"}}}}
    });
  }

  function draw() {
    var source = document.getElementById("trk-dashboard-data");
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var months = document.getElementById("trk-chart-months");
    if (months) {
      new Chart(months, {
        type: "bar",
        data: {
          labels: data.months.labels,
          datasets: [
            {type: "bar", label: data.months.completed_label, data: data.months.completed, backgroundColor: COMPLETED, order: 2},
            {
              type: "line", label: data.months.planned_label, data: data.months.planned,
              borderColor: PLANNED, backgroundColor: PLANNED, fill: false, tension: 0, order: 1
            }
          ]
        },
        options: {responsive: true, animation: false, scales: {y: {beginAtZero: true}}}
      });
    }
    var zones = document.getElementById("trk-chart-zones");
    if (zones) {
      barChart(zones, data.zones, data.rate_label, data.time_progress, data.time_progress_label);
    }
    var categories = document.getElementById("trk-chart-categories");
    if (categories) {
      barChart(categories, data.categories, data.rate_label, data.time_progress, data.time_progress_label);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
