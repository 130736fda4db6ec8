// The operational picture refreshes itself: every few seconds it fetches the panel (rendered on the server) and the
// charts' series, swaps the panel in and redraws the charts with plotly (served by this site, no CDN).
(function () {
  "use strict";
  var live = document.getElementById("operations-live");
  var panel = document.getElementById("operations-panel");
  if (!live || !panel) { return; }
  var source = live.getAttribute("data-source");
  var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 10;
  var layout = {
    margin: { t: 10, r: 10, b: 60, l: 60 }, height: 320, legend: { orientation: "h" },
    font: { family: "Arial, sans-serif", size: 14 }
  };

  function lines(series) {
    return series.map(function (s) { return { type: "scatter", mode: "lines", name: s.name, x: s.x, y: s.y }; });
  }

  function draw(id, series, yTitle) {
    var target = document.getElementById(id);
    if (!target || !window.Plotly) { return; }
    var chartLayout = Object.assign({}, layout, { yaxis: { title: { text: yTitle } } });
    window.Plotly.react(target, lines(series), chartLayout, { displaylogo: false, displayModeBar: false, responsive: true });
    target.setAttribute("data-traces", String(series.length));
  }

  function refresh() {
    fetch(source, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        panel.innerHTML = data.html;
        draw("chart-occupancy", data.charts.occupancy, "% occupied");
        draw("chart-vacancies", data.charts.vacancies, "vacancies");
        live.textContent = "Updated " + new Date(data.generated_at).toUTCString() + "; refreshes every " + seconds +
          " seconds.";
        live.setAttribute("data-updated", data.generated_at);
      })
      .catch(function (error) {
        live.textContent = "Could not refresh (" + error.message + "); showing the last figures, trying again.";
      });
  }

  refresh();
  window.setInterval(refresh, seconds * 1000);
})();
