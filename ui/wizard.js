// SPDX-License-Identifier: Apache-2.0
// ui/wizard.js: the sources catalog (#/sources, the page the app opens on) and the Customer.io
// dataflow wizard (#/sources/customerio/new), after AEP's "create a Customer.io source connection
// and dataflow in the UI": Select data, Dataflow detail, Mapping, Review. Finish creates the
// dataset, the source and target connections, the mapping set, the flow and the alert
// subscription through the public API, in that order, then opens the flow's activity page.
// The wizard keeps its state in memory: a reload starts over, nothing is created before Finish.
"use strict";

(() => {
  const { h, api, clear } = Sluice;
  // Element.append would print null and false; Sluice.append skips them and flattens arrays.
  const add = (el, ...children) => Sluice.append(el, children);

  const CIO_SPEC = "96479064-7b8a-4d69-b9ed-21c5683837ea";
  const LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";
  const FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002";
  const XED = "application/vnd.adobe.xed-full+json;version=1";
  const WIZARD_PATH = "/sources/customerio/new";
  const BUILTIN_SCHEMA = "Customer.io event";

  const P = {
    specs: "/data/foundation/flowservice/connectionSpecs",
    sources: "/data/foundation/flowservice/sourceConnections",
    targets: "/data/foundation/flowservice/targetConnections",
    flows: "/data/foundation/flowservice/flows",
    dataSets: "/data/foundation/catalog/dataSets",
    schemas: "/data/foundation/schemaregistry/tenant/schemas",
    descriptors: "/data/foundation/schemaregistry/tenant/descriptors",
    infer: "/data/foundation/schemaregistry/sluice/infer",
    recommend: "/data/foundation/conversion/sluice/recommendations",
    functions: "/data/foundation/conversion/languages/el/functions",
    validate: "/data/foundation/conversion/languages/el/validate",
    mappingSets: "/data/foundation/conversion/mappingSets",
    preview: "/data/foundation/conversion/mappingSets/preview",
    subscriptions: "/data/infrastructure/observability/alerts/subscriptions",
  };

  // AEP's sample for defining the source schema (Customer.io UI tutorial, prerequisites).
  const SAMPLE = {
    event_id: "01E4C4CT6YDC7Y5M7FE1GWWPQJ",
    object_type: "customer",
    metric: "subscribed",
    timestamp: 1613063089,
    data: {
      customer_id: "42",
      email_address: "test@example.com",
      identifiers: { id: "42", email: "test@example.com", cio_id: "d9c106000001" },
    },
  };

  // The mappings AEP's tutorial calls mandatory for Customer.io events.
  const MANDATORY = ["object_type", "id", "email", "event_id", "cio_id", "metric", "timestamp"];
  const PREVIEW_ROWS = 100;
  const MAX_FILE_BYTES = 10 * 1024 * 1024;
  const VALIDATE_DELAY_MS = 250;

  const RULES = [
    { name: "sources_flow_run_start", label: "Run started" },
    { name: "sources_flow_run_success", label: "Run succeeded" },
    { name: "sources_flow_run_failure", label: "Run failed" },
    { name: "sources_flow_run_delay", label: "Ingestion delayed", threshold: "thresholdMinutes" },
    { name: "sources_ingestion_error_rate_exceeded", label: "Error rate exceeded", threshold: "thresholdPercent" },
  ];

  // ---- small helpers ------------------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many || one + "s"}`;
  }

  // An API error goes in the box; a 401 already shows the login form.
  function showError(box, e) {
    clear(box);
    if (!(e instanceof Sluice.ApiError && e.status === 401)) box.appendChild(Sluice.errorBox(e));
  }

  // A labelled form field: label, control, optional help text tied with aria-describedby.
  function field(id, label, control, help) {
    const parts = [h("label", { for: id }, label), control];
    if (help) {
      control.setAttribute("aria-describedby", id + "-help");
      parts.push(h("p.wz-help", { id: id + "-help" }, help));
    }
    return h("div.wz-field", parts);
  }

  function toggle(id, label, checked, onChange) {
    const input = h("input", { id, type: "checkbox", role: "switch", checked });
    input.addEventListener("change", () => onChange(input.checked));
    return h("label.inline.wz-toggle", { for: id }, input, label);
  }

  function cellText(v) {
    if (v === undefined) return "";
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  // {"a":{"b":1}} -> {"a.b":1}; arrays stay whole (one column each).
  function flatten(value, prefix = "", out = {}) {
    if (isObject(value) && Object.keys(value).length) {
      for (const [k, v] of Object.entries(value)) flatten(v, prefix ? prefix + "." + k : k, out);
    } else if (prefix) {
      out[prefix] = value;
    }
    return out;
  }

  // A table of objects: one column per flattened field, in order of first appearance.
  function objectTable(objects, extra) {
    const flat = objects.map((o) => flatten(o));
    const cols = [...new Set(flat.flatMap((f) => Object.keys(f)))];
    const head = h("tr", cols.map((c) => h("th", { scope: "col" }, c)), extra ? h("th", { scope: "col" }, extra.title) : null);
    const body = flat.map((f, i) => h("tr", cols.map((c) => h("td", cellText(f[c]))), extra ? h("td", extra.cell(i)) : null));
    return h("div.table-wrap.wz-scroll", h("table.wz-data", h("thead", head), h("tbody", body)));
  }

  // Accessible tabs: arrow keys, Home and End move between them.
  function tabs(prefix, label, list) {
    const buttons = [];
    const panels = [];
    const select = (i, focus) => {
      buttons.forEach((b, j) => {
        b.setAttribute("aria-selected", String(i === j));
        b.tabIndex = i === j ? 0 : -1;
        panels[j].hidden = i !== j;
      });
      if (focus) buttons[i].focus();
    };
    list.forEach((t, i) => {
      const b = h("button.wz-tab", {
        type: "button", role: "tab", id: `${prefix}-tab-${t.id}`, "aria-controls": `${prefix}-panel-${t.id}`,
        on: { click: () => select(i, false) },
      }, t.label);
      b.addEventListener("keydown", (e) => {
        const n = list.length;
        const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 }[e.key];
        if (to !== undefined) { e.preventDefault(); select(to, true); }
      });
      buttons.push(b);
      panels.push(h("div.wz-panel", { role: "tabpanel", id: `${prefix}-panel-${t.id}`, "aria-labelledby": b.id }, t.panel));
    });
    select(0, false);
    return h("div.wz-tabset", h("div.wz-tabs", { role: "tablist", "aria-label": label }, buttons), panels);
  }

  // ---- sample files -------------------------------------------------------------------------------

  // A sample is one object, an array of objects, or JSON lines (one object a line).
  function parseSample(text) {
    const body = text.replace(/^\uFEFF/, "").trim();
    if (!body) throw new Error("The file is empty.");
    let rows;
    let lines = false;
    try {
      const value = JSON.parse(body);
      rows = Array.isArray(value) ? value : [value];
      if (!Array.isArray(value) && !isObject(value)) {
        throw new Error("The file holds a JSON " + (value === null ? "null" : typeof value) +
          ": a sample is a JSON object, an array of objects or JSON lines.");
      }
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      rows = parseJsonLines(body, e);
      lines = true;
    }
    if (!rows.length) throw new Error("The array is empty: the sample needs at least one event.");
    const bad = rows.findIndex((r) => !isObject(r));
    if (bad >= 0) {
      throw new Error(`${lines ? "Line" : "Item"} ${bad + 1} is not a JSON object: a sample is a JSON object, an array of objects or JSON lines.`);
    }
    return rows;
  }

  // JSON lines only when the first line is JSON by itself; otherwise the whole document's error
  // is the useful one (a pretty-printed object with a typo in it).
  function parseJsonLines(body, docError) {
    const lines = body.split(/\r?\n/);
    try {
      JSON.parse(lines[0]);
    } catch (_) {
      throw new Error("This is not valid JSON: " + docError.message);
    }
    const rows = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        rows.push(JSON.parse(line));
      } catch (e) {
        throw new Error(`Line ${i + 1} is not valid JSON: ${e.message}`);
      }
    });
    return rows;
  }

  // The inferred fields as a tree: "data.identifiers.id" under "data.identifiers", "a[].b" under "a".
  function fieldTree(fields) {
    const nodes = new Map();
    const roots = [];
    for (const f of fields) {
      let parent = null;
      for (let i = f.path.length - 1; i > 0 && !parent; i--) {
        if (f.path[i] === ".") parent = nodes.get(f.path.slice(0, i).replace(/\[\]$/, "")) || null;
      }
      const name = parent ? f.path.slice(parent.path.length).replace(/^(\[\])?\./, "") : f.path;
      const node = { path: f.path, type: f.type, name, children: [] };
      nodes.set(f.path, node);
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  // Source paths as the mapping language writes them (arrays as [*]).
  function sourcePaths(fields) {
    return fields.filter((f) => f.type !== "object").map((f) => f.path.replace(/\[\]/g, "[*]"));
  }

  // ---- the catalog --------------------------------------------------------------------------------

  function categoryOf(spec) {
    return (spec.attributes && spec.attributes.category) || "Other";
  }

  function sourceCard(spec) {
    const a = spec.attributes || {};
    const name = a.displayName || spec.name;
    const actions = spec.id === CIO_SPEC
      ? h("button.primary#add-customerio", { type: "button", "aria-label": `Add data from ${name}`, on: { click: () => Sluice.go(WIZARD_PATH) } }, "Add data")
      : h("span.muted", "Set up through the API (docs/api.md)");
    return h("article.card.wz-source", { "data-testid": "source-card", "data-source": spec.name },
      h("h3", name),
      h("p.wz-source-tags", h("span.badge", categoryOf(spec)), a.isStreaming && categoryOf(spec) !== "Streaming" ? h("span.badge", "Streaming") : null),
      h("p.wz-source-desc", a.description || ""),
      h("div.row.wz-source-actions", actions,
        h("a", { href: "#/dataflows", "data-testid": "view-dataflows", "aria-label": `View ${name} dataflows` }, "View dataflows")));
  }

  async function catalogPage(params, container) {
    const specs = (await api("GET", P.specs)).items.filter((s) => s.attributes && s.attributes.isSource);
    const categories = [...new Set(specs.map(categoryOf))].sort();
    const category = h("select#catalog-category", h("option", { value: "" }, "All categories"),
      categories.map((c) => h("option", { value: c }, c)));
    const search = h("input#catalog-search", { type: "search", autocomplete: "off", placeholder: "Name or description" });
    const count = h("p.muted#catalog-count", { role: "status" });
    const results = h("div#catalog-results");

    const update = () => {
      const q = search.value.trim().toLowerCase();
      const shown = specs.filter((s) => {
        const a = s.attributes;
        const text = [a.displayName, s.name, a.description, a.category].join(" ").toLowerCase();
        return (!category.value || categoryOf(s) === category.value) && (!q || text.includes(q));
      });
      clear(results);
      for (const c of categories) {
        const inCat = shown.filter((s) => categoryOf(s) === c);
        if (!inCat.length) continue;
        results.appendChild(h("section.wz-category", { "data-category": c },
          h("h2", c), h("div.wz-cards", inCat.map(sourceCard))));
      }
      if (!shown.length) results.appendChild(h("p.note#catalog-empty", "No source matches this search."));
      count.textContent = `${plural(shown.length, "source")} of ${specs.length}`;
    };
    category.addEventListener("change", update);
    search.addEventListener("input", update);

    add(container,
      h("h1", "Sources"),
      h("p.muted", "Connect a source to stream its events into a dataset. Customer.io sends its reporting webhooks to a dataflow's streaming endpoint."),
      h("div.wz-toolbar",
        h("div.wz-field", h("label", { for: "catalog-category" }, "Category"), category),
        h("div.wz-field.wz-grow", h("label", { for: "catalog-search" }, "Search sources"), search)),
      count, results);
    update();
  }

  // ---- wizard state -------------------------------------------------------------------------------

  function newState(dataSets, schemas) {
    const builtin = schemas.find((s) => s.title === BUILTIN_SCHEMA) || schemas[0];
    return {
      step: 0,
      maxStep: 0,
      dataSets,
      schemas,
      source: null, // {name, rows (≤100), total, fields, schema}
      detail: {
        datasetMode: "new",
        datasetId: "",
        datasetName: "Customer.io events",
        schemaId: builtin ? builtin.$id : "",
        flowName: "Customer.io dataflow",
        description: "",
        profile: false,
        diagnostics: true,
        partial: false,
        partialPercent: "5",
        alerts: false,
        rules: { sources_flow_run_failure: true },
        thresholdMinutes: "15",
        thresholdPercent: "0.5",
        alertUrl: "",
        alertSecret: "",
        signingKey: "",
      },
      mapping: null, // {key, schema, targets, identities, required, rows, filter}
      functions: null,
      created: {}, // finish step -> {sig, id}: what Finish already created
      nextKey: 1,
    };
  }

  function hasProfileTag(ds) {
    return !!(ds && ds.tags && Array.isArray(ds.tags.unifiedProfile) && ds.tags.unifiedProfile.includes("enabled:true"));
  }

  function targetSchemaId(st) {
    const d = st.detail;
    if (d.datasetMode === "new") return d.schemaId;
    const ds = st.dataSets[d.datasetId];
    return ds && ds.schemaRef ? ds.schemaRef.id : "";
  }

  function schemaTitle(st, id) {
    const s = st.schemas.find((x) => x.$id === id);
    return s ? s.title : id;
  }

  // Mappings are recommended again when the target schema or the sample changes.
  function mappingKey(st) {
    return JSON.stringify([targetSchemaId(st), st.source && st.source.name, st.source && st.source.total]);
  }

  // ---- step checks (a reason why Next is disabled, or "") ------------------------------------------

  function checkSelect(st) {
    return st.source ? "" : "Load a JSON sample: upload a file, drop one here, or use the Customer.io sample.";
  }

  function numberIn(text, min, max, integer) {
    const n = Number(text);
    return text !== "" && Number.isFinite(n) && n > min && n <= max && (!integer || Number.isInteger(n));
  }

  function checkDetail(st) {
    const d = st.detail;
    if (d.datasetMode === "new") {
      if (!d.datasetName.trim()) return "Enter a name for the new dataset.";
      if (!d.schemaId) return "Choose a schema for the new dataset.";
    } else if (!st.dataSets[d.datasetId]) {
      return "Choose a dataset.";
    }
    if (!d.flowName.trim()) return "Enter a dataflow name.";
    if (new TextEncoder().encode(d.signingKey).length > 256) return "The signing key must be at most 256 bytes.";
    if (d.partial && !numberIn(d.partialPercent, 0, 100)) return "The partial ingestion threshold must be above 0 and at most 100 (%).";
    if (d.alerts) {
      if (!RULES.some((r) => d.rules[r.name])) return "Choose at least one alert.";
      if (d.rules.sources_flow_run_delay && !numberIn(d.thresholdMinutes, 0, 10080, true)) return "The delay threshold must be a whole number of minutes, 1 or more.";
      if (d.rules.sources_ingestion_error_rate_exceeded && !numberIn(d.thresholdPercent, 0, 100)) return "The error rate threshold must be above 0 and at most 100 (%).";
      if (!/^https?:\/\/[^\s/]+/i.test(d.alertUrl.trim())) return "Enter the alert webhook URL (http:// or https://).";
      const n = d.alertSecret.length;
      if (n && (n < 16 || n > 256)) return "The alert secret must be 16 to 256 characters (or empty).";
    }
    return "";
  }

  function checkMapping(st) {
    const m = st.mapping;
    if (!m || m.key !== mappingKey(st)) return "Check the mappings for this sample and schema.";
    const bad = m.rows.filter((r) => r.error).length;
    if (bad) return `Fix the ${plural(bad, "mapping")} with errors.`;
    if (!m.rows.length) return "Add at least one mapping.";
    return "";
  }

  // ---- step 1: select data ------------------------------------------------------------------------

  function renderSelect(w, body) {
    const st = w.st;
    const errorBox = h("div#sample-error", { "aria-live": "assertive" });
    const loading = h("p.muted#sample-loading", { role: "status" });
    const preview = h("div#sample-preview");
    const input = h("input#sample-file", { type: "file", accept: ".json,.jsonl,.ndjson,application/json" });

    const load = async (name, text) => {
      const token = ++w.loadToken;
      clear(errorBox);
      let rows;
      try {
        rows = parseSample(text);
      } catch (e) {
        st.source = null;
        errorBox.appendChild(h("div.error-box", { role: "alert" }, h("strong", `${name}: `), e.message));
        drawPreview();
        w.refresh();
        return;
      }
      loading.textContent = "Inferring the source schema…";
      try {
        const inferred = await api("POST", P.infer, rows.length === 1 ? rows[0] : rows.slice(0, PREVIEW_ROWS));
        if (token !== w.loadToken || !w.alive) return;
        st.source = { name, rows: rows.slice(0, PREVIEW_ROWS), total: rows.length, fields: inferred.fields, schema: inferred.schema };
      } catch (e) {
        if (token !== w.loadToken) return;
        st.source = null;
        showError(errorBox, e);
      }
      loading.textContent = "";
      drawPreview();
      w.refresh();
    };

    const loadFile = async (file) => {
      if (file.size > MAX_FILE_BYTES) {
        st.source = null;
        clear(errorBox).appendChild(h("div.error-box", { role: "alert" }, `${file.name} is larger than 10 MB: use a smaller sample.`));
        drawPreview();
        w.refresh();
        return;
      }
      await load(file.name, await file.text());
    };

    input.addEventListener("change", () => {
      const file = input.files[0];
      input.value = "";
      if (file) loadFile(file);
    });

    const zone = h("div.wz-drop#dropzone", { "data-testid": "dropzone" },
      h("p.wz-drop-title", "Drag and drop a JSON file here"),
      h("p.muted", "One event object, an array of events, or JSON lines. The preview shows up to 100 rows."),
      h("div.wz-drop-actions",
        h("div.wz-field", h("label", { for: "sample-file" }, "Upload a JSON file"), input),
        h("div.wz-field", h("span.wz-or", "or"),
          h("button.secondary#use-sample", { type: "button", on: { click: () => load("Customer.io sample", JSON.stringify(SAMPLE)) } },
            "Use the Customer.io sample"))));
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) loadFile(file);
    });

    function drawPreview() {
      clear(preview);
      const s = st.source;
      if (!s) return;
      const more = s.total > s.rows.length ? ` (the preview shows the first ${s.rows.length})` : "";
      add(preview,
        h("p#sample-summary", h("strong", s.name), `: ${plural(s.total, "row")}${more}.`),
        h("h3", "Preview"),
        tabs("sample", "Sample preview", [
          { id: "table", label: "Table", panel: objectTable(s.rows) },
          { id: "json", label: "JSON", panel: h("pre.wz-json#sample-json", JSON.stringify(s.rows, null, 2)) },
        ]),
        schemaTreeView(s.fields));
    }

    add(body,
      h("p", "Choose a sample of the events Customer.io will send. sluice infers the source schema from it, and uses it to recommend mappings and to preview them."),
      zone, loading, errorBox, preview);
    drawPreview();
  }

  function schemaTreeView(fields) {
    const search = h("input#schema-search", { type: "search", autocomplete: "off", placeholder: "Field name or path" });
    const count = h("p.muted#schema-count", { role: "status" });
    const roots = fieldTree(fields);
    const build = (nodes) => h("ul", nodes.map((n) => {
      n.nameEl = h("span.wz-field-name", n.name);
      n.li = h("li", { "data-path": n.path }, n.nameEl, " ", h("span.badge.wz-type", n.type),
        n.children.length ? build(n.children) : null);
      return n.li;
    }));
    const tree = h("div.wz-tree#schema-tree", build(roots));
    // A field shows when its path matches, or when one of its descendants does.
    const update = () => {
      const q = search.value.trim().toLowerCase();
      let hits = 0;
      const visit = (n) => {
        const hit = !q || n.path.toLowerCase().includes(q);
        const below = n.children.map(visit).some(Boolean);
        n.li.hidden = !(hit || below);
        n.nameEl.classList.toggle("wz-hit", !!q && hit);
        if (hit) hits++;
        return hit || below;
      };
      roots.forEach(visit);
      count.textContent = q ? `${plural(hits, "field")} match “${search.value.trim()}”.` : `${plural(fields.length, "field")}.`;
    };
    search.addEventListener("input", update);
    update();
    return h("section.wz-schema",
      h("h3", "Source schema"),
      field("schema-search", "Search fields", search),
      count, tree);
  }

  // ---- step 2: dataflow detail --------------------------------------------------------------------

  function renderDetail(w, body) {
    const st = w.st;
    const d = st.detail;
    const set = (key) => (e) => { d[key] = e.target.value; w.refresh(); };
    const ids = Object.keys(st.dataSets).sort((a, b) => String(st.dataSets[a].name).localeCompare(st.dataSets[b].name));

    // Dataset: new (name and schema) or existing.
    const radio = (value, label, disabled) => {
      const input = h("input", { type: "radio", id: `dataset-mode-${value}`, name: "dataset-mode", value, checked: d.datasetMode === value, disabled });
      input.addEventListener("change", () => { if (input.checked) setMode(value); });
      return h("label.inline", { for: input.id }, input, label);
    };
    const nameInput = h("input#dataset-name", { type: "text", value: d.datasetName, autocomplete: "off", on: { input: set("datasetName") } });
    const schemaSelect = h("select#dataset-schema", { on: { change: set("schemaId") } },
      st.schemas.map((s) => h("option", { value: s.$id, selected: s.$id === d.schemaId }, s.title)));
    const existingSelect = h("select#dataset-existing",
      ids.map((id) => h("option", { value: id, selected: id === d.datasetId }, `${st.dataSets[id].name} (${id})`)));
    const existingSchema = h("p.wz-help#dataset-existing-schema");
    const profile = h("input#opt-profile", { type: "checkbox", role: "switch", checked: d.profile });
    profile.addEventListener("change", () => { d.profile = profile.checked; w.refresh(); });
    const newBox = h("div#dataset-new",
      field("dataset-name", "Dataset name", nameInput),
      field("dataset-schema", "Schema", schemaSelect, "The XDM schema of the dataset's records: the target of the mappings."));
    const existingBox = h("div#dataset-existing-box", field("dataset-existing", "Dataset", existingSelect), existingSchema);

    const pickExisting = (id) => {
      d.datasetId = id;
      const ds = st.dataSets[id];
      existingSchema.textContent = ds ? `Schema: ${schemaTitle(st, ds.schemaRef && ds.schemaRef.id)}` : "";
      d.profile = hasProfileTag(ds);
      profile.checked = d.profile;
      w.refresh();
    };
    existingSelect.addEventListener("change", () => pickExisting(existingSelect.value));
    const setMode = (mode) => {
      d.datasetMode = mode;
      newBox.hidden = mode !== "new";
      existingBox.hidden = mode !== "existing";
      if (mode === "existing") pickExisting(d.datasetId && st.dataSets[d.datasetId] ? d.datasetId : ids[0]);
      w.refresh();
    };

    // Options.
    const percent = h("input#partial-threshold", { type: "number", min: "0", max: "100", step: "any", value: d.partialPercent, on: { input: set("partialPercent") } });
    const partialBox = h("div.wz-sub#partial-box", field("partial-threshold", "Error threshold (%)", percent,
      "The run fails when more than this share of its records fail."));
    const alertBox = h("div.wz-sub#alert-settings", alertSettings(w));
    const sync = () => {
      partialBox.hidden = !d.partial;
      alertBox.hidden = !d.alerts;
    };

    add(body,
      h("h3", "Dataset"),
      h("fieldset.wz-choice", h("legend", "Where the records go"),
        radio("new", "New dataset"), radio("existing", "Existing dataset", ids.length === 0),
        ids.length ? null : h("p.wz-help", "There is no dataset yet.")),
      newBox, existingBox,
      h("h3", "Dataflow"),
      field("flow-name", "Dataflow name", h("input#flow-name", { type: "text", value: d.flowName, autocomplete: "off", on: { input: set("flowName") } })),
      field("flow-description", "Description (optional)", h("textarea#flow-description", { rows: 2, on: { input: set("description") } }, d.description)),
      h("h3", "Options"),
      h("div.wz-options",
        h("div.wz-option", h("label.inline.wz-toggle", { for: "opt-profile" }, profile, "Profile ingestion"),
          h("p.wz-help", "Tags the dataset for Profile, so its records update customer profiles.")),
        h("div.wz-option", toggle("opt-diagnostics", "Error diagnostics", d.diagnostics, (v) => { d.diagnostics = v; w.refresh(); }),
          h("p.wz-help", "Keeps each failed record with its error and raw body.")),
        h("div.wz-option", toggle("opt-partial", "Partial ingestion", d.partial, (v) => { d.partial = v; sync(); w.refresh(); }),
          h("p.wz-help", "Without it one failed record fails the hour's run; with it, the run fails only past a threshold. Valid records are ingested either way."), partialBox),
        h("div.wz-option", toggle("opt-alerts", "Alerts", d.alerts, (v) => { d.alerts = v; sync(); w.refresh(); }),
          h("p.wz-help", "Posts alerts about this dataflow's runs to a webhook."), alertBox)),
      h("h3", "Customer.io signing key"),
      field("signing-key", "Reporting webhook signing key (optional)",
        h("input#signing-key", { type: "password", autocomplete: "off", value: d.signingKey, on: { input: set("signingKey") } }),
        "From Customer.io: Data & Integrations → Reporting Webhooks. sluice then refuses events whose X-CIO-Signature does not match. The key is stored write-only: no one can read it back. Without one, the server's --cio-signing-keys apply, or unsigned events are accepted."));
    if (d.datasetMode === "existing" && !st.dataSets[d.datasetId]) d.datasetMode = "new";
    newBox.hidden = d.datasetMode !== "new";
    existingBox.hidden = d.datasetMode !== "existing";
    if (d.datasetMode === "existing") existingSchema.textContent = `Schema: ${schemaTitle(st, st.dataSets[d.datasetId].schemaRef.id)}`;
    sync();
  }

  function alertSettings(w) {
    const d = w.st.detail;
    const rules = RULES.map((r) => {
      const box = h("input", { type: "checkbox", id: `rule-${r.name}`, checked: !!d.rules[r.name] });
      let threshold = null;
      if (r.threshold) {
        const minutes = r.threshold === "thresholdMinutes";
        const id = minutes ? "rule-delay-minutes" : "rule-error-percent";
        const input = h("input", { id, type: "number", min: "0", step: minutes ? "1" : "any", value: d[r.threshold], disabled: !d.rules[r.name] });
        input.addEventListener("input", () => { d[r.threshold] = input.value; w.refresh(); });
        box.addEventListener("change", () => { input.disabled = !box.checked; });
        threshold = h("div.wz-threshold", h("label", { for: id }, minutes ? "after (minutes)" : "above (%)"), input);
      }
      box.addEventListener("change", () => { d.rules[r.name] = box.checked; w.refresh(); });
      return h("li.wz-rule", h("label.inline", { for: box.id }, box, r.label, " ", h("code.wz-rule-name", r.name)), threshold);
    });
    const url = h("input#alert-url", { type: "url", autocomplete: "off", placeholder: "https://ops.example.com/hooks/sluice", value: d.alertUrl });
    url.addEventListener("input", () => { d.alertUrl = url.value; w.refresh(); });
    const secret = h("input#alert-secret", { type: "password", autocomplete: "off", value: d.alertSecret });
    secret.addEventListener("input", () => { d.alertSecret = secret.value; w.refresh(); });
    return [
      h("fieldset.wz-choice", h("legend", "Alert me when"), h("ul.wz-rules", rules)),
      field("alert-url", "Webhook URL", url),
      field("alert-secret", "Secret (optional, 16 to 256 characters)", secret,
        "Signs each alert: X-Sluice-Signature is an HMAC-SHA256 keyed with it. Write-only."),
    ];
  }

  // ---- step 3: mapping ----------------------------------------------------------------------------

  function targetFields(schema) {
    const out = [];
    const walk = (props, prefix) => {
      for (const [k, p] of Object.entries(props || {})) {
        const path = prefix + k;
        const type = p["meta:xdmType"] || (p.format === "date-time" ? "date-time" : p.type);
        if (p.type === "object" && p.properties) walk(p.properties, path + ".");
        else out.push({ path, type, description: p.description || "" });
        if (p.type === "array" && p.items && p.items.properties) walk(p.items.properties, path + "[*].");
      }
    };
    walk(schema.properties, "");
    return out;
  }

  // Whether a destination path names a field of the schema ("a.b", "list[0].x", anything in a map).
  function knownTarget(schema, path) {
    let node = { type: "object", properties: schema.properties };
    for (const part of path.split(".")) {
      if (node["meta:xdmType"] === "map") return true;
      const m = /^([^[\]]+)((?:\[(?:\d+|\*)\])*)$/.exec(part);
      if (!m || !node.properties || !Object.prototype.hasOwnProperty.call(node.properties, m[1])) return false;
      node = node.properties[m[1]];
      for (let i = 0; i < (m[2].match(/\[/g) || []).length; i++) {
        if (node.type !== "array") return false;
        node = node.items || {};
      }
    }
    return true;
  }

  function identityFields(schema, descriptors) {
    const list = (schema["sluice:identities"] || []).map((i) => i["xdm:sourceProperty"]);
    for (const desc of (descriptors && descriptors["xdm:descriptorIdentity"]) || []) {
      if (desc["xdm:sourceSchema"] === schema.$id) list.push(desc["xdm:sourceProperty"]);
    }
    return new Set(list.filter(Boolean).map((p) => p.replace(/^\//, "").replace(/\//g, ".")));
  }

  async function prefillMappings(st, key) {
    const schemaId = targetSchemaId(st);
    const [schema, rec, descriptors] = await Promise.all([
      api("GET", `${P.schemas}/${encodeURIComponent(schemaId)}`),
      api("POST", P.recommend, { source: st.source.rows[0], targetSchemaId: schemaId }),
      api("GET", P.descriptors),
    ]);
    const targets = targetFields(schema);
    const names = new Set(targets.map((t) => t.path));
    const mandatory = MANDATORY.filter((f) => names.has(f));
    const m = {
      key, schema, targets,
      identities: identityFields(schema, descriptors),
      required: [...new Set([...mandatory, ...(schema.required || [])])],
      missingMandatory: MANDATORY.filter((f) => !names.has(f)),
      rows: [],
      filter: "all",
    };
    for (const r of rec.mappings || []) m.rows.push(newRow(st, r.sourceType || "ATTRIBUTE", r.source, r.destination));
    // sluice's own Customer.io flow maps event_id to _id, so that a record's id is its event id;
    // the recommendations leave _id out, and the preview then reports it missing.
    if (names.has("_id") && !m.rows.some((r) => r.destination === "_id") && "event_id" in st.source.rows[0]) {
      m.rows.unshift(newRow(st, "ATTRIBUTE", "event_id", "_id"));
    }
    st.mapping = m;
  }

  function newRow(st, sourceType, source, destination) {
    return { key: st.nextKey++, sourceType, source: source || "", destination: destination || "", exprError: null, previewIssue: "" };
  }

  function toMapping(r) {
    return { sourceType: r.sourceType, source: r.source, destination: r.destination };
  }

  // The row's blocking error, or "".
  function rowError(m, r) {
    if (!r.source) return r.sourceType === "EXPRESSION" ? "Enter an expression." : "Choose a source field.";
    if (!r.destination) return "Choose a target field.";
    if (!knownTarget(m.schema, r.destination)) return `“${r.destination}” is not a field of the schema.`;
    if (r.exprError) return `Expression: ${r.exprError.error} (line ${r.exprError.line}, column ${r.exprError.column}).`;
    return "";
  }

  function rowWarning(st, r) {
    if (r.previewIssue) return r.previewIssue;
    if (r.sourceType === "ATTRIBUTE" && r.source && st.source && !sourcePaths(st.source.fields).includes(r.source)) {
      return "Not in the sample (fine when other event types carry it).";
    }
    return "";
  }

  // validate -> {ok:true} or {ok:false, error, line, column}; a 400 with a report is an answer.
  async function validateExpression(expression) {
    try {
      await api("POST", P.validate, { expression });
      return { ok: true };
    } catch (e) {
      const b = e instanceof Sluice.ApiError && e.status === 400 ? e.body : null;
      if (b && b.validationStatus === "failed") return { ok: false, error: b.error, line: b.line || 1, column: b.column || 1 };
      throw e;
    }
  }

  const FILTERS = [
    { id: "all", label: "All", test: () => true },
    { id: "required", label: "Required", test: (m, r) => m.required.includes(r.destination) },
    { id: "identity", label: "Identity", test: (m, r) => m.identities.has(r.destination) },
    { id: "mapped", label: "Mapped", test: (m, r) => !r.error },
    { id: "unmapped", label: "Unmapped", test: (m, r) => !r.source || !r.destination },
    { id: "errors", label: "Fields with errors", test: (m, r) => !!r.error },
  ];

  async function renderMapping(w, body) {
    const st = w.st;
    const key = mappingKey(st);
    if (!st.mapping || st.mapping.key !== key || !st.functions) {
      body.appendChild(h("p.muted#mapping-loading", { role: "status" }, "Loading the schema and the recommended mappings…"));
      const refill = !st.mapping || st.mapping.key !== key;
      const hadRows = !!(st.mapping && st.mapping.rows.length);
      await Promise.all([
        refill ? prefillMappings(st, key) : null,
        st.functions ? null : api("GET", P.functions).then((f) => { st.functions = f; }),
      ]);
      if (!w.current(body)) return;
      clear(body);
      if (refill && hadRows) st.mapping.note = "The sample or the schema changed: the mappings were recommended again.";
    }
    new MappingView(w, body).render();
  }

  // The mapping step's view: rows are updated in place, so typing never loses focus.
  class MappingView {
    constructor(w, body) {
      this.w = w;
      this.st = w.st;
      this.m = w.st.mapping;
      this.body = body;
    }

    render() {
      const m = this.m;
      const st = this.st;
      this.counters = {};
      const counter = (id, label) => {
        const num = h("span.wz-count-num", { id: `count-${id}` });
        this.counters[id] = num;
        return h("div.wz-counter", num, h("span.wz-count-label", label));
      };
      this.warnings = h("div#map-warnings");
      this.list = h("ul.wz-maps#map-rows", { "aria-label": "Mappings" });
      this.unmapped = h("div#unmapped-sources");
      this.filterButtons = FILTERS.map((f) => h("button.wz-filter", {
        type: "button", "data-filter": f.id, "aria-pressed": String(m.filter === f.id),
        on: { click: () => this.setFilter(f.id) },
      }, f.label));
      this.editor = new ExpressionEditor(this);
      this.previewBox = h("div#mapping-preview", { "aria-live": "polite" });

      add(this.body,
        h("p", "Map the sample's fields to the fields of ", h("strong", schemaTitle(st, m.schema.$id)),
          ". Recommended mappings are filled in; change, add or remove them."),
        m.note ? h("p.note", m.note) : null,
        m.missingMandatory.length ? h("p.note", `This schema has no ${m.missingMandatory.join(", ")}: AEP's Customer.io tutorial maps them.`) : null,
        h("div.wz-counters#map-counters", counter("mapped", "Mapped fields"), counter("required", "Required fields"),
          counter("identity", "Identity fields"), counter("errors", "Errors")),
        this.warnings,
        h("div.wz-filters", { role: "group", "aria-label": "Show mappings" }, this.filterButtons),
        h("div.row.wz-map-actions",
          h("button.secondary#add-mapping", { type: "button", on: { click: () => this.addRow("ATTRIBUTE", "", "", true) } }, "Add new field"),
          h("button.secondary#add-calculated", { type: "button", on: { click: (e) => this.editor.open(null, e.currentTarget) } }, "Add calculated field"),
          h("button.link#reset-mappings", { type: "button", on: { click: () => this.reset() } }, "Recommend again")),
        h("div.wz-map-head", { "aria-hidden": "true" }, h("span", "Source"), h("span"), h("span", "Target field"), h("span")),
        this.list, this.unmapped,
        this.editor.el,
        h("section.wz-preview",
          h("h3", "Preview"),
          h("p.wz-help", "The mapped records for the sample, as the dataflow will write them."),
          h("button.secondary#preview-run", { type: "button", on: { click: () => this.preview() } }, "Preview data"),
          this.previewBox),
        h("datalist#source-fields", sourcePaths(st.source.fields).map((p) => h("option", { value: p }))),
        h("datalist#target-fields", m.targets.map((t) => h("option", { value: t.path }, `${t.path} (${t.type})`))));
      for (const r of m.rows) this.list.appendChild(this.rowEl(r));
      this.update();
      this.checkExpressions();
      this.preview();
    }

    rowEl(r) {
      const src = `map-src-${r.key}`;
      const dst = `map-dst-${r.key}`;
      let source;
      if (r.sourceType === "EXPRESSION") {
        r.codeEl = h("code.wz-expr", r.source);
        source = h("div.wz-cell", h("span.wz-cell-label", "Calculated field"), r.codeEl,
          h("button.link.wz-edit", {
            type: "button", "aria-label": "Edit the calculated field", on: { click: (e) => this.editor.open(r, e.currentTarget) },
          }, "Edit"));
      } else {
        const input = h("input", { id: src, type: "text", list: "source-fields", value: r.source, autocomplete: "off", spellcheck: false });
        input.addEventListener("input", () => { r.source = input.value.trim(); r.previewIssue = ""; this.changed(); });
        r.srcInput = input;
        source = h("div.wz-cell", h("label.wz-cell-label", { for: src }, "Source field"), input);
      }
      const target = h("input", { id: dst, type: "text", list: "target-fields", value: r.destination, autocomplete: "off", spellcheck: false });
      target.addEventListener("input", () => { r.destination = target.value.trim(); r.previewIssue = ""; this.changed(); });
      r.dstInput = target;
      r.flagsEl = h("span.wz-flags");
      r.msgEl = h("p.wz-row-msg", { id: `map-msg-${r.key}` });
      target.setAttribute("aria-describedby", r.msgEl.id);
      if (r.srcInput) r.srcInput.setAttribute("aria-describedby", r.msgEl.id);
      r.el = h("li.wz-map", { "data-testid": "mapping-row", "data-key": String(r.key) },
        source, h("span.wz-arrow", { "aria-hidden": "true" }, "→"),
        h("div.wz-cell", h("label.wz-cell-label", { for: dst }, "Target field"), target),
        h("div.wz-cell.wz-row-end", r.flagsEl,
          h("button.danger.wz-remove", { type: "button", "aria-label": "Remove this mapping", on: { click: () => this.removeRow(r) } }, "Remove")),
        r.msgEl);
      return r.el;
    }

    // Recompute every row's state, the counters, the warnings and the wizard's Next button.
    update() {
      const m = this.m;
      for (const r of m.rows) {
        r.error = rowError(m, r);
        const warn = r.error ? "" : rowWarning(this.st, r);
        r.el.dataset.destination = r.destination;
        r.el.classList.toggle("wz-bad", !!r.error);
        r.el.classList.toggle("wz-warn", !!warn);
        r.msgEl.textContent = r.error || warn;
        r.msgEl.className = "wz-row-msg " + (r.error ? "error" : "wz-warning");
        if (r.dstInput) r.dstInput.setAttribute("aria-invalid", String(!!r.error && !!r.source));
        clear(r.flagsEl);
        if (m.required.includes(r.destination)) r.flagsEl.appendChild(h("span.badge.warn", "Required"));
        if (m.identities.has(r.destination)) r.flagsEl.appendChild(h("span.badge.ok", "Identity"));
        if (r.codeEl) r.codeEl.textContent = r.source;
        const f = FILTERS.find((x) => x.id === m.filter);
        r.el.hidden = !f.test(m, r);
      }
      const good = m.rows.filter((r) => !r.error);
      const mappedTargets = new Set(good.map((r) => r.destination));
      const missing = m.required.filter((f) => !mappedTargets.has(f));
      this.counters.mapped.textContent = String(good.length);
      this.counters.required.textContent = `${m.required.length - missing.length}/${m.required.length}`;
      this.counters.identity.textContent = String([...m.identities].filter((f) => mappedTargets.has(f)).length);
      this.counters.errors.textContent = String(m.rows.length - good.length);
      this.counters.errors.parentNode.classList.toggle("wz-bad", good.length !== m.rows.length);
      this.drawWarnings(missing, mappedTargets);
      this.drawUnmapped();
      this.w.refresh();
    }

    changed() {
      if (this.previewBox.firstChild && !this.previewBox.querySelector(".wz-stale")) {
        this.previewBox.prepend(h("p.note.wz-stale", "The mappings changed: preview again to see their output."));
      }
      this.update();
    }

    drawWarnings(missing, mappedTargets) {
      clear(this.warnings);
      const items = missing.map((f) => h("li", { "data-field": f },
        h("code", f), f === "cio_id"
          ? " is not mapped. That is right when the webhook runs in Customer.io's test mode, which does not send cio_id. "
          : " is not mapped. ",
        h("button.link", { type: "button", "aria-label": `Map ${f}`, on: { click: () => this.addRow("ATTRIBUTE", this.guessSource(f), f, true) } }, "Map it")));
      if (items.length) {
        this.warnings.appendChild(h("div.wz-warnbox", { role: "status" },
          h("strong", `${plural(missing.length, "mandatory field")} not mapped:`), h("ul", items)));
      } else if (mappedTargets.has("cio_id")) {
        this.warnings.appendChild(h("p.wz-help#cio-note", "Every mandatory field is mapped. Customer.io's test mode does not send cio_id: remove that mapping while the webhook runs in test mode."));
      }
    }

    // With the Unmapped filter: the sample's fields that no mapping reads.
    drawUnmapped() {
      clear(this.unmapped);
      if (this.m.filter !== "unmapped") return;
      const used = new Set(this.m.rows.map((r) => r.source));
      const free = sourcePaths(this.st.source.fields).filter((p) => !used.has(p));
      add(this.unmapped, h("h3", "Sample fields no mapping reads"),
        free.length ? h("ul.wz-free", free.map((p) => h("li", h("code", p), " ",
          h("button.link", { type: "button", "aria-label": `Map ${p}`, on: { click: () => this.addRow("ATTRIBUTE", p, "", false) } }, "Map it"))))
          : h("p.muted", "None: every field of the sample is mapped."));
    }

    // A sample field whose last name is the target's (cio_id -> data.identifiers.cio_id).
    guessSource(target) {
      return sourcePaths(this.st.source.fields).find((p) => p === target || p.endsWith("." + target)) || "";
    }

    setFilter(id) {
      this.m.filter = id;
      this.filterButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === id)));
      this.update();
    }

    addRow(sourceType, source, destination, focusSource) {
      const r = newRow(this.st, sourceType, source, destination);
      this.m.rows.push(r);
      this.list.appendChild(this.rowEl(r));
      // The new row must show whatever it holds.
      if (this.m.filter !== "all") this.setFilter("all");
      this.changed();
      const input = focusSource && !source ? r.srcInput : r.dstInput;
      if (input) input.focus();
      return r;
    }

    removeRow(r) {
      const i = this.m.rows.indexOf(r);
      this.m.rows.splice(i, 1);
      r.el.remove();
      if (this.editor.row === r) this.editor.close();
      this.changed();
      const next = this.m.rows[i] || this.m.rows[i - 1];
      (next ? next.el.querySelector("button.wz-remove") : byId("add-mapping")).focus();
    }

    reset() {
      this.st.mapping = null;
      this.w.show(this.st.step);
    }

    async checkExpressions() {
      for (const r of this.m.rows.filter((x) => x.sourceType === "EXPRESSION" && x.source)) {
        try {
          const v = await validateExpression(r.source);
          r.exprError = v.ok ? null : v;
        } catch (e) {
          showError(this.previewBox, e);
        }
      }
      if (this.m.rows.some((x) => x.sourceType === "EXPRESSION")) this.update();
    }

    // POST /mappingSets/preview with the rows that have no error; issues go back to their rows.
    async preview() {
      const box = this.previewBox;
      const sent = this.m.rows.filter((r) => !r.error);
      for (const r of this.m.rows) r.previewIssue = "";
      clear(box);
      if (!sent.length) {
        box.appendChild(h("p.muted", "No valid mapping to preview yet."));
        return;
      }
      box.appendChild(h("p.muted", { role: "status" }, "Previewing…"));
      const token = (this.previewToken = (this.previewToken || 0) + 1);
      let out;
      try {
        out = await api("POST", P.preview, {
          data: this.st.source.rows,
          mappingSet: { outputSchema: { schemaRef: { id: this.m.schema.$id } }, mappings: sent.map(toMapping) },
        });
      } catch (e) {
        if (token === this.previewToken) showError(box, e);
        return;
      }
      if (token !== this.previewToken || !this.w.alive) return;
      for (const res of out) {
        for (const err of res.errors || []) {
          const at = /mappings\[(\d+)\]/.exec(err);
          if (at && sent[Number(at[1])]) sent[Number(at[1])].previewIssue = "Preview: " + err.replace(/^.*?mappings\[\d+\]\s*->\s*/, "");
        }
      }
      const failing = out.filter((r) => (r.errors || []).length).length;
      add(clear(box),
        h("p#preview-summary", `${plural(out.length, "record")} mapped`, failing ? `, ${failing} with problems.` : ", no problem."),
        objectTable(out.map((r) => r.data || {}), {
          title: "Problems",
          cell: (i) => (out[i].errors || []).length ? h("ul.wz-problems", out[i].errors.map((e) => h("li", e))) : "—",
        }));
      this.update();
    }
  }

  // The calculated-field editor: expression, function picker, live validation, target field.
  class ExpressionEditor {
    constructor(view) {
      this.view = view;
      this.row = null;
      this.valid = false;
      this.seq = 0;
      this.title = h("h3#expr-title", "Calculated field");
      this.input = h("textarea#expr-input", { rows: 4, spellcheck: false, autocomplete: "off", "aria-describedby": "expr-status" });
      this.status = h("div#expr-status", { role: "status" });
      this.target = h("input#expr-destination", { type: "text", list: "target-fields", autocomplete: "off", spellcheck: false });
      this.save = h("button.primary#expr-save", { type: "button", on: { click: () => this.apply() } }, "Save calculated field");
      this.input.addEventListener("input", () => this.schedule());
      this.target.addEventListener("input", () => this.syncSave());
      this.el = h("section.card.wz-editor#expr-editor", { hidden: true, "aria-labelledby": "expr-title" },
        this.title,
        h("div.wz-editor-grid",
          h("div",
            field("expr-input", "Expression", this.input),
            this.status,
            field("expr-destination", "Target field", this.target),
            h("div.row", this.save,
              h("button.secondary#expr-cancel", { type: "button", on: { click: () => this.close() } }, "Cancel"))),
          this.picker(view.st.functions || [])));
    }

    picker(functions) {
      const search = h("input#fn-search", { type: "search", autocomplete: "off", placeholder: "Name, category or description" });
      const count = h("p.wz-help#fn-count", { role: "status" });
      const help = h("div.wz-fn-help#fn-help", h("p.muted", "Choose a function to insert it at the cursor."));
      const show = (f) => {
        add(clear(help),
          h("p", h("code", f.syntax || f.function)),
          h("p", f.description || ""),
          f.example ? h("p", "Example: ", h("code", f.example), f.result ? [" → ", h("code", f.result)] : null) : null,
          f.supported === false ? h("p.error", "sluice does not support this function.") : null);
      };
      const items = functions.map((f) => {
        const b = h("button.wz-fn", { type: "button", "data-fn": f.function, disabled: f.supported === false },
          h("span.wz-fn-name", f.function), h("span.wz-fn-cat", f.category));
        b.addEventListener("click", () => { show(f); this.insert(f.function + "("); });
        b.addEventListener("focus", () => show(f));
        b.addEventListener("mouseenter", () => show(f));
        return { f, li: h("li", b) };
      });
      const update = () => {
        const q = search.value.trim().toLowerCase();
        let n = 0;
        for (const it of items) {
          const hit = !q || [it.f.function, it.f.category, it.f.description].join(" ").toLowerCase().includes(q);
          it.li.hidden = !hit;
          if (hit) n++;
        }
        count.textContent = `${plural(n, "function")}${q ? " match" : ""}.`;
      };
      search.addEventListener("input", update);
      update();
      return h("div.wz-picker", field("fn-search", "Search functions", search), count,
        h("ul.wz-fn-list#fn-list", { "aria-label": "Functions" }, items.map((i) => i.li)), help);
    }

    open(row, opener) {
      this.row = row;
      this.opener = opener;
      this.title.textContent = row ? "Edit calculated field" : "New calculated field";
      this.input.value = row ? row.source : "";
      this.target.value = row ? row.destination : "";
      this.el.hidden = false;
      this.validateNow();
      this.input.focus();
    }

    close() {
      this.el.hidden = true;
      this.row = null;
      clearTimeout(this.timer);
      if (this.opener && this.opener.isConnected) this.opener.focus();
    }

    // Inserts text at the cursor (replacing a selection) and validates.
    insert(text) {
      const ta = this.input;
      const start = ta.selectionStart;
      ta.value = ta.value.slice(0, start) + text + ta.value.slice(ta.selectionEnd);
      ta.focus();
      ta.setSelectionRange(start + text.length, start + text.length);
      this.schedule();
    }

    schedule() {
      this.valid = false;
      this.syncSave();
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.validateNow(), VALIDATE_DELAY_MS);
    }

    async validateNow() {
      clearTimeout(this.timer);
      const expr = this.input.value;
      const seq = ++this.seq;
      this.valid = false;
      this.syncSave();
      if (!expr.trim()) {
        this.showStatus(h("p.muted", "Enter an expression, for example upper(metric)."));
        this.input.removeAttribute("aria-invalid");
        return;
      }
      this.showStatus(h("p.muted", "Checking…"));
      let v;
      try {
        v = await validateExpression(expr);
      } catch (e) {
        if (seq === this.seq) showError(this.status, e);
        return;
      }
      if (seq !== this.seq || !this.view.w.alive) return;
      this.valid = v.ok;
      this.input.setAttribute("aria-invalid", String(!v.ok));
      if (v.ok) this.showStatus(h("p.wz-valid#expr-valid", "✓ The expression is valid."));
      else this.showStatus(...this.errorView(expr, v));
      this.syncSave();
    }

    // The message with its position, and the line with the column marked.
    errorView(expr, v) {
      const lines = expr.split("\n");
      const text = lines[v.line - 1] || "";
      const col = Math.max(1, v.column);
      const marked = h("pre.wz-marker#expr-marker", { "aria-hidden": "true" },
        text.slice(0, col - 1), h("mark", text.slice(col - 1, col) || " "), text.slice(col), "\n",
        " ".repeat(col - 1) + "^");
      const offset = lines.slice(0, v.line - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
      return [
        h("p.error#expr-error", h("strong", `Line ${v.line}, column ${v.column}: `), v.error),
        marked,
        h("button.link#expr-goto", {
          type: "button",
          on: { click: () => { this.input.focus(); this.input.setSelectionRange(offset, offset); } },
        }, "Go to the error"),
      ];
    }

    showStatus(...nodes) {
      add(clear(this.status), ...nodes);
    }

    syncSave() {
      this.save.disabled = !(this.valid && this.target.value.trim());
    }

    apply() {
      const source = this.input.value.trim();
      const destination = this.target.value.trim();
      const view = this.view;
      let row = this.row;
      if (row) {
        row.source = source;
        row.destination = destination;
        row.exprError = null;
        if (row.dstInput) row.dstInput.value = destination;
      } else {
        row = view.addRow("EXPRESSION", source, destination, false);
      }
      this.opener = row.el.querySelector(".wz-edit");
      this.close();
      view.changed();
      view.preview();
    }
  }

  // ---- step 4: review and finish ------------------------------------------------------------------

  function renderReview(w, body) {
    const st = w.st;
    const d = st.detail;
    const m = st.mapping;
    const schemaId = targetSchemaId(st);
    const onOff = (v) => (v ? "On" : "Off");
    const dl = (pairs) => h("dl.wz-review", pairs.map(([k, v]) => [h("dt", k), h("dd", v)]));
    const ds = st.dataSets[d.datasetId];
    const rules = RULES.filter((r) => d.rules[r.name]).map((r) =>
      r.threshold === "thresholdMinutes" ? `${r.label} (${d.thresholdMinutes} min)`
        : r.threshold ? `${r.label} (${d.thresholdPercent} %)` : r.label);
    add(body,
      h("h3", "Connection"),
      dl([["Source", "Customer.io (reporting webhooks, streaming)"], ["Sample", st.source.name],
        ["Rows", String(st.source.total)], ["Columns", String(sourcePaths(st.source.fields).length)],
        ["Signing key", d.signingKey ? "Set (write-only)" : "None"]]),
      h("h3", "Dataset and schema"),
      dl([["Dataset", d.datasetMode === "new" ? `${d.datasetName.trim()} (new)` : `${ds.name} (${d.datasetId})`],
        ["Schema", schemaTitle(st, schemaId)], ["Profile ingestion", onOff(d.profile)]]),
      h("h3", "Dataflow"),
      dl([["Name", d.flowName.trim()], ["Description", d.description.trim() || "—"]]),
      h("h3", "Options"),
      dl([["Error diagnostics", onOff(d.diagnostics)],
        ["Partial ingestion", d.partial ? `On, error threshold ${d.partialPercent} %` : "Off"],
        ["Alerts", d.alerts ? `${rules.join(", ")} → ${d.alertUrl.trim()}${d.alertSecret ? " (signed)" : ""}` : "Off"]]),
      h("h3", `Mappings (${m.rows.length})`),
      h("div.table-wrap", h("table.wz-data#review-mappings",
        h("thead", h("tr", h("th", { scope: "col" }, "Source"), h("th", { scope: "col" }, "Target field"))),
        h("tbody", m.rows.map((r) => h("tr",
          h("td", r.sourceType === "EXPRESSION" ? [h("span.badge", "calculated"), " ", h("code", r.source)] : h("code", r.source)),
          h("td", h("code", r.destination))))))),
      h("div#finish-area"));
  }

  // What Finish does, in order. Each step's request body is its signature: a step that already
  // succeeded with the same body is not repeated when Finish is pressed again after a failure.
  function finishPlan(st) {
    const d = st.detail;
    const schemaId = targetSchemaId(st);
    const flowName = d.flowName.trim();
    const ids = {};
    const plan = [];
    if (d.datasetMode === "new") {
      plan.push({
        id: "dataset", label: "Create the dataset", what: "dataset",
        body: () => ({
          name: d.datasetName.trim(), schemaRef: { id: schemaId, contentType: XED },
          tags: d.profile ? { unifiedProfile: ["enabled:true"] } : {},
        }),
        run: async (b) => (await api("POST", P.dataSets, b))[0].split("/").pop(),
        done: (id) => { ids.dataSet = id; },
      });
    } else {
      const ds = st.dataSets[d.datasetId];
      const change = d.profile !== hasProfileTag(ds);
      plan.push({
        id: "dataset",
        label: change ? `Turn Profile ingestion ${d.profile ? "on" : "off"} for dataset ${ds.name}` : `Use dataset ${ds.name}`,
        what: change ? "Profile tag changed on dataset" : null,
        body: () => ({ id: d.datasetId, profile: d.profile }),
        run: async () => {
          if (d.profile !== hasProfileTag(ds)) {
            const ops = !d.profile ? [{ op: "remove", path: "/tags/unifiedProfile" }]
              : ds.tags ? [{ op: "add", path: "/tags/unifiedProfile", value: ["enabled:true"] }]
                : [{ op: "add", path: "/tags", value: { unifiedProfile: ["enabled:true"] } }];
            await api("PATCH", `${P.dataSets}/${encodeURIComponent(d.datasetId)}`, ops);
            ds.tags = Object.assign({}, ds.tags);
            if (d.profile) ds.tags.unifiedProfile = ["enabled:true"];
            else delete ds.tags.unifiedProfile;
          }
          return d.datasetId;
        },
        done: (id) => { ids.dataSet = id; },
      });
    }
    plan.push({
      id: "source", label: "Create the source connection", what: "source connection",
      body: () => {
        const b = { name: `${flowName}: Customer.io source`, connectionSpec: { id: CIO_SPEC, version: "1.0" }, data: { format: "json" } };
        if (d.signingKey) b.params = { signingKeys: [d.signingKey] };
        return b;
      },
      run: async (b) => (await api("POST", P.sources, b)).id,
      done: (id) => { ids.source = id; },
    });
    plan.push({
      id: "target", label: "Create the target connection", what: "target connection",
      body: () => ({
        name: `${flowName}: dataset target`, connectionSpec: { id: LAKE_SPEC, version: "1.0" },
        data: { format: "parquet_xdm", schema: { id: schemaId, version: XED } },
        params: { dataSetId: ids.dataSet },
      }),
      run: async (b) => (await api("POST", P.targets, b)).id,
      done: (id) => { ids.target = id; },
    });
    plan.push({
      id: "mapping", label: "Create the mapping set", what: "mapping set",
      body: () => ({ outputSchema: { schemaRef: { id: schemaId, contentType: XED } }, mappings: st.mapping.rows.map(toMapping) }),
      run: async (b) => {
        const res = await api("POST", P.mappingSets, b);
        return { id: res.id, version: res.version || 0 };
      },
      done: (v) => { ids.mapping = v; },
    });
    plan.push({
      id: "flow", label: "Create the dataflow", what: "dataflow",
      body: () => {
        const options = { errorDiagnosticsEnabled: d.diagnostics };
        if (d.partial) options.partialIngestionPercent = Number(d.partialPercent);
        return {
          name: flowName, description: d.description.trim(),
          flowSpec: { id: FLOW_SPEC, version: "1.0" },
          sourceConnectionIds: [ids.source], targetConnectionIds: [ids.target],
          transformations: [{ name: "Mapping", params: { mappingId: ids.mapping.id, mappingVersion: ids.mapping.version } }],
          options,
        };
      },
      run: async (b) => (await api("POST", P.flows, b)).id,
      done: (id) => { ids.flow = id; },
    });
    if (d.alerts) {
      plan.push({
        id: "alerts", label: "Subscribe to alerts", what: "alert subscription",
        body: () => {
          const rules = RULES.filter((r) => d.rules[r.name]).map((r) =>
            r.threshold ? { name: r.name, [r.threshold]: Number(d[r.threshold]) } : r.name);
          const b = { flowId: ids.flow, url: d.alertUrl.trim(), rules };
          if (d.alertSecret) b.secret = d.alertSecret;
          return b;
        },
        run: async (b) => (await api("POST", P.subscriptions, b)).id,
        done: () => {},
      });
    }
    return { plan, ids };
  }

  async function finish(w) {
    const st = w.st;
    const area = byId("finish-area");
    const { plan, ids } = finishPlan(st);
    const marks = new Map();
    const progress = h("ol.wz-progress#finish-progress", plan.map((s) => {
      const badge = h("span.badge", "Waiting");
      const note = h("span.wz-prog-note");
      marks.set(s.id, { badge, note });
      return h("li", { "data-step": s.id }, badge, " ", s.label, " ", note);
    }));
    const errors = h("div#finish-error");
    add(clear(area), h("h3", "Creating"), progress, errors);
    w.busy(true);
    for (const s of plan) {
      const mark = marks.get(s.id);
      mark.badge.textContent = "Working…";
      mark.badge.className = "badge warn";
      const body = s.body();
      const sig = JSON.stringify(body);
      const prev = st.created[s.id];
      try {
        const result = prev && prev.sig === sig ? prev.result : await s.run(body);
        st.created[s.id] = { sig, result, what: s.what };
        s.done(result);
        mark.badge.textContent = prev && prev.sig === sig ? "Done before" : "Done";
        mark.badge.className = "badge ok";
        mark.note.textContent = typeof result === "object" ? result.id : result;
      } catch (e) {
        mark.badge.textContent = "Failed";
        mark.badge.className = "badge bad";
        w.busy(false);
        showError(errors, e);
        const made = Object.values(st.created).filter((c) => c.what);
        errors.appendChild(h("p#finish-created", made.length
          ? ["Already created: ", made.map((c) => `${c.what} ${typeof c.result === "object" ? c.result.id : c.result}`).join(", "),
            ". Press Finish to try again: these are reused as long as their settings stay the same."]
          : "Nothing was created. Fix the problem and press Finish again."));
        return;
      }
    }
    Sluice.go(`/dataflows/${encodeURIComponent(ids.flow)}`);
  }

  // ---- the wizard shell ---------------------------------------------------------------------------

  const STEPS = [
    { id: "select", title: "Select data", render: renderSelect, check: checkSelect },
    { id: "detail", title: "Dataflow detail", render: renderDetail, check: checkDetail },
    { id: "mapping", title: "Mapping", render: renderMapping, check: checkMapping },
    { id: "review", title: "Review", render: renderReview, check: () => "" },
  ];

  async function wizardPage(params, container) {
    const [dataSets, schemas] = await Promise.all([api("GET", P.dataSets), api("GET", P.schemas)]);
    const st = newState(dataSets || {}, schemas.results || []);
    const stepButtons = STEPS.map((s, i) => h("button.wz-step", {
      type: "button", "data-step": s.id, on: { click: () => w.show(i) },
    }, h("span.wz-step-num", String(i + 1)), s.title));
    const back = h("button.secondary#wizard-back", { type: "button", on: { click: () => w.show(st.step - 1) } }, "Back");
    const reason = h("p.wz-reason#wizard-reason", { "aria-live": "polite" });
    const next = h("button.primary#wizard-next", { type: "button", "aria-describedby": "wizard-reason", on: { click: () => w.show(st.step + 1) } }, "Next");
    const fin = h("button.primary#wizard-finish", { type: "button", hidden: true, on: { click: () => finish(w) } }, "Finish");
    const stepBox = h("section.card.wz-body#wizard-step", { "aria-labelledby": "wizard-step-title" });
    const errorBox = h("div#wizard-error");
    let busy = false;

    const w = {
      st,
      alive: true,
      loadToken: 0,
      current: (body) => w.alive && body === w.body,
      // Earlier steps always open; a later one when every step before it is complete.
      reachable: (i) => i <= st.step || (i <= st.maxStep + 1 && STEPS.slice(0, i).every((s) => !s.check(st))),
      refresh() {
        const why = STEPS[st.step].check(st);
        next.disabled = busy || !!why;
        reason.textContent = why;
        back.disabled = busy || st.step === 0;
        fin.disabled = busy;
        stepButtons.forEach((b, i) => {
          b.disabled = busy || !w.reachable(i);
          if (i === st.step) b.setAttribute("aria-current", "step");
          else b.removeAttribute("aria-current");
          b.classList.toggle("done", i < st.step);
        });
      },
      busy(on) {
        busy = on;
        w.refresh();
      },
      async show(i) {
        if (i < 0 || i >= STEPS.length || !w.reachable(i)) return;
        st.step = i;
        st.maxStep = Math.max(st.maxStep, i);
        next.hidden = i === STEPS.length - 1;
        fin.hidden = !next.hidden;
        const title = h("h2#wizard-step-title", { tabindex: "-1" }, `${i + 1}. ${STEPS[i].title}`);
        const body = h("div.wz-step-body");
        w.body = body;
        add(clear(stepBox), title, body);
        clear(errorBox);
        w.refresh();
        title.focus();
        try {
          await STEPS[i].render(w, body);
        } catch (e) {
          if (w.current(body)) showError(errorBox, e);
        }
        if (w.current(body)) w.refresh();
      },
    };

    add(container,
      h("h1", "Add data: Customer.io"),
      h("nav.wz-steps", { "aria-label": "Wizard steps" }, h("ol", stepButtons.map((b) => h("li", b)))),
      errorBox, stepBox,
      h("div.wz-nav", back, reason, next, fin));
    await w.show(0);
    return () => { w.alive = false; };
  }

  Sluice.route("/sources", catalogPage);
  Sluice.route(WIZARD_PATH, wizardPage);
})();
