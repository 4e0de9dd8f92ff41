/* Quanze: draw an instance's BPMN file with the vendored bpmn-js NavigatedViewer (no inline script: CSP self). */
(function () {
  "use strict";
  var STATES = ["completed", "active", "overdue"];

  var PAD = 20, READABLE = 0.6;  // scale below which 12 px names are too small to read

  function fitWidth(canvas, container) {
    // Scale so the whole diagram is as wide as its box, then make the box as tall as the drawing
    // (within 240 px and 75% of the window) so zooming centres on the diagram, not on blank space.
    var inner = canvas.viewbox().inner;
    var scale = Math.min(container.clientWidth / (inner.width + 2 * PAD), 1.5);
    var tall = Math.round((inner.height + 2 * PAD) * scale);
    container.style.height = Math.max(240, Math.min(tall, Math.round(window.innerHeight * 0.75))) + "px";
    canvas.resized();
    canvas.viewbox({x: inner.x - PAD, y: inner.y - PAD,
                    width: container.clientWidth / scale, height: container.clientHeight / scale});
  }

  function firstView(viewer, container, states) {
    // Fit to width when the names stay readable; a wide procedure on a small screen opens instead at a
    // readable scale centred on the step being worked on (fit width is one button away).
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    var inner = canvas.viewbox().inner;
    if (container.clientWidth / (inner.width + 2 * PAD) >= READABLE) { fitWidth(canvas, container); return; }
    var open = Object.keys(states).filter(function (id) {
      return states[id] !== "completed" && registry.get(id);
    }).map(function (id) { return registry.get(id); })[0];
    var x = open ? open.x + open.width / 2 : inner.x + container.clientWidth / 2 / READABLE;
    var y = open ? open.y + open.height / 2 : inner.y + container.clientHeight / 2 / READABLE;
    canvas.zoom(READABLE);
    var box = canvas.viewbox();
    canvas.viewbox({x: x - box.width / 2, y: y - box.height / 2, width: box.width, height: box.height});
  }

  function mark(viewer, states) {
    var registry = viewer.get("elementRegistry"), canvas = viewer.get("canvas");
    Object.keys(states).forEach(function (id) {
      // Steps of called files or other planes are not in this diagram: skip them.
      if (registry.get(id) && STATES.indexOf(states[id]) >= 0) {
        canvas.addMarker(id, "state-" + states[id]);
      }
    });
  }

  function zoomButtons(box, viewer, container) {
    var canvas = viewer.get("canvas");
    box.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "in") { canvas.zoom(canvas.zoom() * 1.25); }
        else if (how === "out") { canvas.zoom(canvas.zoom() / 1.25); }
        else if (how === "all") { canvas.zoom("fit-viewport"); }
        else { fitWidth(canvas, container); }
      });
    });
  }

  function failed(box, message) {
    box.hidden = true;
    var note = document.createElement("p");
    note.className = "errors";
    note.textContent = message;
    box.parentNode.insertBefore(note, box);
    document.getElementById("diagram-steps").open = true;
  }

  function start() {
    var box = document.getElementById("bpmn-viewer");
    if (!box || typeof window.BpmnJS !== "function") { return; }
    var container = document.getElementById("bpmn-canvas");
    box.hidden = false;
    var viewer = new window.BpmnJS({container: container});
    var states = JSON.parse(box.getAttribute("data-states") || "{}");
    fetch(box.getAttribute("data-src"), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        mark(viewer, states);
        firstView(viewer, container, states);
        zoomButtons(box, viewer, container);
        // A phone turned sideways: the canvas takes the new size (the view keeps its scale).
        window.addEventListener("resize", function () { viewer.get("canvas").resized(); });
        document.getElementById("diagram-steps").open = false;
        box.setAttribute("data-ready", "true");
      })
      .catch(function () { failed(box, box.getAttribute("data-error")); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());
