/* The grid map: grids drawn from their GeoJSON boundaries, coloured by the
   chosen figure. No base map unless MAP_TILE_URL is set. */
(function () {
  "use strict";

  var SCALE = ["#f1f5f9", "#fde68a", "#fbbf24", "#f97316", "#dc2626", "#7f1d1d"];

  function colour(value, max) {
    if (value === null || value === undefined) { return "#e5e7eb"; }
    if (!max || value <= 0) { return SCALE[0]; }
    var i = Math.min(SCALE.length - 1, 1 + Math.floor((value / max) * (SCALE.length - 1.001)));
    return SCALE[i];
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("grid-map");
    var dataEl = document.getElementById("dashboard-map");
    if (!el || !dataEl || !window.L) { return; }
    var data = JSON.parse(dataEl.textContent);
    var map = window.L.map(el, { attributionControl: !!data.tile_url, maxZoom: data.max_zoom });
    if (data.tile_url) {
      window.L.tileLayer(data.tile_url, { attribution: data.attribution, maxZoom: data.max_zoom }).addTo(map);
    }
    var drawn = data.grids.filter(function (g) { return g.boundary; });
    var note = document.getElementById("map-note");
    if (note) {
      note.textContent = drawn.length + " / " + data.grids.length;
    }
    var layer = window.L.geoJSON(null).addTo(map);
    var select = document.getElementById("map-metric");

    function tooltip(g) {
      // Built from text nodes: area names never become markup.
      var box = document.createElement("div");
      [
        g.name,
        data.labels.open + ": " + g.open,
        data.labels.overdue + ": " + g.overdue,
        data.labels.collected + ": " + g.collected,
        data.labels.per_thousand + ": " + (g.per_thousand === null ? "—" : g.per_thousand)
      ].forEach(function (line) {
        var div = document.createElement("div");
        div.textContent = line;
        box.appendChild(div);
      });
      return box;
    }

    function draw() {
      var metric = select ? select.value : "open";
      var max = 0;
      drawn.forEach(function (g) { if (g[metric] > max) { max = g[metric]; } });
      layer.clearLayers();
      drawn.forEach(function (g) {
        var feature = { type: "Feature", geometry: g.boundary, properties: g };
        window.L.geoJSON(feature, {
          style: { color: "#334155", weight: 1, fillOpacity: 0.75, fillColor: colour(g[metric], max) }
        }).bindTooltip(tooltip(g)).on("click", function () { window.location.href = g.url; }).addTo(layer);
      });
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds); } else { map.setView(data.center, 10); }
    }

    if (select) { select.addEventListener("change", draw); }
    draw();
  });
})();
