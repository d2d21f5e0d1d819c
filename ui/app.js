// SPDX-License-Identifier: Apache-2.0
// ui/app.js: the shell every page builds on: the API client (with the API key when the server
// asks for one), a hash router, small DOM helpers, and formatting. No framework, no build step:
// the files are embedded in the sluice binary and served under /ui/. Pages register with
// Sluice.route(pattern, render) from wizard.js and pages.js; start.js starts the router.
"use strict";

const Sluice = (() => {
  const KEY_STORAGE = "sluice.apiKey";
  const routes = [];
  let cleanup = [];

  // ---- DOM helpers ------------------------------------------------------------------------

  // h("div.card#id", {attrs, on: {click}}, children...) builds an element; strings become text.
  function h(spec, attrs, ...children) {
    if (attrs === null || typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs)) {
      children.unshift(attrs);
      attrs = {};
    }
    const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(spec) || [];
    const el = document.createElement(m[1] || "div");
    for (const part of (m[2] || "").match(/[.#][\w-]+/g) || []) {
      if (part[0] === ".") el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "text") el.textContent = v;
      else if (k in el && typeof v !== "string") el[k] = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  // ---- API ----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title || body.error)) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  function apiKey() {
    return sessionStorage.getItem(KEY_STORAGE) || localStorage.getItem(KEY_STORAGE) || "";
  }

  // api(method, path, body?, {headers, raw}) -> parsed JSON (or text), throws ApiError.
  async function api(method, path, body, opts = {}) {
    const headers = Object.assign({}, opts.headers || {});
    if (body !== undefined && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
    const key = apiKey();
    if (key) headers.Authorization = "Bearer " + key;
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let data = text;
    if ((res.headers.get("Content-Type") || "").includes("json")) {
      try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
    }
    if (res.status === 401) {
      showLogin(data && data.detail);
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    if (opts.withHeaders) return { data, headers: res.headers, status: res.status };
    return data;
  }

  // Flow Service PATCH needs the current etag.
  async function patchFlow(id, ops) {
    const cur = await api("GET", `/data/foundation/flowservice/flows/${encodeURIComponent(id)}`, undefined, { withHeaders: true });
    return api("PATCH", `/data/foundation/flowservice/flows/${encodeURIComponent(id)}`, ops, {
      headers: { "If-Match": cur.headers.get("ETag") || cur.data.items[0].etag },
    });
  }

  // ---- login ----------------------------------------------------------------------------------

  function showLogin(message) {
    const app = document.getElementById("app");
    clear(app);
    const input = h("input#api-key", { type: "password", autocomplete: "off", required: true, "aria-describedby": "login-help" });
    const remember = h("input#remember", { type: "checkbox" });
    const err = h("p.error", { role: "alert" }, message && apiKey() ? "That key was not accepted: " + message : "");
    const form = h("form.card.login", {
      on: {
        submit: async (e) => {
          e.preventDefault();
          sessionStorage.setItem(KEY_STORAGE, input.value.trim());
          if (remember.checked) localStorage.setItem(KEY_STORAGE, input.value.trim());
          else localStorage.removeItem(KEY_STORAGE);
          try {
            await api("GET", "/data/foundation/flowservice/flows?limit=1");
            document.getElementById("logout").hidden = false;
            render();
          } catch (ex) {
            err.textContent = "That key was not accepted: " + ex.message;
          }
        },
      },
    },
    h("h1", "Log in"),
    h("p#login-help", "This sluice server requires an API key. Create one with ",
      h("code", "sluice keys create --name NAME"), " and paste it here."),
    h("label", { for: "api-key" }, "API key"), input,
    h("label.inline", remember, " Remember on this browser"),
    err,
    h("button.primary", { type: "submit" }, "Log in"));
    app.appendChild(form);
    input.focus();
  }

  function logout() {
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
    document.getElementById("logout").hidden = true;
    showLogin();
  }

  // ---- routing --------------------------------------------------------------------------------

  // route("/dataflows/:id", render): render(params, container) may return a cleanup function
  // (or a promise of one), run when the page is left.
  function route(pattern, render) {
    const names = [];
    const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return "([^/]+)"; }) + "$");
    routes.push({ re, names, render, pattern });
  }

  function currentPath() {
    const hash = location.hash.replace(/^#/, "") || "/sources";
    return hash.split("?")[0];
  }

  function query() {
    const q = location.hash.split("?")[1] || "";
    return Object.fromEntries(new URLSearchParams(q));
  }

  function go(path) {
    location.hash = "#" + path;
  }

  async function render() {
    for (const fn of cleanup) { try { fn(); } catch (_) { /* ignore */ } }
    cleanup = [];
    const path = currentPath();
    const app = clear(document.getElementById("app"));
    for (const a of document.querySelectorAll("[data-nav]")) {
      const on = path.startsWith("/" + a.dataset.nav);
      a.classList.toggle("active", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    closeMenu();
    for (const r of routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      const params = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      try {
        const c = await r.render(params, app, query());
        if (typeof c === "function") cleanup.push(c);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return;
        app.appendChild(errorBox(e));
      }
      const heading = app.querySelector("h1");
      if (heading) document.title = heading.textContent + " · sluice";
      return;
    }
    app.appendChild(h("div.card", h("h1", "Not found"), h("p", "No page at ", h("code", path), ".")));
  }

  function onLeave(fn) {
    cleanup.push(fn);
  }

  // ---- small widgets and formats -------------------------------------------------------------------

  function errorBox(e) {
    return h("div.error-box", { role: "alert" }, h("strong", "Error: "), e && e.message ? e.message : String(e));
  }

  function fmtTime(ms) {
    if (ms === null || ms === undefined || ms === "") return "—";
    const d = typeof ms === "number" ? new Date(ms) : new Date(ms);
    if (isNaN(d)) return String(ms);
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/Z$/, " UTC");
  }

  function fmtNum(n) {
    if (n === null || n === undefined) return "—";
    return Number(n).toLocaleString("en-US");
  }

  // A read-only input with a Copy button.
  function copyField(label, value, id) {
    const input = h("input.copy-value", { id, value, readOnly: true, "aria-label": label });
    const btn = h("button.secondary", {
      type: "button",
      on: {
        click: async () => {
          input.select();
          try { await navigator.clipboard.writeText(value); } catch (_) { document.execCommand("copy"); }
          btn.textContent = "Copied";
          setTimeout(() => { btn.textContent = "Copy"; }, 1500);
        },
      },
    }, "Copy");
    return h("div.copy", h("label", { for: id }, label), h("div.copy-row", input, btn));
  }

  function status(text) {
    document.getElementById("top-status").textContent = text || "";
  }

  function toggleMenu() {
    const nav = document.getElementById("nav");
    const open = !nav.classList.contains("open");
    nav.classList.toggle("open", open);
    document.getElementById("menu-toggle").setAttribute("aria-expanded", String(open));
  }

  function closeMenu() {
    document.getElementById("nav").classList.remove("open");
    document.getElementById("menu-toggle").setAttribute("aria-expanded", "false");
  }

  function start() {
    document.getElementById("menu-toggle").addEventListener("click", toggleMenu);
    document.getElementById("logout").addEventListener("click", logout);
    document.getElementById("logout").hidden = !apiKey();
    window.addEventListener("hashchange", render);
    render();
  }

  return { h, append, clear, api, ApiError, patchFlow, route, go, render, query, onLeave, errorBox,
           fmtTime, fmtNum, copyField, status, start, apiKey };
})();
