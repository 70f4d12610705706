/**
 * The observer's page: one static HTML document with its style and script inline (no build chain, no
 * dependency, nothing fetched from elsewhere). It reads the token from its own URL, listens to
 * `/events` (server-sent events) and renders with `textContent` only, so no value from the tree can
 * inject markup.
 */
export const OBSERVER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dspex observer</title>
<style>
  :root { --bg:#0f1419; --panel:#171d24; --line:#2a323c; --text:#dfe6ee; --dim:#8b98a5; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:baseline; gap:16px; padding:12px 20px; border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; }
  header .dim { color:var(--dim); }
  #conn { margin-left:auto; font-size:12px; }
  main { display:grid; grid-template-columns: max-content minmax(0, 1fr); gap:16px; padding:16px 20px; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; overflow-x:auto; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 10px; }
  ul.tree, ul.tree ul { list-style:none; margin:0; padding-left:16px; }
  ul.tree { padding-left:0; }
  .node { display:flex; gap:8px; align-items:center; padding:3px 0; white-space:nowrap; }
  .badge { font-size:11px; padding:1px 7px; border-radius:10px; border:1px solid var(--line); }
  .s-running { color:var(--ok); border-color:var(--ok); }
  .s-restarting, .s-starting { color:var(--warn); border-color:var(--warn); }
  .s-failed, .s-stopped { color:var(--bad); border-color:var(--bad); }
  .kind { color:var(--dim); font-size:12px; }
  table { border-collapse:collapse; width:100%; font-variant-numeric: tabular-nums; }
  th, td { text-align:right; padding:5px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th:first-child, td:first-child { text-align:left; }
  th { color:var(--dim); font-weight:500; font-size:12px; }
  td.errors, td.extra { text-align:left; font-size:12px; color:var(--dim); white-space:normal; min-width:70px; }
  .b-open { color:var(--bad); } .b-halfOpen, .b-half_open { color:var(--warn); } .b-closed { color:var(--ok); }
  button { background:#21262d; color:var(--text); border:1px solid var(--line); border-radius:6px; padding:3px 9px; cursor:pointer; font-size:12px; }
  button:hover { border-color:var(--accent); }
  button.danger:hover { border-color:var(--bad); color:var(--bad); }
  #events { list-style:none; margin:0; padding:0; max-height:260px; overflow:auto; font:12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
  #events li { padding:2px 0; border-bottom:1px dashed var(--line); }
  #events .t { color:var(--dim); margin-right:8px; }
  .e-restart { color:var(--warn); } .e-give_up, .e-crash, .e-system_failed { color:var(--bad); } .e-breaker { color:var(--accent); } .e-fallback { color:#bc8cff; }
  .wide { grid-column: 1 / -1; }
</style>
</head>
<body>
<header><h1>dspex observer</h1><span class="dim" id="summary"></span><span id="conn" class="dim">connecting…</span></header>
<main>
  <section><h2>Supervision tree</h2><ul class="tree" id="tree"></ul></section>
  <section><h2>Clients</h2>
    <table id="clients"><thead><tr>
      <th>client</th><th>calls/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>ok</th><th>errors by code</th>
      <th>breaker</th><th>cache hit</th><th>entries</th><th>queued</th><th>in flight</th><th>retries</th><th>redelivered</th><th>limits · usage · cost</th><th></th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section class="wide"><h2>Events</h2><ul id="events"></ul></section>
</main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const q = (path) => path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const kid of kids) e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return e;
};
const KNOWN = new Set(["name","type","status","restarts","strategy","children","threadId","breaker","provider","model","stats"]);
const KNOWN_STATS = new Set(["inFlight","queued","ok","errors","cacheHits","cacheMisses","cacheEntries","retries","upstreamErrors","redelivered"]);
const fmt = (v) => v === undefined || v === null ? "–" : typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(2)) : typeof v === "object" ? JSON.stringify(v) : String(v);

function renderNode(node) {
  const li = el("li", {});
  const row = el("div", { class: "node", "data-node": node.name, "data-status": node.status, "data-restarts": String(node.restarts) },
    el("strong", {}, node.name),
    el("span", { class: "kind" }, node.type === "client" ? (node.provider || "") + "/" + (node.model || "") : node.type + (node.strategy ? " · " + node.strategy : "")),
    el("span", { class: "badge s-" + node.status }, node.status),
    el("span", { class: "kind", "data-field": "restarts" }, "restarts " + node.restarts));
  if (node.type === "client") row.append(el("span", { class: "kind" }, "thread " + node.threadId));
  li.append(row);
  if (node.children && node.children.length) {
    const ul = el("ul", {});
    for (const child of node.children) ul.append(renderNode(child));
    li.append(ul);
  }
  return li;
}

function* clients(node) {
  if (node.stats) yield node;
  for (const child of node.children || []) yield* clients(child);
}

function extras(node) {
  const parts = [];
  for (const [k, v] of Object.entries(node)) if (!KNOWN.has(k)) parts.push(k + " " + fmt(v));
  for (const [k, v] of Object.entries(node.stats || {})) if (!KNOWN_STATS.has(k)) parts.push(k + " " + fmt(v));
  return parts.join(" · ") || "–";
}

function renderClients(snapshot) {
  const body = document.querySelector("#clients tbody");
  const rows = [];
  for (const node of clients(snapshot.tree)) {
    const s = node.stats, r = snapshot.clients[node.name] || {};
    const lat = r.latencyMs || {};
    const errors = Object.entries(s.errors).filter(([, n]) => n).map(([c, n]) => c + " " + n).join(", ") || "–";
    const cell = (field, value, cls) => el("td", { "data-field": field, class: cls || "" }, value);
    const kill = el("button", { class: "danger", "data-action": "kill", "data-client": node.name, title: "kill the worker thread (a crash)" }, "kill");
    const clear = el("button", { "data-action": "clear-cache", "data-client": node.name, title: "remove every cache entry" }, "clear cache");
    kill.onclick = () => act("kill", node.name);
    clear.onclick = () => act("clear-cache", node.name);
    rows.push(el("tr", { "data-client": node.name },
      cell("name", node.name), cell("callsPerSecond", fmt(r.callsPerSecond)),
      cell("p50", fmt(lat.p50)), cell("p90", fmt(lat.p90)), cell("p99", fmt(lat.p99)),
      cell("ok", fmt(s.ok)), cell("errors", errors, "errors"),
      cell("breaker", node.breaker, "b-" + node.breaker),
      cell("cacheHitRatio", r.cacheHitRatio === undefined ? "–" : (r.cacheHitRatio * 100).toFixed(1) + "% (" + s.cacheHits + "/" + (s.cacheHits + s.cacheMisses) + ")"),
      cell("cacheEntries", fmt(s.cacheEntries)), cell("queued", fmt(s.queued)), cell("inFlight", fmt(s.inFlight)),
      cell("retries", fmt(s.retries)), cell("redelivered", fmt(s.redelivered)),
      cell("extra", extras(node), "extra"),
      el("td", {}, kill, " ", clear)));
  }
  body.replaceChildren(...rows);
}

let last;
function render(snapshot) {
  last = snapshot;
  document.getElementById("tree").replaceChildren(renderNode(snapshot.tree));
  renderClients(snapshot);
  const n = [...clients(snapshot.tree)].length;
  document.getElementById("summary").textContent = n + " clients · " + new Date(snapshot.at).toLocaleTimeString();
  document.body.dataset.at = String(snapshot.at);
}

function logEvent(event) {
  const list = document.getElementById("events");
  const { at, type, ...rest } = event;
  const li = el("li", { class: "e-" + type, "data-event": type },
    el("span", { class: "t" }, new Date(at).toLocaleTimeString()), type + " " + JSON.stringify(rest));
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
}

async function act(action, client) {
  const res = await fetch(q("/" + action + "?client=" + encodeURIComponent(client)), { method: "POST" });
  const body = await res.json().catch(() => ({}));
  logEvent({ at: Date.now(), type: "action", action, client, ok: body.ok, result: body.result, code: body.code });
}

const source = new EventSource(q("/events"));
source.addEventListener("snapshot", (e) => render(JSON.parse(e.data)));
source.addEventListener("event", (e) => logEvent(JSON.parse(e.data)));
source.onopen = () => { document.getElementById("conn").textContent = "live"; };
source.onerror = () => { document.getElementById("conn").textContent = "reconnecting…"; };
</script>
</body>
</html>
`;
