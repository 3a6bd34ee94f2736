namespace Omnibus.Server.Http;

/// <summary>
/// The dashboard: one self-contained page (no CDN) that polls the JSON API every second. Every number sits in an element
/// with a stable id or data attribute (<c>tr[data-topic]</c>, <c>tr[data-group="topic/group"]</c>, <c>td[data-col]</c>,
/// <c>section[data-dlq]</c>, <c>#rate-now</c>) so that tests and scripts can read what it shows. Each dead-letter topic
/// has a replay button (<c>button[data-replay=topic]</c>): after a confirmation naming the count, it posts the HTTP API's
/// replay with <c>?max=</c> the count shown, so one click moves at most what the user saw (as <c>omnibus dlq replay --max</c>),
/// and reports in <c>#replay-status</c>.
/// </summary>
internal static class DashboardPage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Omnibus</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
  #status { color: #5b6475; } #status[data-state="error"] { color: #b3261e; font-weight: 600; }
  table { border-collapse: collapse; background: #fff; min-width: 40rem; }
  th, td { padding: .3rem .7rem; border-bottom: 1px solid #e3e6eb; text-align: left; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  th { background: #eceff3; font-weight: 600; }
  .empty td { color: #8a93a3; font-style: italic; }
  svg { background: #fff; border: 1px solid #e3e6eb; }
  #rate-now { font-weight: 600; }
  .err { color: #b3261e; }
  /* Long error messages and bodies wrap inside the page instead of widening it. */
  #dead-letters table { table-layout: fixed; width: 100%; min-width: 0; }
  #dead-letters td { overflow-wrap: anywhere; vertical-align: top; }
  #dead-letters th:nth-child(1) { width: 12rem; } #dead-letters th:nth-child(2) { width: 7rem; }
  #dead-letters th:nth-child(3) { width: 14rem; } #dead-letters th:nth-child(5) { width: 5rem; }
  section[data-dlq] h3 { display: flex; gap: .8rem; align-items: center; font-size: .95rem; }
  #replay-status[data-state="error"] { color: #b3261e; font-weight: 600; }
</style>
</head>
<body>
<h1>Omnibus</h1>
<div id="status" data-state="loading">connecting…</div>

<h2>Topics</h2>
<table id="topics"><thead><tr><th>topic</th><th class="n">stored</th><th class="n">published</th><th class="n">rate (msg/s)</th></tr></thead><tbody></tbody></table>

<h2>Consumer groups</h2>
<table id="groups"><thead><tr><th>topic</th><th>group</th><th class="n">lag</th><th class="n">in flight</th><th class="n">dead-lettered</th><th class="n">members</th></tr></thead><tbody></tbody></table>

<h2>Throughput <span id="rate-now" data-rate="0">0</span> msg/s</h2>
<svg id="chart" width="720" height="160" viewBox="0 0 720 160" role="img" aria-label="publish rate, last two minutes"></svg>

<h2>Dead letters</h2>
<div id="replay-status" data-state="idle"></div>
<div id="dead-letters"></div>

<script>
"use strict";
const $ = (id) => document.getElementById(id);
const fmtRate = (r) => r == null ? "–" : r.toFixed(1);

async function post(path) {
  // The header marks the dashboard's own request: a form on another site cannot send it, and a script there would need
  // a CORS preflight the server never grants; only with it does the token cookie authorise a POST.
  const res = await fetch(path, { method: "POST", credentials: "same-origin", cache: "no-store", headers: { "X-Omnibus-Dashboard": "1" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) { throw new Error((body && body.detail) || (res.status + " " + res.statusText)); }
  return body;
}

let replaying = null;
async function replay(topic, count) {
  const dlq = topic + ".dlq";
  if (replaying || !confirm("Replay " + count + " dead letter" + (count === 1 ? "" : "s") + " of " + dlq + " back to " + topic
      + "? Each is published to " + topic + " again (without its error headers), then acknowledged in " + dlq + ".")) { return; }
  replaying = topic;
  const status = $("replay-status");
  status.dataset.state = "running";
  status.textContent = "replaying " + dlq + "…";
  try {
    const result = await post("/v1/topics/" + encodeURIComponent(topic) + "/dlq/replay?max=" + count);
    status.dataset.state = "ok";
    status.dataset.replayed = result.replayed;
    status.textContent = "replayed " + result.replayed + " messages from " + result.deadLetterTopic + " to " + result.topic;
  } catch (e) {
    status.dataset.state = "error";
    status.textContent = "replay of " + dlq + " failed: " + e.message;
  } finally {
    replaying = null;
  }
}

async function get(path) {
  const res = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  const body = await res.json().catch(() => null);
  if (!res.ok) { throw new Error((body && body.detail) || (res.status + " " + res.statusText)); }
  return body;
}

function cell(row, col, value, numeric) {
  const td = document.createElement("td");
  td.dataset.col = col;
  if (numeric) { td.className = "n"; }
  td.textContent = value;
  row.appendChild(td);
}

function fill(tbody, items, columns, empty) {
  tbody.replaceChildren();
  if (items.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    cell(tr, "none", empty, false);
    tbody.appendChild(tr);
    return;
  }
  for (const item of items) {
    const tr = document.createElement("tr");
    columns.attrs(tr, item);
    for (const [col, value, numeric] of columns.cells(item)) { cell(tr, col, value, numeric); }
    tbody.appendChild(tr);
  }
}

function drawChart(points) {
  const svg = $("chart"), ns = "http://www.w3.org/2000/svg", w = 720, h = 160, pad = 24;
  svg.replaceChildren();
  const max = Math.max(1, ...points.map((p) => p.rate));
  const axis = document.createElementNS(ns, "text");
  axis.setAttribute("x", 4); axis.setAttribute("y", 14); axis.setAttribute("font-size", "11");
  axis.textContent = max.toFixed(0) + " msg/s";
  svg.appendChild(axis);
  if (points.length < 2) { return; }
  const step = (w - pad) / 119;
  const x0 = w - step * (points.length - 1);
  const xy = points.map((p, i) => (x0 + i * step).toFixed(1) + "," + (h - 4 - (h - pad) * p.rate / max).toFixed(1));
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("id", "chart-line");
  line.setAttribute("points", xy.join(" "));
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#2f6fde"); line.setAttribute("stroke-width", "2");
  svg.appendChild(line);
}

// Dead letters a replay would move now: what the replay's group (omnibus-replay, as 'omnibus dlq replay') has not taken, or
// everything stored when no replay ran yet.
function waitingForReplay(dlq, groups) {
  const group = groups.find((g) => g.topic === dlq.name && g.group === "omnibus-replay");
  return group ? group.lag : dlq.messages;
}

async function deadLetters(topics, groups) {
  const box = $("dead-letters");
  const dlqs = topics.filter((t) => t.name.endsWith(".dlq"));
  const sections = await Promise.all(dlqs.map(async (t) => {
    const messages = await get("/v1/topics/" + encodeURIComponent(t.name) + "/messages?max=20");
    const section = document.createElement("section");
    section.dataset.dlq = t.name;
    const title = document.createElement("h3");
    const label = document.createElement("span");
    const waiting = waitingForReplay(t, groups);
    label.textContent = t.name + " (" + t.messages + " stored, " + waiting + " waiting for replay)";
    const topic = t.name.slice(0, -".dlq".length);
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.replay = topic;
    button.textContent = "Replay to " + topic;
    button.dataset.waiting = waiting;
    button.disabled = waiting === 0 || replaying !== null;
    button.addEventListener("click", () => replay(topic, waiting));
    title.append(label, button);
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th>id</th><th>key</th><th>error</th><th>message</th><th class=\"n\">attempts</th><th>body</th></tr></thead><tbody></tbody>";
    fill(table.tBodies[0], messages, {
      attrs: (tr, m) => { tr.dataset.message = m.id; },
      cells: (m) => [
        ["id", m.id, false], ["key", m.key || "", false],
        ["error-type", m.headers["omnibus-error-type"] || "", false],
        ["error-message", m.headers["omnibus-error-message"] || "", false],
        ["attempts", m.headers["omnibus-delivery-attempts"] || "", true],
        ["body", m.bodyEncoding === "text" ? m.body.slice(0, 120) : "(" + m.size + " bytes, binary)", false],
      ],
    }, "empty");
    section.append(title, table);
    return section;
  }));
  if (sections.length === 0) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "No dead-letter topics.";
    sections.push(p);
  }
  box.replaceChildren(...sections);
}

let polls = 0;
async function poll() {
  try {
    const [topics, groups, throughput] = await Promise.all([get("/v1/topics"), get("/v1/groups"), get("/v1/throughput")]);
    fill($("topics").tBodies[0], topics, {
      attrs: (tr, t) => { tr.dataset.topic = t.name; },
      cells: (t) => [["name", t.name, false], ["stored", t.messages, true], ["published", t.published, true], ["rate", fmtRate(t.rate), true]],
    }, "No topics yet.");
    fill($("groups").tBodies[0], groups, {
      attrs: (tr, g) => { tr.dataset.group = g.topic + "/" + g.group; },
      cells: (g) => [["topic", g.topic, false], ["group", g.group, false], ["lag", g.lag, true], ["in-flight", g.inFlight, true],
        ["dead-lettered", g.deadLettered, true], ["members", g.members, true]],
    }, "No consumer groups yet.");
    const points = throughput.points;
    const now = points.length ? points[points.length - 1].rate : 0;
    $("rate-now").dataset.rate = now;
    $("rate-now").textContent = now.toFixed(1);
    drawChart(points);
    await deadLetters(topics, groups);
    polls++;
    document.body.dataset.polls = polls;
    $("status").dataset.state = "ok";
    $("status").textContent = "live, updated " + new Date().toLocaleTimeString();
  } catch (e) {
    $("status").dataset.state = "error";
    $("status").textContent = e.message;
  } finally {
    setTimeout(poll, 1000);
  }
}
poll();
</script>
</body>
</html>
""";
}
