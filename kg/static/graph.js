/* kg viz: the interactive page around vis-network.
 *
 * Data comes from <script type="application/json" id="kg-data"> (see
 * kg/sinks/html_sink.py). Every string from the data reaches the DOM through
 * textContent or vis-network's canvas labels, never innerHTML.
 */
(function () {
  "use strict";

  var T0 = performance.now(), timings = { scriptStart: Math.round(T0) };
  function mark(name) { timings[name] = Math.round(performance.now() - T0); }
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  mark("parsed");
  var CONFIG = JSON.parse(document.getElementById("kg-config").textContent);
  var docs = DATA.docs, sents = DATA.sents, colors = DATA.colors;
  var nodeById = new Map(), edgeById = new Map(), incident = new Map();
  DATA.nodes.forEach(function (n) { nodeById.set(n.id, n); incident.set(n.id, []); });
  DATA.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    incident.get(e.from).push(e);
    if (e.to !== e.from) incident.get(e.to).push(e);
  });

  var state = {
    types: new Set(DATA.types),
    preds: new Set(DATA.predicates),
    from: "", to: "", undated: true,
    cap: CONFIG.maxNodes,
    revealed: new Set(),
    shown: new Set()
  };

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k === "style") e.setAttribute("style", attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function fmt(n) { return n.toLocaleString("en-US"); }
  function colorOf(type) { return colors[type] || "#999"; }
  function docDate(d) { return (docs[d].date || "").slice(0, 10); }
  function dateOK(docIdxs) {
    if (!state.from && !state.to) return true;
    for (var i = 0; i < docIdxs.length; i++) {
      var dt = docDate(docIdxs[i]);
      if (!dt) { if (state.undated) return true; continue; }
      if ((!state.from || dt >= state.from) && (!state.to || dt <= state.to)) return true;
    }
    return false;
  }
  function passes(n) { return state.types.has(n.type) && dateOK(n.docs); }

  // ---------------------------------------------------------------- vis data
  // The vis DataSets hold only what is on screen (a few hundred items), not the
  // whole corpus: recompute() adds and removes the difference.
  var maxDegree = DATA.nodes.reduce(function (m, n) { return Math.max(m, n.degree); }, 1);
  // Statement labels help on a small graph and clutter a large one: on by default up to 60 statements.
  var statementCount = DATA.nodes.filter(function (n) { return n.type === "Statement"; }).length;
  var showStatementLabels = statementCount <= 60;
  function visNode(n) {
    var stmt = n.type === "Statement";
    return {
      id: n.id,
      label: stmt && !showStatementLabels ? "" : n.label,
      title: n.label + "\n" + n.type + " · degree " + n.degree,
      value: n.degree + 1,
      shape: stmt ? "diamond" : "dot",
      color: { background: colorOf(n.type), border: "#ffffff",
               highlight: { background: colorOf(n.type), border: "#222222" },
               hover: { background: colorOf(n.type), border: "#222222" } },
      font: stmt ? { size: 10, color: "#6b4a63" } : { size: 14 + Math.round(8 * n.degree / maxDegree), color: "#222" },
      borderWidth: 1.5
    };
  }
  var EDGE_STYLE = {
    said: { color: "#b07aa1", dashes: false },
    onBehalfOf: { color: "#b07aa1", dashes: [4, 4] },
    addressedTo: { color: "#b07aa1", dashes: [2, 3] },
    mentions: { color: "#c8c8c8", dashes: [3, 3] }
  };
  function visEdge(e) {
    var s = EDGE_STYLE[e.predicate] || { color: "#777777", dashes: false }, n = evOf(e).length;
    return {
      id: e.id, from: e.from, to: e.to,
      label: e.predicate === "mentions" ? undefined : e.predicate,
      title: e.predicate + " (" + n + " sentence" + (n === 1 ? "" : "s") + ")",
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: s.color, highlight: "#222222", hover: "#444444" },
      dashes: s.dashes,
      width: 1 + Math.min(4, Math.log2(n)),
      font: { size: 10, color: "#555", strokeWidth: 3, align: "middle" }
    };
  }
  /** Evidence of an edge; a statement's edges share the statement's own sentence. */
  function evOf(e) {
    if (!e.stmt) return e.ev;
    var st = nodeById.get(e.stmt);
    return [{ s: st.ev[0].s, hl: st.ev[0].hl, q: {}, c: st.stmt.confidence, x: st.stmt.extractor }];
  }
  function setStatementLabels(on) {
    showStatementLabels = on;
    visNodes.update(visNodes.getIds().filter(function (id) { return nodeById.get(id).type === "Statement"; })
      .map(function (id) { return { id: id, label: on ? nodeById.get(id).label : "" }; }));
  }
  var visNodes = new vis.DataSet(), visEdges = new vis.DataSet();
  function edgeVisible(e) {
    return state.preds.has(e.predicate) && dateOK(e.docs) && state.shown.has(e.from) && state.shown.has(e.to);
  }
  /** Bring visEdges in line with the shown nodes and the predicate/date filters. */
  function syncEdges() {
    var want = new Set();
    state.shown.forEach(function (id) {
      incident.get(id).forEach(function (e) { if (edgeVisible(e)) want.add(e.id); });
    });
    var drop = visEdges.getIds().filter(function (id) { return !want.has(id); });
    if (drop.length) visEdges.remove(drop);
    var add = [];
    want.forEach(function (id) { if (!visEdges.get(id)) add.push(visEdge(edgeById.get(id))); });
    if (add.length) visEdges.add(add);
  }
  mark("datasets");

  // ---------------------------------------------------------------- layout
  // Compute the initially shown nodes first: the network then stabilises them
  // once and emits stabilizationIterationsDone.
  buildFilters();
  buildSearch();
  recompute();
  mark("filtered");
  var container = document.getElementById("kg-graph");
  var loading = document.getElementById("kg-loading");
  var network = new vis.Network(container, { nodes: visNodes, edges: visEdges }, {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 7 },
    nodes: { scaling: { min: 8, max: 42, label: { enabled: false } } },
    edges: { smooth: { enabled: true, type: "continuous", roundness: 0.3 }, selectionWidth: 2 },
    interaction: { hover: true, tooltipDelay: 250, hideEdgesOnDrag: true, navigationButtons: false, keyboard: false },
    physics: {
      solver: "forceAtlas2Based",
      // A large graph needs more pull to the centre, or its many small components drift apart.
      forceAtlas2Based: { gravitationalConstant: -60, centralGravity: state.shown.size > 80 ? 0.03 : 0.01,
                          springLength: 110, avoidOverlap: 0.4 },
      // Fewer, coarser iterations for a big view: the layout is frozen afterwards anyway.
      stabilization: { enabled: true, iterations: state.shown.size > 150 ? 200 : 400, updateInterval: 50, fit: true },
      minVelocity: state.shown.size > 150 ? 2 : 0.75
    }
  });
  mark("network");
  var ready = false;
  function settled() {
    if (ready) return;
    if (!timings.laidOut) mark("laidOut");
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    loading.style.display = "none";
    ready = true;
    document.body.setAttribute("data-ready", "1");
  }
  network.on("stabilizationIterationsDone", settled);
  network.on("stabilized", settled);
  function relayout() {
    ready = false;
    document.body.removeAttribute("data-ready");
    loading.style.display = "";
    network.setOptions({ physics: { enabled: true } });
    network.stabilize(250);
  }

  // ---------------------------------------------------------------- filtering
  function recompute() {
    var shown = new Set(), passing = 0, capped = 0;
    for (var i = 0; i < DATA.nodes.length; i++) {
      var n = DATA.nodes[i];
      if (!passes(n)) continue;
      passing++;
      if (capped < state.cap) { shown.add(n.id); capped++; }
    }
    state.revealed.forEach(function (id) { if (passes(nodeById.get(id))) shown.add(id); });
    var added = [], dropped = [];
    shown.forEach(function (id) { if (!state.shown.has(id)) added.push(visNode(nodeById.get(id))); });
    state.shown.forEach(function (id) { if (!shown.has(id)) dropped.push(id); });
    state.shown = shown;
    if (dropped.length) visNodes.remove(dropped);
    if (added.length) visNodes.add(added);
    syncEdges();
    var hiddenByCap = passing - shown.size;
    var hiddenByFilter = DATA.nodes.length - passing;
    var msg = "Showing " + fmt(shown.size) + " of " + fmt(DATA.nodes.length) + " nodes.";
    if (hiddenByCap > 0) msg += " " + fmt(hiddenByCap) + " hidden (lowest degree): raise the limit, or search for a name to bring it in.";
    if (hiddenByFilter > 0) msg += " " + fmt(hiddenByFilter) + " hidden by filters.";
    document.getElementById("kg-hidden").textContent = msg;
    document.getElementById("kg-stats").textContent =
      fmt(DATA.nodes.length) + " nodes · " + fmt(DATA.edges.length) + " edges · " + fmt(docs.length) +
      " document" + (docs.length === 1 ? "" : "s");
    return added.length;
  }
  function update() { if (recompute() > 0) relayout(); }

  function buildFilters() {
    var typeCounts = {}, predCounts = {};
    DATA.nodes.forEach(function (n) { typeCounts[n.type] = (typeCounts[n.type] || 0) + 1; });
    DATA.edges.forEach(function (e) { predCounts[e.predicate] = (predCounts[e.predicate] || 0) + 1; });
    var types = document.getElementById("kg-types");
    DATA.types.forEach(function (t) {
      var cb = el("input", { type: "checkbox", "data-type": t });
      cb.checked = true;
      cb.addEventListener("change", function () {
        if (cb.checked) state.types.add(t); else state.types.delete(t);
        update();
      });
      types.appendChild(el("label", { class: "kg-row" }, [
        cb, el("span", { class: "kg-swatch " + t, style: "background:" + colorOf(t) }), t,
        el("span", { class: "kg-count", text: "(" + fmt(typeCounts[t] || 0) + ")" })
      ]));
    });
    var preds = document.getElementById("kg-preds");
    if (!DATA.predicates.length) preds.appendChild(el("div", { class: "kg-note", text: "no relations or statements" }));
    DATA.predicates.forEach(function (p) {
      var cb = el("input", { type: "checkbox", "data-predicate": p });
      cb.checked = true;
      cb.addEventListener("change", function () {
        if (cb.checked) state.preds.add(p); else state.preds.delete(p);
        syncEdges();
      });
      preds.appendChild(el("label", { class: "kg-row" }, [
        cb, el("span", { class: "kg-pred", text: p }),
        el("span", { class: "kg-count", text: "(" + fmt(predCounts[p] || 0) + ")" })
      ]));
    });
    var dates = docs.map(function (d, i) { return docDate(i); }).filter(Boolean).sort();
    var from = document.getElementById("kg-date-from"), to = document.getElementById("kg-date-to");
    if (dates.length) {
      from.min = to.min = dates[0];
      from.max = to.max = dates[dates.length - 1];
      document.getElementById("kg-date-range").textContent =
        fmt(dates.length) + " of " + fmt(docs.length) + " documents dated " + dates[0] + " – " + dates[dates.length - 1];
    } else {
      document.getElementById("kg-date-range").textContent = "no document carries a date";
    }
    function onDate() {
      state.from = from.value; state.to = to.value;
      state.undated = document.getElementById("kg-undated").checked;
      update();
      syncEdges();
    }
    from.addEventListener("change", onDate);
    to.addEventListener("change", onDate);
    document.getElementById("kg-undated").addEventListener("change", onDate);
    var cap = document.getElementById("kg-cap");
    cap.value = state.cap;
    cap.addEventListener("change", function () {
      var v = parseInt(cap.value, 10);
      if (v > 0) { state.cap = v; update(); }
    });
    var stmtLabels = document.getElementById("kg-stmt-labels");
    stmtLabels.checked = showStatementLabels;
    stmtLabels.addEventListener("change", function () { setStatementLabels(stmtLabels.checked); });
    document.getElementById("kg-show-all").addEventListener("click", function () {
      state.cap = DATA.nodes.length; cap.value = state.cap; update();
    });
  }

  // ---------------------------------------------------------------- search
  function searchMatches(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var exact = [], prefix = [], inner = [];
    for (var i = 0; i < DATA.nodes.length; i++) {
      var n = DATA.nodes[i];
      if (n.type === "Statement") continue;
      var names = [n.label].concat(n.aliases), best = 3;
      for (var j = 0; j < names.length; j++) {
        var s = names[j].toLowerCase();
        if (s === q) best = Math.min(best, 0);
        else if (s.indexOf(q) === 0 || s.indexOf(" " + q) >= 0) best = Math.min(best, 1);
        else if (s.indexOf(q) >= 0) best = Math.min(best, 2);
      }
      if (best === 0) exact.push(n); else if (best === 1) prefix.push(n); else if (best === 2) inner.push(n);
    }
    return exact.concat(prefix, inner).slice(0, 12);  // nodes are in rank (degree) order already
  }
  function buildSearch() {
    var input = document.getElementById("kg-search"), list = document.getElementById("kg-search-results");
    function render() {
      list.textContent = "";
      searchMatches(input.value).forEach(function (n) {
        var b = el("button", { type: "button", "data-id": n.id }, [
          el("span", { class: "kg-swatch " + n.type, style: "background:" + colorOf(n.type) }), " " + n.label + " ",
          el("span", { class: "kg-count", text: "(" + n.degree + ")" })
        ]);
        b.addEventListener("click", function () { select(n.id); });
        list.appendChild(el("li", null, [b]));
      });
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        var m = searchMatches(input.value);
        if (m.length) select(m[0].id);
      }
    });
  }

  /** Bring a node (and its nearest neighbours) into view, select it and show its evidence. */
  function select(id) {
    var n = nodeById.get(id);
    if (!n) return false;
    if (!state.types.has(n.type)) {
      state.types.add(n.type);
      var cb = document.querySelector('input[data-type="' + CSS.escape(n.type) + '"]');
      if (cb) cb.checked = true;
    }
    state.revealed.add(id);
    incident.get(id).slice(0, 40).forEach(function (e) { state.revealed.add(e.from); state.revealed.add(e.to); });
    var added = recompute();
    function focus() {
      network.selectNodes([id]);
      // Pan only when the node is off screen, keeping the user's zoom.
      var p = network.canvasToDOM(network.getPositions([id])[id]);
      if (p.x < 0 || p.y < 0 || p.x > container.clientWidth || p.y > container.clientHeight) {
        network.focus(id, { scale: Math.max(network.getScale(), 0.6), animation: { duration: 400 } });
      }
      showNode(id);
    }
    if (added > 0) {
      relayout();
      network.once("stabilizationIterationsDone", focus);
    } else {
      focus();
    }
    return true;
  }

  // ---------------------------------------------------------------- panel
  var panel = document.getElementById("kg-panel");

  /** A sentence with highlighted ranges; hl items are [start, end, class?] relative to the sentence. */
  function sentenceEl(ref, hl) {
    var text = sents[ref][2], marks = new Array(text.length);
    (hl || []).forEach(function (h) {
      var a = Math.max(0, h[0]), b = Math.min(text.length, h[1]);
      for (var i = a; i < b; i++) if (!marks[i] || h[2] !== "content") marks[i] = h[2] || "arg";
    });
    var p = el("p", { class: "kg-ev" }), i = 0;
    while (i < text.length) {
      var j = i;
      while (j < text.length && marks[j] === marks[i]) j++;
      var chunk = text.slice(i, j);
      p.appendChild(marks[i] ? el("mark", { class: marks[i], text: chunk }) : document.createTextNode(chunk));
      i = j;
    }
    return p;
  }
  function docLine(d) {
    var doc = docs[d];
    var line = el("div", { class: "kg-doc" }, [el("b", { text: doc.title })]);
    if (doc.date) line.appendChild(document.createTextNode(" · " + doc.date));
    if (doc.title !== doc.id) line.appendChild(el("span", { class: "kg-count", text: " · " + doc.id }));
    return line;
  }
  /** Evidence grouped by document, in document order. */
  function evidenceEl(evs) {
    var box = el("div", { class: "kg-evidence" }), last = -1;
    evs.forEach(function (ev) {
      var d = sents[ev.s][0];
      if (d !== last) { box.appendChild(docLine(d)); last = d; }
      var p = sentenceEl(ev.s, ev.hl);
      if (ev.q && Object.keys(ev.q).length) {
        p.appendChild(el("span", { class: "kg-count", text: "  [" + Object.keys(ev.q).map(function (k) {
          return k + ": " + ev.q[k]; }).join(", ") + "]" }));
      }
      box.appendChild(p);
    });
    return box;
  }
  function sortEv(evs) {
    return evs.slice().sort(function (a, b) {
      return sents[a.s][0] - sents[b.s][0] || sents[a.s][1] - sents[b.s][1];
    });
  }
  function nodeLink(id) {
    var n = nodeById.get(id);
    var b = el("button", { class: "kg-link", type: "button", text: n ? n.label : id });
    b.addEventListener("click", function () { select(id); });
    return b;
  }
  function edgeLink(e, text) {
    var b = el("button", { class: "kg-link", type: "button", text: text });
    b.addEventListener("click", function () { showEdge(e.id); network.selectEdges([e.id]); });
    return b;
  }
  function header(n) {
    panel.textContent = "";
    panel.appendChild(el("h2", { text: n.label }));
    panel.appendChild(el("div", null, [
      el("span", { class: "kg-badge", style: "background:" + colorOf(n.type), text: n.type }),
      el("span", { class: "kg-count", text: "degree " + n.degree + (n.type !== "Statement" ? " · " + fmt(n.mentions) + " mention" + (n.mentions === 1 ? "" : "s") + " in " + fmt(n.docs.length) + " document" + (n.docs.length === 1 ? "" : "s") : "") })
    ]));
    if (n.aliases.length) panel.appendChild(el("div", { class: "kg-note", text: "Also: " + n.aliases.join("; ") }));
  }

  /** The content as extracted; contiguous content is not stored, but cut from the sentence. */
  function statementContent(n) {
    if (n.stmt.content !== null) return n.stmt.content;
    var text = sents[n.ev[0].s][2];
    var h = n.ev[0].hl.filter(function (x) { return x[2] === "content"; })[0];
    return text.slice(h[0], h[1]);
  }

  function showNode(id) {
    var n = nodeById.get(id);
    if (!n) return;
    header(n);
    panel.setAttribute("data-node", id);
    panel.removeAttribute("data-edge");
    if (n.stmt) {
      var st = n.stmt, kv = el("dl", { class: "kg-kv" });
      function row(k, v) { kv.appendChild(el("dt", { text: k })); kv.appendChild(el("dd", null, [v])); }
      row("speaker", st.speaker ? nodeLink(st.speaker) : document.createTextNode("unknown"));
      row("cue", document.createTextNode(st.cue));
      row("kind", document.createTextNode(st.kind));
      row("confidence", document.createTextNode(String(st.confidence)));
      if (st.quantities.length) row("quantities", document.createTextNode(st.quantities.map(function (q) {
        return q.of ? q.text + " of " + q.of : q.text; }).join("; ")));
      panel.appendChild(kv);
      panel.appendChild(el("blockquote", { class: "kg-quote", text: statementContent(n) }));
    }
    var edges = incident.get(id);
    if (edges.length) {
      panel.appendChild(el("h3", { text: "Facts (" + edges.length + ")" }));
      var ul = el("ul", { class: "kg-facts" });
      edges.slice(0, 200).forEach(function (e) {
        var out = e.from === id, other = out ? e.to : e.from, on = nodeById.get(other);
        ul.appendChild(el("li", null, [
          edgeLink(e, out ? "→ " + e.predicate : "← " + e.predicate), " ",
          nodeLink(other),
          el("span", { class: "kg-count", text: "(" + evOf(e).length + ")" })
        ]));
      });
      panel.appendChild(ul);
      if (edges.length > 200) panel.appendChild(el("div", { class: "kg-note", text: "… and " + (edges.length - 200) + " more" }));
    }
    panel.appendChild(el("h3", { text: n.stmt ? "Evidence" : "Mentioned in" }));
    panel.appendChild(evidenceEl(sortEv(n.ev)));
    if (n.mentions > n.ev.length && !n.stmt) {
      panel.appendChild(el("div", { class: "kg-note", text: "Showing the first " + n.ev.length + " of " + fmt(n.mentions) + " mentions." }));
    }
  }

  function showEdge(id) {
    var e = edgeById.get(id);
    if (!e) return;
    var a = nodeById.get(e.from), b = nodeById.get(e.to);
    panel.textContent = "";
    panel.setAttribute("data-edge", id);
    panel.removeAttribute("data-node");
    panel.appendChild(el("h2", null, [nodeLink(e.from), " ", el("span", { class: "kg-pred", text: "—" + e.predicate + "→" }), " ", nodeLink(e.to)]));
    var evs = evOf(e);
    panel.appendChild(el("div", { class: "kg-count", text: (a ? a.type : "?") + " → " + (b ? b.type : "?") + " · " +
      evs.length + " sentence" + (evs.length === 1 ? "" : "s") + " · extractor " + evs[0].x +
      " · confidence " + evs.map(function (v) { return v.c; }).join(", ") }));
    panel.appendChild(el("h3", { text: "Evidence" }));
    panel.appendChild(evidenceEl(sortEv(evs)));
  }

  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
  });

  if (state.shown.size === 0) {
    loading.textContent = "The graph is empty: no entities were extracted.";
    settled();
  }

  // For scripts and tests: the network, its data and the page's actions.
  window.kg = {
    network: network, nodes: visNodes, edges: visEdges, nodeView: visNodes, edgeView: visEdges,
    data: DATA, select: select, timings: timings, showNode: showNode, showEdge: showEdge,
    isReady: function () { return ready; }
  };
})();
