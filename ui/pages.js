// SPDX-License-Identifier: Apache-2.0
// ui/pages.js: the monitoring side of the UI, after AEP's "Dataflows" and "Dataflow activity"
// pages: the dataflow list, one dataflow's activity (runs, charts, error diagnostics, actions,
// mapping editor, replay, live tail), datasets with a record preview, profile lookup, and alerts
// with their subscriptions. Everything comes from the public admin API through Sluice.api.
"use strict";

(() => {
  const { h, api, clear, fmtTime, fmtNum, errorBox } = Sluice;
  const enc = encodeURIComponent;
  const FS = "/data/foundation/flowservice";
  const CATALOG = "/data/foundation/catalog";
  const CONVERSION = "/data/foundation/conversion";
  const ALERTS = "/data/infrastructure/observability/alerts";
  const UPS = "/data/core/ups/access/entities";
  const HOUR = 3600 * 1000;
  const DAY = 24 * HOUR;
  const REFRESH_MS = 5000;
  const REPLAY_POLL_MS = 1000;
  const TAIL_MAX = 200;

  // ---- helpers shared by the pages ------------------------------------------------------------

  // One per page: timers and fetches stop when the page is left, and after a 401 (the shell then
  // shows the login form in place of the page, without leaving it).
  function lifecycle() {
    const timers = new Set();
    const controllers = new Set();
    const wakers = new Set();
    let alive = true;
    function stop() {
      alive = false;
      for (const t of timers) clearTimeout(t);
      for (const c of controllers) c.abort();
      for (const w of wakers) w();
    }
    Sluice.onLeave(stop);
    return {
      get alive() { return alive; },
      stop,
      // Resolves after ms, or at once when the page is left or wake() is called.
      sleep(ms) {
        return new Promise((resolve) => {
          const done = () => { clearTimeout(t); timers.delete(t); wakers.delete(done); resolve(); };
          const t = setTimeout(done, ms);
          timers.add(t);
          wakers.add(done);
        });
      },
      wake() { for (const w of wakers) w(); },
      // Calls fn every ms after the previous call ended (never two at once).
      every(ms, fn) {
        const tick = async () => {
          while (alive) {
            await this.sleep(ms);
            if (!alive) return;
            try { await fn(); } catch (e) { if (isUnauthorized(e)) stop(); }
          }
        };
        tick();
      },
      // fetch() and read the body as text; leaving the page aborts both.
      async fetchText(url, opts) {
        const c = new AbortController();
        controllers.add(c);
        try {
          const res = await fetch(url, Object.assign({}, opts, { signal: c.signal }));
          return { res, text: await res.text() };
        } finally {
          controllers.delete(c);
        }
      },
    };
  }

  function isUnauthorized(e) {
    return e instanceof Sluice.ApiError && e.status === 401;
  }

  // Each page renders into its own element, so a page still loading after the user moved on
  // writes into a detached element instead of the next page.
  function mount(container, cls) {
    const root = h("div." + cls);
    container.appendChild(root);
    return root;
  }

  // Replace slot's content only when its data changed, so a refresh keeps focus, open <details>
  // and text selections wherever nothing new arrived.
  const shown = new WeakMap();
  function update(slot, data, build) {
    const key = JSON.stringify(data === undefined ? null : data);
    if (shown.get(slot) === key) return;
    shown.set(slot, key);
    clear(slot);
    Sluice.append(slot, [build()]);
  }

  let idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return `${prefix}-${idCounter}`;
  }

  function badge(text, cls) {
    return h("span.badge", { class: "badge " + (cls || String(text).replace(/\W/g, "")) }, text);
  }

  // A table; columns are [{label, num?}], rows arrays of cells (strings or nodes).
  function table(columns, rows, attrs = {}) {
    return h("div.table-wrap", h("table", attrs,
      h("thead", h("tr", columns.map((c) => h(c.num ? "th.num" : "th", { scope: "col" }, c.label)))),
      h("tbody", rows)));
  }

  function cell(value, num) {
    return h(num ? "td.num" : "td", value);
  }

  function tcell(ms) {
    return h("td.pg-nowrap", fmtTime(ms));
  }

  // A definition list of [label, value] pairs; values may be nodes.
  function facts(pairs) {
    return h("dl.pg-facts", pairs.filter((p) => p).map(([k, v]) => [h("dt", k), h("dd", v)]));
  }

  function jsonPre(value) {
    return h("pre.pg-json", typeof value === "string" ? value : JSON.stringify(value, null, 2));
  }

  function details(summary, content, attrs) {
    return h("details.pg-details", attrs || {}, h("summary", summary), content);
  }

  function fmtPct(n) {
    return n === null || n === undefined ? "—" : `${Number(n).toFixed(1)} %`;
  }

  function fmtMs(n) {
    return n === null || n === undefined ? "—" : `${Math.round(n)} ms`;
  }

  // Short, one-line text for any JSON value (table cells).
  function brief(v) {
    if (v === null || v === undefined) return "";
    const s = typeof v === "object" ? JSON.stringify(v) : String(v);
    return s.length > 80 ? s.slice(0, 79) + "…" : s;
  }

  // <input type=datetime-local> works in local time without a zone.
  function toLocalInput(ms) {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  }

  function fromLocalInput(value) {
    const t = new Date(value).getTime();
    return Number.isNaN(t) ? null : t;
  }

  function labelled(label, input, hint) {
    return h("div.pg-field", h("label", { for: input.id }, label), input, hint ? h("p.muted.pg-hint", hint) : null);
  }

  // A button that asks for a second click before doing something destructive; no modal dialog.
  function confirmButton(label, action, attrs = {}) {
    let armed = false;
    const btn = h("button.danger", Object.assign({ type: "button" }, attrs, {
      on: {
        click: async () => {
          if (!armed) {
            armed = true;
            btn.textContent = "Click again to confirm";
            setTimeout(() => { armed = false; btn.textContent = label; }, 4000);
            return;
          }
          btn.disabled = true;
          await action();
        },
      },
    }), label);
    return btn;
  }

  function flowLink(id, name) {
    return h("a", { href: `#/dataflows/${enc(id)}` }, name || id);
  }

  function datasetLink(id, name) {
    return h("a", { href: `#/datasets/${enc(id)}` }, name || id);
  }

  async function listFlows() {
    return (await api("GET", `${FS}/flows?limit=1000`)).items || [];
  }

  // ---- #/dataflows ----------------------------------------------------------------------------

  Sluice.route("/dataflows", async (params, container) => {
    const root = mount(container, "pg-flows");
    root.appendChild(h("div.row", h("h1", "Dataflows"), h("span.spacer"),
      h("a.pg-button", { href: "#/sources" }, "Add a source")));
    const flows = await listFlows();
    if (!flows.length) {
      root.appendChild(h("p.note", "No dataflows yet. Create one from ", h("a", { href: "#/sources" }, "Sources"), "."));
      return;
    }
    const rows = flows.map((f) => {
      const last = f.lastRunDetails || {};
      return h("tr", { dataset: { flowId: f.id } },
        h("td", flowLink(f.id, f.name)),
        h("td", badge(f.state, f.state === "enabled" ? "ok" : "")),
        h("td", badge(last.uiStatus || "No runs")),
        tcell(last.startedAtUTC),
        cell(fmtNum(last.inputRecordCount), true),
        cell(fmtNum(last.failedRecordCount), true),
        tcell(f.createdAt));
    });
    root.appendChild(h("div.card", table([
      { label: "Name" }, { label: "State" }, { label: "Last run" }, { label: "Last run start" },
      { label: "Received", num: true }, { label: "Failed", num: true }, { label: "Created" },
    ], rows, { id: "flows-table" })));
  });

  // ---- #/dataflows/:id ------------------------------------------------------------------------

  const SERIES = [
    { key: "received", label: "Received", get: (rs) => rs.inputRecordCount },
    { key: "ingested", label: "Ingested", get: (rs) => rs.outputRecordCount },
    { key: "warnings", label: "Warnings", get: (rs) => rs.warningRecordCount },
    { key: "failed", label: "Failed", get: (rs) => rs.failedRecordCount },
  ];

  function runStart(run) {
    return ((run.metrics || {}).durationSummary || {}).startedAtUTC;
  }

  function runEnd(run) {
    const ext = (((run.metrics || {}).durationSummary || {}).extensions) || {};
    return ext.windowEnd || runStart(run) + HOUR;
  }

  function recordSummary(run) {
    return (run.metrics || {}).recordSummary || {};
  }

  function uiStatus(run) {
    const s = (run.metrics || {}).statusSummary || {};
    return (s.extensions || {}).uiStatus || s.status || "—";
  }

  // The chosen time range as epoch ms; presets roll with the clock.
  function rangeBounds(range) {
    if (range.preset === "custom") return { from: range.from, to: range.to };
    const to = Date.now();
    return { from: to - Number(range.preset) * DAY, to };
  }

  // Runs are hourly windows; a run belongs to the range when its window overlaps it.
  function runsInRange(runs, range) {
    const { from, to } = rangeBounds(range);
    return runs.filter((r) => runEnd(r) > from && runStart(r) <= to);
  }

  Sluice.route("/dataflows/:id", async (params, container) => {
    const page = {
      id: params.id,
      life: lifecycle(),
      flow: null,
      datasetId: null,
      runs: [],
      errors: [],
      runErrors: [],
      range: { preset: "7" },
      runId: null,
    };
    const root = mount(container, "pg-activity-page");
    await loadActivity(page);
    buildActivity(page, root);
    renderActivity(page);
    page.life.every(REFRESH_MS, async () => {
      try {
        await loadActivity(page);
        page.slots.refreshError.textContent = "";
        renderActivity(page);
      } catch (e) {
        page.slots.refreshError.textContent = "Could not refresh: " + e.message;
        throw e;
      }
    });
    startTail(page);
  });

  // Fetch what the page shows: the flow, its runs, and error diagnostics in the range. The flow
  // comes first, alone, so that a 401 or 404 answers once rather than four times.
  async function loadActivity(page) {
    const base = `${FS}/flows/${enc(page.id)}`;
    const { from } = rangeBounds(page.range);
    const flowDoc = await api("GET", base);
    const [runs, errors, runErrors] = await Promise.all([
      api("GET", `${FS}/runs?property=${enc("flowId==" + page.id)}&limit=1000`),
      api("GET", `${base}/errors?limit=100&since=${enc(new Date(from).toISOString())}`),
      page.runId ? api("GET", `${FS}/runs/${enc(page.runId)}/errors?limit=100`) : null,
    ]);
    page.flow = flowDoc.items[0];
    page.runs = runs.items || [];
    page.errors = errors.items || [];
    page.runErrors = runErrors ? runErrors.items || [] : [];
    if (page.datasetId === null) page.datasetId = await flowDataset(page.flow);
  }

  // The dataset the flow writes to, from its target connection.
  async function flowDataset(flow) {
    const target = (flow.targetConnectionIds || [])[0];
    if (!target) return "";
    try {
      const doc = await api("GET", `${FS}/targetConnections/${enc(target)}`);
      return ((doc.items[0] || {}).params || {}).dataSetId || "";
    } catch (e) {
      if (isUnauthorized(e)) throw e;
      return "";
    }
  }

  function buildActivity(page, root) {
    const s = page.slots = {
      title: h("h1#flow-name"),
      state: h("span.badge#flow-state"),
      toggle: h("button.secondary#flow-toggle", { type: "button", on: { click: () => toggleFlow(page) } }),
      editToggle: h("button.secondary#mapping-edit", {
        type: "button", "aria-expanded": "false", "aria-controls": "mapping-editor",
        on: { click: () => toggleMappingEditor(page) },
      }, "Edit mapping"),
      actionMsg: h("div.pg-msg", { role: "status" }),
      refreshError: h("p.error.pg-msg", { role: "status" }),
      editor: h("section.card#mapping-editor", { hidden: true, "aria-labelledby": "mapping-editor-title" }),
      props: h("div#flow-properties"),
      banner: h("div#activity-banner"),
      chart: h("div#activity-chart-slot"),
      runs: h("div#runs-slot"),
      overview: h("section.card#run-overview", { hidden: true, "aria-labelledby": "run-overview-title" }),
      errors: h("div#errors-slot"),
      replay: h("div#replay-slot"),
      tail: h("div#tail-slot"),
    };
    root.append(
      h("p.pg-crumbs", h("a", { href: "#/dataflows" }, "Dataflows"), " / Dataflow activity"),
      h("div.row.pg-head", s.title, s.state, h("span.spacer"), s.toggle, s.editToggle),
      s.actionMsg, s.refreshError, s.editor,
      h("div.pg-activity",
        h("div.pg-main",
          h("section.card", { "aria-labelledby": "range-title" },
            h("h2#range-title", "Time range"), rangeForm(page), s.banner),
          h("section.card", { "aria-labelledby": "chart-title" },
            h("h2#chart-title", "Records over time"), s.chart),
          h("section.card", { "aria-labelledby": "runs-title" },
            h("h2#runs-title", "Dataflow runs"),
            h("p.muted", "One run per hour of received events. Select a run for its overview and errors."),
            s.runs),
          s.overview,
          h("section.card", { "aria-labelledby": "errors-title" },
            h("h2#errors-title", "Error diagnostics preview"), s.errors),
          h("section.card", { "aria-labelledby": "tail-title" },
            h("h2#tail-title", "Live tail"), s.tail)),
        h("aside.pg-side", { "aria-label": "Dataflow properties and actions" },
          h("section.card", { "aria-labelledby": "props-title" }, h("h2#props-title", "Properties"), s.props),
          h("section.card", { "aria-labelledby": "replay-title" }, h("h2#replay-title", "Replay"), s.replay))));
    buildReplay(page);
  }

  function renderActivity(page) {
    const { flow, slots: s } = page;
    const runs = runsInRange(page.runs, page.range);
    s.title.textContent = flow.name || flow.id;
    s.state.textContent = flow.state;
    s.state.className = "badge " + (flow.state === "enabled" ? "ok" : "warn");
    s.toggle.textContent = flow.state === "enabled" ? "Disable" : "Enable";
    // Only what the panel shows: lastRunDetails changes with every event.
    update(s.props, [flow.name, flow.state, flow.createdAt, flow.options, flow.transformations, page.datasetId],
      () => propertiesPanel(page));
    update(s.banner, [runs.map(recordSummary)], () => banner(runs));
    // The hour in the key redraws the axis of a rolling range even when no run changed.
    const hour = Math.floor(rangeBounds(page.range).to / HOUR);
    update(s.chart, [runs.map((r) => [runStart(r), recordSummary(r)]), page.range, hour], () => {
      const { from, to } = rangeBounds(page.range);
      return activityChart(runs, from, to);
    });
    update(s.runs, [runs, page.runId], () => runsTable(page, runs));
    renderOverview(page);
    update(s.errors, [page.errors, (flow.options || {}).errorDiagnosticsEnabled, runs.map(recordSummary)],
      () => errorsPanel(page, runs));
  }

  function propertiesPanel(page) {
    const { flow } = page;
    const opts = flow.options || {};
    const mapping = ((flow.transformations || [])[0] || {}).params || {};
    const webhook = opts.inletUrl ? opts.inletUrl + "?x-adobe-flow-id=" + flow.id : "";
    const other = Object.entries(opts).filter(([k]) => k !== "inletUrl" && k !== "inletId");
    return h("div",
      facts([
        ["Name", flow.name],
        ["State", flow.state],
        ["Created", fmtTime(flow.createdAt)],
      ]),
      Sluice.copyField("Dataflow ID", flow.id, "prop-flow-id"),
      opts.inletUrl ? Sluice.copyField("Streaming endpoint", opts.inletUrl, "prop-inlet-url") : null,
      webhook ? Sluice.copyField("Webhook URL (for Customer.io)", webhook, "prop-webhook-url") : null,
      facts([
        ["Dataset", page.datasetId ? datasetLink(page.datasetId) : "—"],
        ["Mapping set", mapping.mappingId ? h("code", mapping.mappingId) : "—"],
        ["Mapping version", mapping.mappingVersion === undefined ? "—" : String(mapping.mappingVersion)],
        ["Error diagnostics", opts.errorDiagnosticsEnabled ? "On" : "Off"],
        ["Partial ingestion", opts.partialIngestionPercent === undefined ? "Off" : `${opts.partialIngestionPercent} %`],
        ...other.filter(([k]) => k !== "errorDiagnosticsEnabled" && k !== "partialIngestionPercent")
          .map(([k, v]) => [k, brief(v)]),
      ]));
  }

  async function toggleFlow(page) {
    const op = page.flow.state === "enabled" ? "disable" : "enable";
    page.slots.toggle.disabled = true;
    clear(page.slots.actionMsg);
    try {
      await api("POST", `${FS}/flows/${enc(page.id)}/action?op=${op}`);
      await loadActivity(page);
      renderActivity(page);
      Sluice.status(`Dataflow ${op}d`);
    } catch (e) {
      page.slots.actionMsg.appendChild(errorBox(e));
    } finally {
      page.slots.toggle.disabled = false;
    }
  }

  // -- time range, banner, chart

  function rangeForm(page) {
    const select = h("select#range-preset",
      h("option", { value: "7" }, "Last 7 days"),
      h("option", { value: "30" }, "Last 30 days"),
      h("option", { value: "custom" }, "Custom"));
    const now = Date.now();
    const from = h("input#range-from", { type: "datetime-local", value: toLocalInput(now - DAY) });
    const to = h("input#range-to", { type: "datetime-local", value: toLocalInput(now) });
    const custom = h("div.pg-custom", { hidden: true },
      labelled("From (local time)", from), labelled("To (local time)", to));
    const err = h("p.error", { role: "alert" });
    select.addEventListener("change", () => { custom.hidden = select.value !== "custom"; });
    return h("form.pg-range", {
      on: {
        submit: async (e) => {
          e.preventDefault();
          err.textContent = "";
          const range = { preset: select.value };
          if (range.preset === "custom") {
            range.from = fromLocalInput(from.value);
            range.to = fromLocalInput(to.value);
            if (range.from === null || range.to === null || range.from >= range.to) {
              err.textContent = "Choose a start before the end.";
              return;
            }
          }
          page.range = range;
          try {
            await loadActivity(page);
            renderActivity(page);
          } catch (ex) {
            err.textContent = ex.message;
          }
        },
      },
    }, h("div.row.pg-range-row", labelled("Range", select), custom,
      h("button.primary#range-apply", { type: "submit" }, "Apply")), err);
  }

  function totals(runs) {
    const t = { received: 0, ingested: 0, warnings: 0, failed: 0 };
    for (const r of runs) for (const s of SERIES) t[s.key] += s.get(recordSummary(r)) || 0;
    return t;
  }

  function banner(runs) {
    const t = totals(runs);
    return h("div.pg-stats",
      h("div.pg-stat", h("span.pg-stat-label", "Records ingested"), h("strong#banner-ingested", fmtNum(t.ingested))),
      h("div.pg-stat.bad", h("span.pg-stat-label", "Records failed"), h("strong#banner-failed", fmtNum(t.failed))),
      h("div.pg-stat", h("span.pg-stat-label", "Records received"), h("strong#banner-received", fmtNum(t.received))));
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // Adds up the runs into at most ~720 buckets of whole hours across the range, one array per
  // series, so that quiet hours show as zero instead of being bridged by the line.
  function bucketize(runs, from, to) {
    const size = Math.max(HOUR, Math.ceil((to - from) / 720 / HOUR) * HOUR);
    const start = Math.floor(from / HOUR) * HOUR;
    const n = Math.max(1, Math.ceil((to - start) / size));
    const values = Object.fromEntries(SERIES.map((s) => [s.key, new Array(n).fill(0)]));
    for (const r of runs) {
      const i = Math.min(n - 1, Math.max(0, Math.floor((runStart(r) - start) / size)));
      for (const s of SERIES) values[s.key][i] += s.get(recordSummary(r)) || 0;
    }
    return { start, size, n, values };
  }

  // One multi-series line chart of received / ingested / warnings / failed records, as inline SVG.
  function activityChart(runs, from, to) {
    const W = 640, H = 220, L = 48, R = 12, T = 12, B = 30;
    const { start, size, n, values } = bucketize(runs, from, to);
    const max = Math.max(1, ...SERIES.map((s) => Math.max(...values[s.key])));
    const x = (i) => L + ((i + 0.5) * (W - L - R)) / n;
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const t = totals(runs);
    const titleId = uid("chart-t");
    const descId = uid("chart-d");
    const chart = svg("svg", {
      id: "activity-chart", class: "pg-chart", viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
    },
    svg("title", { id: titleId }, "Records per hour: received, ingested, warnings and failed"),
    svg("desc", { id: descId }, `From ${fmtTime(from)} to ${fmtTime(to)}: ` +
      SERIES.map((s) => `${fmtNum(t[s.key])} ${s.label.toLowerCase()}`).join(", ") + "."));
    // Whole-number gridlines: 0, the half when it is whole, and the top.
    for (const v of max >= 2 && max % 2 === 0 ? [0, max / 2, max] : [0, max]) {
      chart.appendChild(svg("line", { class: "pg-grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      chart.appendChild(svg("text", { class: "pg-axis", x: L - 6, y: y(v) + 4, "text-anchor": "end" },
        fmtNum(v)));
    }
    chart.appendChild(svg("text", { class: "pg-axis", x: L, y: H - 8 }, fmtTime(start)));
    chart.appendChild(svg("text", { class: "pg-axis", x: W - R, y: H - 8, "text-anchor": "end" }, fmtTime(to)));
    for (const s of SERIES) {
      const pts = values[s.key].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      chart.appendChild(svg("polyline", { class: `pg-line s-${s.key}`, points: pts }));
      values[s.key].forEach((v, i) => {
        if (!v) return;
        chart.appendChild(svg("circle", { class: `pg-pt s-${s.key}`, cx: x(i), cy: y(v), r: 3.5, "data-series": s.key },
          svg("title", {}, `${s.label}: ${fmtNum(v)} at ${fmtTime(start + i * size)}`)));
      });
    }
    const legend = h("ul.pg-legend", { "aria-label": "Legend" },
      SERIES.map((s) => h("li", h("span", { class: `pg-swatch s-${s.key}`, "aria-hidden": "true" }), s.label)));
    return h("div", chart, legend, runs.length ? null : h("p.muted", "No runs in this range."));
  }

  // -- runs and the selected run

  function runsTable(page, runs) {
    if (!runs.length) return h("p.muted#runs-empty", "No runs in this range yet.");
    const rows = runs.map((r) => {
      const rs = recordSummary(r);
      const lat = (r.metrics || {}).latencySummary || {};
      const selected = r.id === page.runId;
      return h("tr", { class: selected ? "pg-selected" : "", dataset: { runId: r.id, testid: "run-row" } },
        h("td", h("button.link", {
          type: "button", "aria-pressed": String(selected),
          on: { click: () => selectRun(page, selected ? null : r.id) },
        }, fmtTime(runStart(r)))),
        cell(fmtNum(rs.inputRecordCount), true),
        cell(fmtNum(rs.outputRecordCount), true),
        cell(fmtNum(rs.warningRecordCount), true),
        cell(fmtNum(rs.failedRecordCount), true),
        cell(fmtNum(rs.duplicateRecordCount), true),
        cell(fmtPct(rs.ingestionRate), true),
        cell(fmtMs(lat.avgMs), true),
        h("td", badge(uiStatus(r))));
    });
    return table([
      { label: "Run start" }, { label: "Received", num: true }, { label: "Ingested", num: true },
      { label: "Warnings", num: true }, { label: "Failed", num: true }, { label: "Duplicates", num: true },
      { label: "Ingestion rate", num: true }, { label: "Latency (avg)", num: true }, { label: "Status" },
    ], rows, { id: "runs-table" });
  }

  async function selectRun(page, runId) {
    page.runId = runId;
    page.runErrors = [];
    renderActivity(page);
    if (!runId) return;
    try {
      page.runErrors = (await api("GET", `${FS}/runs/${enc(runId)}/errors?limit=100`)).items || [];
      renderOverview(page);
      page.slots.overview.focus();
    } catch (e) {
      page.slots.overview.appendChild(errorBox(e));
    }
  }

  function renderOverview(page) {
    const slot = page.slots.overview;
    const run = page.runs.find((r) => r.id === page.runId);
    slot.hidden = !run;
    slot.tabIndex = -1;
    update(slot, run ? [run, page.runErrors, page.datasetId] : null, () => (run ? runOverview(page, run) : ""));
  }

  function runOverview(page, run) {
    const rs = recordSummary(run);
    const lat = (run.metrics || {}).latencySummary || {};
    const codes = [
      ...(rs.failedInfo || []).map((i) => ["error", i]),
      ...(rs.warningInfo || []).map((i) => ["warning", i]),
    ];
    return h("div",
      h("div.row", h("h2#run-overview-title", "Dataflow run overview"), h("span.spacer"),
        h("button.secondary", { type: "button", on: { click: () => startReplay(page, { runId: run.id }) } }, "Replay this run"),
        h("button.link", { type: "button", on: { click: () => selectRun(page, null) } }, "Close")),
      facts([
        ["Run ID", h("code#run-overview-id", run.id)],
        ["Window", `${fmtTime(runStart(run))} – ${fmtTime(runEnd(run))}`],
        ["Status", badge(uiStatus(run))],
        ["Dataset", page.datasetId ? datasetLink(page.datasetId) : "—"],
        ["Received / ingested", `${fmtNum(rs.inputRecordCount)} / ${fmtNum(rs.outputRecordCount)}`],
        ["Latency min / avg / max", `${fmtMs(lat.minMs)} / ${fmtMs(lat.avgMs)} / ${fmtMs(lat.maxMs)}`],
      ]),
      h("h3", "Dataflow run errors"),
      codes.length ? codeTable(codes) : h("p.muted", "No failed records or warnings in this run."),
      h("h3", "Errors of this run"),
      errorList(page.runErrors, "run-errors"));
  }

  // failedInfo / warningInfo entries: [level, {code, message, recordCount}].
  function codeTable(codes) {
    return table([{ label: "Code" }, { label: "Level" }, { label: "Message" }, { label: "Records", num: true }],
      codes.map(([level, i]) => h("tr", { dataset: { code: i.code } },
        h("td", h("code", i.code)), h("td", badge(level, level === "error" ? "bad" : "warn")),
        cell(i.message), cell(fmtNum(i.recordCount), true))));
  }

  // -- error diagnostics

  function errorsPanel(page, runs) {
    const on = (page.flow.options || {}).errorDiagnosticsEnabled;
    const { to } = rangeBounds(page.range);
    const byCode = new Map();
    for (const r of runs) {
      const rs = recordSummary(r);
      for (const [level, list] of [["error", rs.failedInfo], ["warning", rs.warningInfo]]) {
        for (const i of list || []) {
          const k = level + " " + i.code;
          const cur = byCode.get(k) || [level, { code: i.code, message: i.message, recordCount: 0 }];
          cur[1].recordCount += i.recordCount || 0;
          byCode.set(k, cur);
        }
      }
    }
    const items = page.errors.filter((e) => !e.receivedTimeMs || e.receivedTimeMs <= to);
    return h("div",
      on ? null : h("div.note#diagnostics-off",
        h("p", "Error diagnostics are off for this dataflow: sluice keeps only the counts below, not the failed records."),
        h("button.secondary#diagnostics-on", { type: "button", on: { click: () => enableDiagnostics(page) } },
          "Turn on error diagnostics")),
      h("h3", "Failures and warnings by code"),
      byCode.size ? codeTable([...byCode.values()]) : h("p.muted", "No failed records or warnings in this range."),
      h("h3", "Latest errors (up to 100)"),
      errorList(items, "flow-errors"));
  }

  function errorList(items, id) {
    if (!items.length) return h("p.muted", { id: id + "-empty" }, "No error diagnostics.");
    return table([
      { label: "Code" }, { label: "Level" }, { label: "Message" }, { label: "Pointer" },
      { label: "Received" }, { label: "Raw input" },
    ], items.map((e) => h("tr", { dataset: { code: e.code, testid: "error-row" } },
      h("td", h("code", e.code)),
      h("td", badge(e.level, e.level === "error" ? "bad" : "warn")),
      cell(e.message),
      h("td", e.pointer ? h("code", e.pointer) : "—"),
      tcell(e.receivedTimeMs),
      h("td", details("Show", jsonPre(prettyRaw(e.raw)))))), { id });
  }

  function prettyRaw(raw) {
    try { return JSON.stringify(JSON.parse(raw), null, 2); } catch (_) { return String(raw); }
  }

  async function enableDiagnostics(page) {
    try {
      await Sluice.patchFlow(page.id, [{ op: "add", path: "/options/errorDiagnosticsEnabled", value: true }]);
      await loadActivity(page);
      renderActivity(page);
      Sluice.status("Error diagnostics on");
    } catch (e) {
      page.slots.errors.prepend(errorBox(e));
    }
  }

  // -- mapping editor

  const SOURCE_TYPES = ["ATTRIBUTE", "EXPRESSION", "STATIC"];

  function toggleMappingEditor(page) {
    const { editor, editToggle } = page.slots;
    const open = editor.hidden;
    editor.hidden = !open;
    editToggle.setAttribute("aria-expanded", String(open));
    if (open) loadMappingEditor(page);
    else clear(editor);
  }

  function closeMappingEditor(page) {
    if (!page.slots.editor.hidden) toggleMappingEditor(page);
  }

  // Edits the version the flow runs (its pinned mappingVersion), which is what a save replaces.
  async function loadMappingEditor(page) {
    const editor = clear(page.slots.editor);
    editor.appendChild(h("h2#mapping-editor-title", "Edit mapping"));
    const t = ((page.flow.transformations || [])[0] || {}).params || {};
    if (!t.mappingId) {
      editor.appendChild(h("p.muted", "This dataflow has no mapping set."));
      return;
    }
    try {
      const q = t.mappingVersion === undefined ? "" : `?version=${enc(t.mappingVersion)}`;
      const set = await api("GET", `${CONVERSION}/mappingSets/${enc(t.mappingId)}${q}`);
      editor.appendChild(mappingForm(page, t.mappingId, set));
    } catch (e) {
      editor.appendChild(errorBox(e));
    }
  }

  // The editor's row for one mapping; `text` is what the source input shows.
  function mappingRow(m) {
    let type = String(m.sourceType || "ATTRIBUTE").toUpperCase();
    if (!SOURCE_TYPES.includes(type)) type = "ATTRIBUTE";
    const src = m.source !== undefined ? m.source : m.sourceAttribute;
    const text = src === undefined ? "" : typeof src === "string" ? src : JSON.stringify(src);
    return { key: uid("map"), orig: m, type, source: text, shownSource: text,
             destination: m.destination !== undefined ? m.destination : m.destinationXdmPath || "" };
  }

  function mappingOut(row) {
    const m = Object.assign({}, row.orig);
    delete m.sourceAttribute; // source and destination replace the legacy mirror fields
    delete m.destinationXdmPath;
    m.sourceType = row.type;
    // An untouched static value keeps its JSON type (a number stays a number).
    m.source = row.type === "STATIC" && row.source === row.shownSource && row.orig.source !== undefined
      ? row.orig.source : row.source;
    m.destination = row.destination;
    return m;
  }

  function mappingForm(page, mappingId, set) {
    const rows = (set.mappings || []).map(mappingRow);
    const body = h("tbody");
    const msg = h("div", { role: "status" });
    const drawRows = () => {
      clear(body);
      rows.forEach((row, i) => body.appendChild(mappingEditorRow(row, i, () => { rows.splice(i, 1); drawRows(); })));
    };
    drawRows();
    const save = h("button.primary#mapping-save", { type: "submit" }, "Save and use");
    return h("form#mapping-form", {
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(msg);
          save.disabled = true;
          try {
            const saved = await api("PUT", `${CONVERSION}/mappingSets/${enc(mappingId)}`,
              { outputSchema: set.outputSchema, mappings: rows.map(mappingOut) });
            await Sluice.patchFlow(page.id, [{ op: "replace", path: "/transformations/0/params/mappingVersion", value: saved.version }]);
            closeMappingEditor(page);
            await loadActivity(page);
            renderActivity(page);
            page.slots.actionMsg.appendChild(h("p.note#mapping-saved",
              `Saved mapping set version ${saved.version}; the dataflow uses it from now on. `,
              "Replay a time range to re-process events already received."));
          } catch (ex) {
            msg.appendChild(errorBox(ex));
          } finally {
            save.disabled = false;
          }
        },
      },
    },
    h("p.muted", "Mapping set ", h("code", mappingId), ` version ${set.version}. Saving creates a new version and pins it on this dataflow.`),
    h("div.table-wrap", h("table.pg-mapping", h("thead", h("tr",
      h("th", { scope: "col" }, "Source type"), h("th", { scope: "col" }, "Source"),
      h("th", { scope: "col" }, "Destination"), h("th", { scope: "col" }, h("span.vh", "Remove")))), body)),
    msg,
    h("div.row",
      h("button.secondary#mapping-add", {
        type: "button",
        on: { click: () => { rows.push(mappingRow({})); drawRows(); body.lastChild.querySelector("input").focus(); } },
      }, "Add mapping"),
      h("span.spacer"),
      h("button.link", { type: "button", on: { click: () => closeMappingEditor(page) } }, "Cancel"),
      save));
  }

  function mappingEditorRow(row, i, remove) {
    const n = i + 1;
    // A static value may be empty; a path or an expression may not.
    const type = h("select", { id: row.key + "-type", on: { change: () => { row.type = type.value; src.required = row.type !== "STATIC"; } } },
      SOURCE_TYPES.map((t) => h("option", { value: t, selected: t === row.type }, t)));
    const src = h("input", { id: row.key + "-src", type: "text", value: row.source, required: row.type !== "STATIC",
      on: { input: () => { row.source = src.value; } } });
    const dst = h("input", { id: row.key + "-dst", type: "text", value: row.destination, required: true,
      on: { input: () => { row.destination = dst.value; } } });
    return h("tr", { dataset: { testid: "mapping-row" } },
      h("td", h("label.vh", { for: type.id }, `Source type of mapping ${n}`), type),
      h("td", h("label.vh", { for: src.id }, `Source of mapping ${n}`), src),
      h("td", h("label.vh", { for: dst.id }, `Destination of mapping ${n}`), dst),
      h("td", h("button.link", { type: "button", on: { click: remove } }, "Remove", h("span.vh", ` mapping ${n}`))));
  }

  // -- replay

  function buildReplay(page) {
    const slot = page.slots.replay;
    const now = Date.now();
    const from = h("input#replay-from", { type: "datetime-local", value: toLocalInput(now - HOUR), required: true });
    const to = h("input#replay-to", { type: "datetime-local", value: toLocalInput(now), required: true });
    page.slots.replayStatus = h("div#replay-status", { role: "status" });
    slot.append(
      h("p.muted", "Re-process the events received in a range with the current mapping. Whole hours are replayed."),
      h("form", {
        on: {
          submit: (e) => {
            e.preventDefault();
            const f = fromLocalInput(from.value);
            const t = fromLocalInput(to.value);
            if (f === null || t === null || f >= t) {
              clear(page.slots.replayStatus).appendChild(h("p.error", "Choose a start before the end."));
              return;
            }
            startReplay(page, { from: new Date(f).toISOString(), to: new Date(t).toISOString() });
          },
        },
      }, labelled("From (local time)", from), labelled("To (local time)", to),
      h("button.primary#replay-start", { type: "submit" }, "Replay")),
      page.slots.replayStatus);
  }

  // Starts a replay (query: {from, to} or {runId}) and follows it until it ends.
  async function startReplay(page, query) {
    const status = clear(page.slots.replayStatus);
    shown.delete(status);
    const qs = Object.entries(query).map(([k, v]) => `&${k}=${enc(v)}`).join("");
    let replay;
    try {
      replay = await api("POST", `${FS}/flows/${enc(page.id)}/action?op=replay${qs}`);
    } catch (e) {
      status.appendChild(errorBox(e));
      return;
    }
    status.scrollIntoView({ block: "nearest" });
    const url = `${FS}/flows/${enc(page.id)}/replays/${enc(replay.replayId)}`;
    let doc = { id: replay.replayId, status: replay.status, from: replay.from, to: replay.to };
    for (;;) {
      update(status, doc, () => replayView(doc));
      if (doc.status === "completed" || doc.status === "failed" || !page.life.alive) break;
      await page.life.sleep(REPLAY_POLL_MS);
      try {
        doc = await api("GET", url);
      } catch (e) {
        if (page.life.alive) status.appendChild(errorBox(e));
        return;
      }
    }
    if (doc.status === "completed") {
      await loadActivity(page).then(() => renderActivity(page), () => {});
    }
  }

  function replayView(doc) {
    const p = doc.progress || {};
    const total = p.windowsTotal || 0;
    const pid = uid("replay-progress");
    return h("div.pg-replay", { dataset: { status: doc.status } },
      h("p", "Replay ", h("code", doc.id), " ", badge(doc.status, { completed: "ok", failed: "bad" }[doc.status] || "warn")),
      h("label", { for: pid }, `Hour windows: ${fmtNum(p.windowsDone || 0)} of ${total ? fmtNum(total) : "?"}`),
      h("progress", { id: pid, max: String(total || 1), value: String(p.windowsDone || 0) }),
      facts([
        ["Range", `${fmtTime(doc.from)} – ${fmtTime(doc.to)}`],
        ["Events processed", fmtNum(p.eventsProcessed || 0)],
        ["Ingested / failed", `${fmtNum(p.ingested || 0)} / ${fmtNum(p.failed || 0)}`],
        ["Duplicates / warnings", `${fmtNum(p.duplicates || 0)} / ${fmtNum(p.warnings || 0)}`],
        doc.error ? ["Error", String(doc.error)] : null,
      ]));
  }

  // -- live tail

  // Parses a text/event-stream answer: events [{id, event, data}] and the retry delay.
  function parseSse(text) {
    const events = [];
    let retry = null;
    for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
      const ev = { id: null, event: "message", data: [] };
      for (const line of block.split("\n")) {
        if (!line || line[0] === ":") continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") ev.id = value;
        else if (field === "event") ev.event = value;
        else if (field === "data") ev.data.push(value);
        else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
      }
      if (ev.data.length) events.push({ id: ev.id, event: ev.event, data: ev.data.join("\n") });
    }
    return { events, retry };
  }

  // The tail answers with what is there and ends; the client reconnects after `retry` ms with
  // Last-Event-ID. fetch (not EventSource) so that the API key header goes along.
  function startTail(page) {
    const slot = page.slots.tail;
    const list = h("ol.pg-tail#tail-list", { "aria-label": "Incoming events, newest first" });
    const info = h("p.muted#tail-info", { role: "status" }, "Connecting…");
    const toggle = h("button.secondary#tail-toggle", { type: "button", "aria-pressed": "false" }, "Pause");
    let paused = false;
    let lastId = null;
    toggle.addEventListener("click", () => {
      paused = !paused;
      toggle.textContent = paused ? "Resume" : "Pause";
      toggle.setAttribute("aria-pressed", String(paused));
      info.textContent = paused ? "Paused; events that arrive meanwhile show on resume." : "Resuming…";
      if (!paused) page.life.wake();
    });
    slot.append(
      h("div.row", h("p.muted.pg-grow", `Events as they land, newest first (at most ${TAIL_MAX}).`), toggle),
      info, list);

    const loop = async () => {
      while (page.life.alive) {
        if (paused) {
          await page.life.sleep(60000);
          continue;
        }
        let retry = 1000;
        try {
          const got = await fetchTail(page, lastId);
          if (got.retry !== null) retry = got.retry;
          for (const ev of got.events) {
            if (ev.id !== null) lastId = ev.id;
            if (ev.event === "landed") showTailEvent(list, JSON.parse(ev.data));
          }
          info.textContent = `${list.children.length} event${list.children.length === 1 ? "" : "s"} shown; live.`;
        } catch (e) {
          // After a 401 the tail stops; the next refresh, through Sluice.api, shows the login form.
          if (!page.life.alive || e.name === "AbortError" || isUnauthorized(e)) return;
          info.textContent = `Live tail interrupted (${e.message}); retrying.`;
        }
        await page.life.sleep(retry);
      }
    };
    loop();
  }

  async function fetchTail(page, lastId) {
    const headers = { Accept: "text/event-stream" };
    const key = Sluice.apiKey();
    if (key) headers.Authorization = "Bearer " + key;
    if (lastId !== null) headers["Last-Event-ID"] = lastId;
    const { res, text } = await page.life.fetchText(`${FS}/flows/${enc(page.id)}/tail`, { headers, cache: "no-store" });
    if (!res.ok) {
      let body = null;
      try { body = JSON.parse(text); } catch (_) { body = text; }
      throw new Sluice.ApiError(res.status, body);
    }
    return parseSse(text);
  }

  function showTailEvent(list, ev) {
    const body = ev.body;
    const obj = body && typeof body === "object" ? body : {};
    const detail = ev.detail || null;
    const item = h("li.pg-tail-item", { dataset: { testid: "tail-event", xactionId: ev.xactionId, seq: String(ev.seq) } },
      h("div.row.pg-tail-head",
        h("span.pg-time", fmtTime(ev.receivedTimeMs)),
        badge(ev.status, ev.status === "accepted" ? "ok" : "bad"),
        obj.object_type || obj.metric ? h("span", [obj.object_type, obj.metric].filter(Boolean).join(" ")) : null),
      h("div.pg-ids", "xactionId ", h("code", ev.xactionId),
        obj.event_id ? [" · event_id ", h("code.pg-event-id", String(obj.event_id))] : null),
      detail ? h("p.error.pg-detail", h("code", detail.code || ""), " ", detail.message || "") : null,
      details("Body", jsonPre(typeof body === "string" ? body : JSON.stringify(body, null, 2))));
    list.prepend(item);
    while (list.children.length > TAIL_MAX) list.lastChild.remove();
  }

  // ---- #/datasets -----------------------------------------------------------------------------

  function isProfileEnabled(ds) {
    return ((ds.tags || {}).unifiedProfile || []).includes("enabled:true");
  }

  Sluice.route("/datasets", async (params, container) => {
    const root = mount(container, "pg-datasets");
    root.appendChild(h("h1", "Datasets"));
    const sets = Object.entries(await api("GET", `${CATALOG}/dataSets?limit=1000`));
    if (!sets.length) {
      root.appendChild(h("p.note", "No datasets yet. A dataflow creates one when you set it up under ",
        h("a", { href: "#/sources" }, "Sources"), "."));
      return;
    }
    root.appendChild(h("div.card", table([
      { label: "Name" }, { label: "Dataset ID" }, { label: "Schema" }, { label: "Profile" }, { label: "Created" },
    ], sets.map(([id, ds]) => h("tr", { dataset: { datasetId: id } },
      h("td", datasetLink(id, ds.name)),
      h("td", h("code", id)),
      h("td", h("code.pg-wrap", (ds.schemaRef || {}).id || "—")),
      h("td", isProfileEnabled(ds) ? badge("Profile", "ok") : "—"),
      tcell(ds.created))), { id: "datasets-table" })));
  });

  Sluice.route("/datasets/:id", async (params, container) => {
    const root = mount(container, "pg-dataset");
    const id = params.id;
    const [doc, preview] = await Promise.all([
      api("GET", `${CATALOG}/dataSets/${enc(id)}`),
      api("GET", `/data/foundation/export/datasets/${enc(id)}/preview?limit=100`),
    ]);
    const ds = doc[id] || Object.values(doc)[0] || {};
    root.append(
      h("p.pg-crumbs", h("a", { href: "#/datasets" }, "Datasets"), " / Dataset"),
      h("h1", ds.name || id),
      h("div.card", facts([
        ["Dataset ID", h("code", id)],
        ["Description", ds.description || "—"],
        ["Schema", h("code.pg-wrap", (ds.schemaRef || {}).id || "—")],
        ["Profile", isProfileEnabled(ds) ? "Enabled" : "Off"],
        ["Created", fmtTime(ds.created)],
      ])),
      recordPreview(preview.data || []));
  });

  // Every value in a record, nested ones too (not the keys), for the search box.
  function valuesText(v) {
    if (v === null || typeof v !== "object") return String(v);
    return Object.values(v).map(valuesText).join("\n");
  }

  // The latest records as a table with a search box, and the selected record as JSON.
  function recordPreview(records) {
    const section = h("section.card", { "aria-labelledby": "preview-title" }, h("h2#preview-title", "Latest records"));
    if (!records.length) {
      section.appendChild(h("p.muted#preview-empty", "No records yet."));
      return section;
    }
    const cols = [];
    for (const r of records) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
    const search = h("input#preview-search", { type: "search", autocomplete: "off" });
    const count = h("p.muted#preview-count", { role: "status" });
    const json = h("div#record-json-slot");
    const texts = records.map((r) => valuesText(r).toLowerCase());
    let selected = null;
    const rows = records.map((r, i) => h("tr", { dataset: { testid: "record-row", index: String(i) } },
      h("td", h("button.link", { type: "button", on: { click: () => select(i) } }, `View ${i + 1}`)),
      cols.map((c) => cell(brief(r[c])))));
    function select(i) {
      if (selected !== null) rows[selected].classList.remove("pg-selected");
      selected = i;
      rows[i].classList.add("pg-selected");
      clear(json).append(h("h3", `Record ${i + 1}`), h("pre.pg-json#record-json", JSON.stringify(records[i], null, 2)));
    }
    function filter() {
      const q = search.value.trim().toLowerCase();
      let n = 0;
      rows.forEach((row, i) => {
        row.hidden = q !== "" && !texts[i].includes(q);
        if (!row.hidden) n += 1;
      });
      count.textContent = `Showing ${n} of ${records.length} records (newest first).`;
    }
    search.addEventListener("input", filter);
    filter();
    section.append(labelled("Search records (any value)", search), count,
      table([{ label: "Record" }, ...cols.map((c) => ({ label: c }))], rows, { id: "preview-table", class: "pg-preview" }), json);
    return section;
  }

  // ---- #/profiles -----------------------------------------------------------------------------

  Sluice.route("/profiles", async (params, container, query) => {
    const root = mount(container, "pg-profiles");
    root.appendChild(h("h1", "Profiles"));
    const namespaces = await api("GET", "/data/core/idnamespace/identities");
    const ns = query.ns || "Email";
    const select = h("select#profile-ns", namespaces.map((n) => h("option", {
      value: n.code, selected: n.code.toLowerCase() === ns.toLowerCase(),
    }, n.name && n.name !== n.code ? `${n.name} (${n.code})` : n.code)));
    const value = h("input#profile-id", { type: "text", value: query.id || "", required: true, autocomplete: "off" });
    root.appendChild(h("form.card.pg-lookup", {
      on: { submit: (e) => { e.preventDefault(); lookupProfile(select.value, value.value.trim()); } },
    },
    h("p.muted", "Look a person up by any of their identities: all identities seen together are one profile."),
    h("div.row.pg-lookup-row", labelled("Namespace", select), labelled("Identity value", value),
      h("button.primary#profile-lookup", { type: "submit" }, "Look up"))));
    const result = h("div#profile-result");
    root.appendChild(result);
    if (!query.id) return;
    await showProfile(result, query.ns || "Email", query.id);
    result.dataset.lookup = `${query.ns || "Email"}:${query.id}`; // what is shown, for tests
  });

  // Lookups go through the URL so that they can be linked to and the back button works.
  function lookupProfile(ns, id) {
    const path = `/profiles?ns=${enc(ns)}&id=${enc(id)}`;
    if (location.hash === "#" + path) Sluice.render();
    else Sluice.go(path);
  }

  async function showProfile(slot, ns, id) {
    const q = `entityId=${enc(id)}&entityIdNS=${enc(ns)}`;
    let doc;
    try {
      doc = await api("GET", `${UPS}?schema.name=_xdm.context.profile&${q}`);
    } catch (e) {
      if (e instanceof Sluice.ApiError && e.status === 404) {
        slot.appendChild(h("p.note#profile-none", "No profile with that identity (", h("code", `${ns}: ${id}`), ")."));
        return;
      }
      throw e;
    }
    const timeline = await api("GET",
      `${UPS}?schema.name=_xdm.context.experienceevent&relatedEntityId=${enc(id)}&relatedEntityIdNS=${enc(ns)}&limit=100`);
    const profile = Object.values(doc)[0];
    slot.append(profileCard(profile), timelineCard(timeline.children || []));
  }

  function profileCard(p) {
    const entity = p.entity || {};
    const attrs = Object.entries(entity).filter(([k]) => k !== "identities");
    return h("section.card#profile", { "aria-labelledby": "profile-title" },
      h("h2#profile-title", entity.email || p.entityId),
      facts([
        ["Profile ID", h("code#profile-entity-id", p.entityId)],
        ["Datasets", (p.sources || []).length ? (p.sources || []).map((s, i) => [i ? ", " : "", datasetLink(s)]) : "—"],
        ["Last modified", fmtTime(p.lastModifiedAt)],
      ]),
      h("h3", "Attributes"),
      attrs.length
        ? h("dl.pg-facts#profile-attrs", attrs.map(([k, v]) => [h("dt", k),
          h("dd", { dataset: { attr: k } }, v !== null && typeof v === "object" ? jsonPre(v) : String(v))]))
        : h("p.muted", "No attributes yet."),
      h("h3", "Identities"),
      table([{ label: "Namespace" }, { label: "Identity" }, { label: "First seen" }, { label: "Last seen" }],
        (entity.identities || []).map((i) => {
          const code = (i.namespace || {}).code || "";
          return h("tr", { dataset: { testid: "identity", ns: code, id: i.id } },
            h("td", code),
            h("td", h("button.link", {
              type: "button", title: "Look up by this identity",
              on: { click: () => lookupProfile(code, i.id) },
            }, i.id)),
            tcell(i.firstSeenMs), tcell(i.lastSeenMs));
        }), { id: "profile-identities" }));
  }

  function timelineCard(children) {
    return h("section.card", { "aria-labelledby": "timeline-title" },
      h("h2#timeline-title", "Timeline"),
      children.length ? table([{ label: "Time" }, { label: "Event" }, { label: "Dataset" }, { label: "Record" }],
        children.map((c) => {
          const e = c.entity || {};
          return h("tr", { dataset: { testid: "timeline-event", entityId: c.entityId } },
            tcell(c.timestamp),
            cell([e.object_type, e.metric].filter(Boolean).join(" ") || c.entityId),
            h("td", datasetLink(c.datasetId)),
            h("td", details("Show", jsonPre(e))));
        }), { id: "profile-timeline" }) : h("p.muted", "No events for this person yet."));
  }

  // ---- #/alerts -------------------------------------------------------------------------------

  const RULES = [
    { name: "sources_flow_run_start", label: "Run started" },
    { name: "sources_flow_run_success", label: "Run succeeded" },
    { name: "sources_flow_run_failure", label: "Run failed" },
    { name: "sources_flow_run_delay", label: "Ingestion delayed", threshold: "thresholdMinutes" },
    { name: "sources_ingestion_error_rate_exceeded", label: "Error rate exceeded", threshold: "thresholdPercent" },
  ];

  Sluice.route("/alerts", async (params, container) => {
    const root = mount(container, "pg-alerts");
    const flows = await listFlows();
    const names = new Map(flows.map((f) => [f.id, f.name]));
    const alertsSlot = h("div#alerts-slot");
    const subsSlot = h("div#subscriptions-slot");
    const filters = { status: "", flowId: "" };
    const showAlerts = async () => {
      const q = [`limit=100`, filters.status && `status=${enc(filters.status)}`, filters.flowId && `flowId=${enc(filters.flowId)}`];
      const doc = await api("GET", `${ALERTS}?${q.filter(Boolean).join("&")}`);
      clear(alertsSlot).appendChild(alertsTable(doc.items || [], names));
    };
    const showSubs = async () => {
      const doc = await api("GET", `${ALERTS}/subscriptions`);
      clear(subsSlot).appendChild(subscriptionsTable(doc.items || [], names, showSubs));
    };
    root.append(
      h("h1", "Alerts"),
      h("section.card", { "aria-labelledby": "alerts-title" },
        h("h2#alerts-title", "Recent alerts"),
        alertFilters(flows, filters, () => showAlerts().catch((e) => clear(alertsSlot).appendChild(errorBox(e)))),
        alertsSlot),
      h("section.card", { "aria-labelledby": "subs-title" },
        h("h2#subs-title", "Subscriptions"),
        h("p.muted", "sluice POSTs each alert of a subscription's rules to its URL, signed with its secret."),
        subsSlot,
        subscriptionForm(flows, showSubs)));
    await Promise.all([showAlerts(), showSubs()]);
  });

  function alertFilters(flows, filters, apply) {
    const status = h("select#alerts-status", h("option", { value: "" }, "Any"),
      ["FIRING", "INACTIVE", "RAISED"].map((s) => h("option", { value: s }, s)));
    const flow = h("select#alerts-flow", h("option", { value: "" }, "Any dataflow"),
      flows.map((f) => h("option", { value: f.id }, f.name || f.id)));
    const change = () => { filters.status = status.value; filters.flowId = flow.value; apply(); };
    status.addEventListener("change", change);
    flow.addEventListener("change", change);
    return h("div.row.pg-filters", labelled("Status", status), labelled("Dataflow", flow),
      h("button.secondary#alerts-refresh", { type: "button", on: { click: apply } }, "Refresh"));
  }

  // Metric alerts carry name/message/createdAt; flow-run alerts are run objects with alertName.
  // A list rather than a table: each alert's deliveries open below it at full width.
  function alertsTable(items, names) {
    if (!items.length) return h("p.muted#alerts-empty", "No alerts.");
    return h("ul.pg-alert-list#alerts-table", items.map((a) => {
      const rule = a.alertName || a.name || a.rule;
      const run = a.runId || a.flowRunId;
      return h("li.pg-alert", { dataset: { testid: "alert", alertId: a.id, rule } },
        h("div.row.pg-alert-head",
          badge(a.status),
          h("code", rule),
          a.flowId ? flowLink(a.flowId, names.get(a.flowId)) : null,
          h("span.spacer"),
          h("span.pg-time", fmtTime(a.updatedAtMs || a.createdAt))),
        a.message ? h("p.pg-msg", a.message) : null,
        run ? h("p.muted.pg-msg.pg-wrap", "Run ", h("code", run), " ", a.metrics ? badge(uiStatus(a)) : null) : null,
        deliveriesDetails(a.id));
    }));
  }

  // Deliveries load when opened: one GET per alert the user looks at.
  function deliveriesDetails(alertId) {
    const body = h("div", h("p.muted", "Loading…"));
    const d = details("Deliveries", body, { dataset: { testid: "alert-deliveries" } });
    let loaded = false;
    d.addEventListener("toggle", async () => {
      if (!d.open || loaded) return;
      loaded = true;
      try {
        const doc = await api("GET", `${ALERTS}/${enc(alertId)}`);
        clear(body).appendChild(deliveriesTable(doc.deliveries || []));
      } catch (e) {
        loaded = false;
        clear(body).appendChild(errorBox(e));
      }
    });
    return d;
  }

  function deliveriesTable(list) {
    if (!list.length) return h("p.muted", "No delivery attempts yet.");
    return table([{ label: "At" }, { label: "Attempt", num: true }, { label: "Result" }, { label: "HTTP", num: true },
      { label: "Error" }, { label: "Next retry" }],
    list.map((d) => h("tr", { dataset: { testid: "delivery" } },
      tcell(d.atMs), cell(String(d.attempt), true),
      h("td", badge(d.delivered ? "delivered" : "not delivered", d.delivered ? "ok" : "bad")),
      cell(d.httpStatus ? String(d.httpStatus) : "—", true),
      h("td.pg-long", d.error || "—"),
      cell(d.nextRetryMs ? fmtTime(d.nextRetryMs) : "—"))));
  }

  function ruleText(r) {
    if (typeof r === "string") return r;
    if (r.thresholdMinutes !== undefined) return `${r.name} (${r.thresholdMinutes} min)`;
    if (r.thresholdPercent !== undefined) return `${r.name} (${r.thresholdPercent} %)`;
    return r.name;
  }

  function subscriptionsTable(items, names, reload) {
    if (!items.length) return h("p.muted#subscriptions-empty", "No subscriptions yet.");
    return table([{ label: "Dataflow" }, { label: "URL" }, { label: "Rules" }, { label: "Secret" },
      { label: "Enabled" }, { label: "Actions" }],
    items.map((s) => h("tr", { dataset: { testid: "subscription", subscriptionId: s.id } },
      h("td", s.flowId ? flowLink(s.flowId, names.get(s.flowId)) : "—", s.name ? h("p.muted.pg-msg", s.name) : null),
      h("td.pg-url", h("code.pg-wrap", s.url)),
      h("td", h("ul.pg-plain", (s.rules || []).map((r) => h("li", h("code", ruleText(r)))))),
      cell(s.secretSet ? "Set" : "—"),
      cell(s.enabled === false ? "No" : "Yes"),
      h("td", confirmButton("Delete", async () => {
        try {
          await api("DELETE", `${ALERTS}/subscriptions/${enc(s.id)}`);
        } catch (e) {
          Sluice.status("Delete failed: " + e.message);
        }
        await reload();
      }, { "aria-label": `Delete the subscription to ${s.url}` })))), { id: "subscriptions-table" });
  }

  function subscriptionForm(flows, reload) {
    const msg = h("div", { role: "status" });
    if (!flows.length) return h("p.note", "Create a dataflow first: subscriptions belong to one.");
    const flow = h("select#sub-flow", flows.map((f) => h("option", { value: f.id }, f.name || f.id)));
    const url = h("input#sub-url", { type: "url", required: true, placeholder: "https://ops.example.com/hooks/sluice" });
    const secret = h("input#sub-secret", { type: "password", autocomplete: "new-password", minLength: 16 });
    const name = h("input#sub-name", { type: "text", autocomplete: "off" });
    const boxes = RULES.map((r) => {
      const box = h("input", { id: "sub-rule-" + r.name, type: "checkbox", value: r.name });
      const thr = r.threshold === "thresholdMinutes"
        ? h("input#sub-delay", { type: "number", min: "1", step: "1", value: "15" })
        : r.threshold ? h("input#sub-rate", { type: "number", min: "0", max: "100", step: "0.01", value: "0.5" }) : null;
      return { r, box, thr };
    });
    return h("form#subscription-form", {
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(msg);
          const rules = boxes.filter((b) => b.box.checked).map((b) =>
            (b.thr ? { name: b.r.name, [b.r.threshold]: Number(b.thr.value) } : b.r.name));
          if (!rules.length) {
            msg.appendChild(h("p.error", "Choose at least one rule."));
            return;
          }
          const body = { flowId: flow.value, url: url.value.trim(), rules };
          if (secret.value) body.secret = secret.value;
          if (name.value.trim()) body.name = name.value.trim();
          try {
            await api("POST", `${ALERTS}/subscriptions`, body);
            url.value = secret.value = name.value = "";
            msg.appendChild(h("p.note", "Subscription added."));
            await reload();
          } catch (ex) {
            msg.appendChild(errorBox(ex));
          }
        },
      },
    },
    h("h3", "Add a subscription"),
    h("div.grid2", labelled("Dataflow", flow), labelled("Name (optional)", name),
      labelled("Webhook URL", url), labelled("Secret (optional)", secret, "16 or more characters; deliveries are signed with it.")),
    h("fieldset.pg-rules", h("legend", "Rules"),
      boxes.map(({ r, box, thr }) => h("div.pg-rule",
        h("label.inline", { for: box.id }, box, `${r.label} `, h("code", r.name)),
        thr ? labelled(r.threshold === "thresholdMinutes" ? "Delay threshold (minutes)" : "Error rate threshold (%)", thr) : null))),
    msg,
    h("button.primary#sub-add", { type: "submit" }, "Add subscription"));
  }
})();
