// The offline map: a world outline (Natural Earth via world-atlas, vendored GeoJSON) with no tile server,
// places named in the articles and located events as circle markers. Popups are built with textContent
// so names from articles are never parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var map = L.map("map", { worldCopyJump: true, attributionControl: true }).setView([28, 12], 4);
  map.attributionControl.addAttribution("Natural Earth (world-atlas)");

  function popup(lines, href, linkText) {
    var box = document.createElement("div");
    lines.forEach(function (t, i) {
      var p = document.createElement(i === 0 ? "strong" : "div");
      p.textContent = t;
      box.appendChild(p);
    });
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = linkText;
      box.appendChild(a);
    }
    return box;
  }

  fetch("/static/vendor/world-atlas/countries-110m.geojson")
    .then(function (r) { return r.json(); })
    .then(function (world) {
      L.geoJSON(world, { style: { color: "#7a8a99", weight: 1, fillColor: "#fbfaf5", fillOpacity: 1 } }).addTo(map).bringToBack();
      document.getElementById("map").setAttribute("data-world", "loaded");
    });

  var bounds = [];
  var places = L.layerGroup().addTo(map);
  data.places.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 4 + Math.min(10, Math.sqrt(p.mentions) * 2), color: "#0e6b5c",
      fillColor: "#16a085", fillOpacity: 0.7, weight: 1, className: "place-marker" });
    m.bindPopup(popup([p.name || p.id, p.latin || "", p.mentions + " إشارة · " + p.documents + " مقال · " + p.events + " حدث"],
      "/entities/" + encodeURIComponent(p.id).replace(/%3A/g, ":"), "صفحة الكيان"));
    m.addTo(places);
    bounds.push([p.lat, p.lon]);
  });
  var events = L.layerGroup().addTo(map);
  data.events.forEach(function (e) {
    var jitter = (parseInt(e.id.split(":").pop(), 10) % 7 - 3) * 0.04;  // keep events at one place apart
    var m = L.circleMarker([e.lat + jitter, e.lon + jitter], { radius: 5, color: "#8e3b00", fillColor: "#d35400",
      fillOpacity: 0.8, weight: 1, className: "event-marker" });
    var src = e.source ? "بحسب " + e.source : "دون مصدر منسوب";
    m.bindPopup(popup([e.type + ": " + e.trigger, (e.place || "") + " · " + (e.date || "؟"), src],
      "/documents/" + encodeURIComponent(e.document_id), "المقال"));
    m.addTo(events);
  });
  L.control.layers(null, { "الأماكن": places, "الأحداث": events }).addTo(map);
  if (bounds.length) { map.fitBounds(bounds, { padding: [40, 40], maxZoom: 6 }); }
  document.getElementById("map").setAttribute("data-markers", String(data.places.length + data.events.length));
})();
