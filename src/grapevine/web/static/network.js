// grapevine: the /network page's graph, drawn by sigma.js (vendored) from the JSON the page embeds.
// Positions, sizes and colours come from the server; this only draws, zooms, searches and opens people.
// Nothing here builds HTML from data: labels go in with textContent.
"use strict";
(function () {
  var box = document.getElementById("graph");
  var source = document.getElementById("network-data");
  if (!box || !source || typeof graphology === "undefined") return;
  var data = JSON.parse(source.textContent);
  var search = document.getElementById("node-search");
  var results = document.getElementById("node-results");
  var graph = new graphology.Graph({ type: "undirected", multi: false });
  data.nodes.forEach(function (n) {
    graph.addNode(n.key, { label: n.label, x: n.x, y: n.y, size: n.size, color: n.colour, url: n.url });
  });
  data.edges.forEach(function (e) {
    graph.addEdge(e.source, e.target, { size: Math.min(0.5 + Math.log2(1 + e.weight), 4), color: "#c9d0d8" });
  });

  var state = { graph: graph, renderer: null, highlighted: null, error: null };
  window.grapevineNetwork = state;
  var note = document.getElementById("graph-fallback");

  function webgl() {
    try {
      var canvas = document.createElement("canvas");
      return !!(window.WebGLRenderingContext && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
    } catch (error) {
      return false;
    }
  }

  function draw() {
    try {
      state.renderer = new Sigma(graph, box, {
        labelRenderedSizeThreshold: 7,
        zIndex: true,
        nodeReducer: function (key, attrs) {
          if (!state.highlighted || state.highlighted.has(key)) return attrs;
          return Object.assign({}, attrs, { color: "#e3e7eb", label: "", zIndex: 0 });
        },
        edgeReducer: function (key, attrs) {
          if (!state.highlighted) return attrs;
          var ends = graph.extremities(key);
          if (state.highlighted.has(ends[0]) && state.highlighted.has(ends[1])) return attrs;
          return Object.assign({}, attrs, { hidden: true });
        },
      });
    } catch (error) {
      state.error = String(error);
      if (note) note.textContent = "This browser could not draw the graph (" + state.error + "); the accounts are listed below.";
      return;
    }
    box.classList.add("live");
    var renderer = state.renderer;
    renderer.on("clickNode", function (event) { open(event.node); });
    renderer.on("enterNode", function (event) {
      box.style.cursor = graph.getNodeAttribute(event.node, "url") ? "pointer" : "default";
      highlight([event.node].concat(graph.neighbors(event.node)));
    });
    renderer.on("leaveNode", function () { box.style.cursor = "default"; highlight(search && search.value ? matches(search.value) : null); });
    var camera = renderer.getCamera();
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "in") camera.animatedZoom({ duration: 200 });
        else if (how === "out") camera.animatedUnzoom({ duration: 200 });
        else camera.animatedReset({ duration: 200 });
      });
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
      if (event.key === "+" || event.key === "=") camera.animatedZoom({ duration: 200 });
      else if (event.key === "-") camera.animatedUnzoom({ duration: 200 });
      else if (event.key === "0") camera.animatedReset({ duration: 200 });
    });
  }

  // sigma.js needs WebGL (it fails as it loads without it): fetch it only where WebGL exists.
  if (webgl()) {
    var script = document.createElement("script");
    script.src = box.getAttribute("data-sigma");
    script.onload = draw;
    script.onerror = function () { state.error = "sigma.js did not load"; };
    document.head.appendChild(script);
  } else {
    state.error = "no WebGL";
    if (note) note.textContent = "This browser has no WebGL, so the graph cannot be drawn; the accounts are listed below.";
  }

  function open(key) {
    var url = graph.getNodeAttribute(key, "url");
    if (url) window.location.assign(url);
  }

  function focus(key) {
    if (!state.renderer) return;
    var shown = state.renderer.getNodeDisplayData(key);
    if (shown) state.renderer.getCamera().animate({ x: shown.x, y: shown.y, ratio: 0.35 }, { duration: 300 });
  }

  function highlight(keys) {
    state.highlighted = keys && keys.length ? new Set(keys) : null;
    if (state.renderer) state.renderer.refresh();
  }

  // Search: up to 12 accounts whose label contains the text, as links to their people pages.
  function matches(text) {
    var needle = text.trim().toLowerCase().replace(/^@/, "");
    if (!needle) return [];
    return graph.filterNodes(function (key, attrs) { return attrs.label.toLowerCase().indexOf(needle) >= 0; });
  }
  if (search && results) {
    search.addEventListener("input", function () {
      var found = matches(search.value);
      highlight(found);
      results.replaceChildren();
      found.slice(0, 12).forEach(function (key) {
        var item = document.createElement("li");
        var url = graph.getNodeAttribute(key, "url");
        var link = document.createElement(url ? "a" : "span");
        if (url) link.href = url;
        link.textContent = graph.getNodeAttribute(key, "label");
        link.addEventListener("mouseenter", function () { focus(key); });
        link.addEventListener("focus", function () { focus(key); });
        item.appendChild(link);
        results.appendChild(item);
      });
      if (found.length > 12) {
        var more = document.createElement("li");
        more.className = "muted";
        more.textContent = (found.length - 12) + " more";
        results.appendChild(more);
      }
      if (found.length) focus(found[0]);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = results.querySelector("a");
        if (first) first.click();
      }
    });
  }
})();
