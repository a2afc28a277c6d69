/* Draws the project sheet's chart (completed YTD month by month against the plan in force × time
   progress) with the vendored Chart.js from the data the page passes with json_script
   (id "trk-sheet-data"). No network access: everything is served locally. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("trk-sheet-data");
    var canvas = document.getElementById("trk-sheet-chart");
    if (!source || !canvas || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {type: "bar", label: data.completed_label, data: data.completed, backgroundColor: "#1f6fb2", order: 2},
          {type: "line", label: data.planned_label, data: data.planned, borderColor: "#c62828",
           backgroundColor: "#c62828", fill: false, tension: 0, order: 1}
        ]
      },
      options: {responsive: true, maintainAspectRatio: false, animation: false,
                scales: {y: {beginAtZero: true, title: {display: true, text: "万元"}}}}
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
