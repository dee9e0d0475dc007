// Draws the boundaries passed in #area-map-data on a Leaflet map. No tile
// layer unless the server configured one (MAP_TILE_URL): the polygons alone
// are the map.
(function () {
  "use strict";
  var holder = document.getElementById("area-map");
  var source = document.getElementById("area-map-data");
  if (!holder || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var map = L.map(holder, { attributionControl: !!data.tileUrl, zoomSnap: 0.25 });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.attribution || "", maxZoom: data.maxZoom || 18 }).addTo(map);
  }
  var bounds = null;
  if (data.outline) {
    var outline = L.geoJSON(data.outline, { style: { color: "#6c757d", weight: 2, fill: false, dashArray: "4" } }).addTo(map);
    bounds = outline.getBounds();
  }
  if (data.features && data.features.length) {
    var layer = L.geoJSON({ type: "FeatureCollection", features: data.features }, {
      style: { color: "#0d6efd", weight: 1, fillOpacity: 0.15 },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        lyr.bindTooltip(p.name || "", { permanent: data.features.length <= 30, direction: "center", className: "small" });
        if (p.url) lyr.on("click", function () { window.location.href = p.url; });
      }
    }).addTo(map);
    bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
  }
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
})();
