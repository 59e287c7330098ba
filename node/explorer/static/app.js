// aichain explorer: hash-routed pages over the explorer server's /api (JSON aggregated from
// the node's REST gateway and CometBFT RPC), refreshed as blocks arrive on /api/live.
// Every value from the chain goes into the page as text (textContent), never as HTML.
"use strict";

const DENOM = "uaic";
const state = { height: 0, charts: [], chartQueue: [], route: "", rendering: false, pending: false, blocksSeen: 0 };
window.explorerState = state; // read by the browser test

// ---- DOM helpers -------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "testid") node.dataset.testid = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const link = (href, text) => el("a", { href }, text);
const short = (s, n = 10) => (s && s.length > 2 * n + 3 ? `${s.slice(0, n)}…${s.slice(-6)}` : s || "");
const fmtInt = (v) => {
  try { return BigInt(v || 0).toLocaleString("en-US"); } catch (e) { return String(v); }
};
const coins = (list) =>
  (list && list.length ? list.map((c) => `${fmtInt(c.amount)} ${c.denom}`).join(", ") : `0 ${DENOM}`);
const uaic = (v) => `${fmtInt(v)} ${DENOM}`;
const enumName = (v, prefix) => String(v || "").replace(prefix, "").toLowerCase();
const tag = (text, cls) => el("span", { class: `tag ${cls || text}` }, text);
const when = (t) => (t ? String(t).replace("T", " ").replace(/\.\d+Z$/, "Z") : "");
const unixTime = (s) => (s && s !== "0" ? new Date(Number(s) * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z" : "");

function addr(a) {
  if (!a) return el("span", { class: "muted" }, "-");
  if (a.startsWith("(")) return el("span", { class: "muted" }, a); // (community), (burn)
  if (a.startsWith("aicvaloper")) return el("span", { class: "mono", title: a }, short(a, 14));
  return el("a", { href: `#/account/${a}`, class: "mono", title: a }, short(a, 12));
}
const blockLink = (h) => link(`#/block/${h}`, String(h));
const txLink = (hash) => el("a", { href: `#/tx/${hash}`, class: "mono", title: hash }, short(hash, 8));

function card(title, ...body) {
  return el("section", { class: "card" }, title ? el("h2", {}, title) : null, ...body);
}

function stat(label, value, testid) {
  return el("div", { class: "stat" }, el("div", { class: "label" }, label),
    el("div", { class: "value", testid }, value));
}

function table(columns, rows, empty, testid) {
  if (!rows || rows.length === 0) return el("div", { class: "empty", testid: testid && `${testid}-empty` }, empty || "none");
  const head = el("tr", {}, columns.map(([title, , cls]) => el("th", { class: cls }, title)));
  const body = rows.map((row) =>
    el("tr", { class: row.__fresh ? "fresh" : null },
      columns.map(([, fn, cls]) => el("td", { class: cls }, fn(row)))));
  return el("table", { testid }, el("thead", {}, head), el("tbody", {}, body));
}

function kv(pairs) {
  return el("dl", { class: "kv" },
    pairs.filter(Boolean).flatMap(([k, v, testid]) => [el("dt", {}, k), el("dd", { testid }, v)]));
}

function jsonBlock(value) {
  return el("pre", {}, JSON.stringify(value, null, 2));
}

// ---- charts (Chart.js, fetched at set-up and served from /vendor) ------------------------

const PALETTE = ["#3355cc", "#1f8a4c", "#d35400", "#8e44ad", "#c0392b", "#16a085", "#b7791f",
  "#2c3e50", "#e84393", "#0984e3"];

function chart(config, testid, small) {
  const box = el("div", { class: small ? "chart small" : "chart", testid });
  if (typeof window.Chart !== "function") {
    box.append(el("div", { class: "empty" }, "chart library not installed (run make setup); the table below has the figures"));
    return box;
  }
  const canvas = el("canvas", { role: "img", "aria-label": testid || "chart" });
  box.append(canvas);
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
  state.chartQueue.push(() => state.charts.push(new window.Chart(canvas, config)));
  return box;
}

function barChart(labels, values, label, testid, horizontal) {
  return chart({
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: labels.map((_, i) => PALETTE[i % PALETTE.length]) }] },
    options: { indexAxis: horizontal ? "y" : "x", plugins: { legend: { display: false } } },
  }, testid, true);
}

// ---- data --------------------------------------------------------------------------------

async function api(path) {
  const resp = await fetch(`/api/${path}`, { headers: { Accept: "application/json" } });
  const body = await resp.json().catch(() => ({ message: resp.statusText }));
  if (!resp.ok) {
    const err = new Error(body.message || resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return body;
}

// ---- pages -------------------------------------------------------------------------------

function txTable(txs, testid) {
  return table([
    ["hash", (t) => txLink(t.hash)],
    ["height", (t) => blockLink(t.height)],
    ["messages", (t) => t.messages.map((m) => m.type.split(".").pop()).join(", ")],
    ["result", (t) => (t.code === 0 ? tag("ok") : tag(`${t.codespace}/${t.code}`, "bad"))],
    ["fee", (t) => coins(t.fee), "num"],
    ["gas used / wanted", (t) => `${fmtInt(t.gas_used)} / ${fmtInt(t.gas_wanted)}`, "num"],
  ], txs, "no transactions yet", testid);
}

async function pageHome() {
  const d = await api("overview");
  const s = d.status;
  return [
    el("div", { class: "stats" },
      stat("chain", s.chain_id, "chain-id"), stat("height", fmtInt(s.height), "latest-height"),
      stat("validators", String(d.validators.length), "validator-count"),
      stat("latest block", when(s.time))),
    el("div", { class: "grid" },
      card("Latest blocks", table([
        ["height", (b) => blockLink(b.height)],
        ["time", (b) => when(b.time)],
        ["txs", (b) => String(b.num_txs), "num"],
        ["hash", (b) => el("span", { class: "mono" }, short(b.hash, 8))],
      ], d.blocks, "no blocks yet", "blocks")),
      card("Latest transactions", txTable(d.txs, "txs"))),
    card("Validators", table([
      ["moniker", (v) => (v.description || {}).moniker || ""],
      ["operator", (v) => el("span", { class: "mono" }, v.operator_address)],
      ["status", (v) => tag(enumName(v.status, "BOND_STATUS_"), v.jailed ? "jailed" : "ok")],
      ["tokens", (v) => uaic(v.tokens), "num"],
      ["jailed", (v) => (v.jailed ? "yes" : "no")],
    ], d.validators, "no validators", "validators")),
  ];
}

async function pageBlock(height) {
  const b = await api(`blocks/${encodeURIComponent(height)}`);
  return [
    el("h1", {}, `Block ${fmtInt(b.height)}`),
    card(null, kv([["time", when(b.time)], ["hash", el("span", { class: "mono" }, b.hash)],
      ["proposer", el("span", { class: "mono" }, b.proposer)],
      ["app hash", el("span", { class: "mono" }, b.app_hash)],
      ["transactions", String(b.num_txs), "block-num-txs"],
      ["", el("span", {}, b.height > 1 ? link(`#/block/${b.height - 1}`, "‹ previous") : "", "  ", link(`#/block/${b.height + 1}`, "next ›"))]])),
    card("Transactions", txTable(b.txs, "block-txs")),
    card("Block events", eventsTable(b.events)),
  ];
}

function eventsTable(events) {
  return table([
    ["type", (e) => el("b", {}, e.type)],
    ["attributes", (e) => el("div", {}, (e.attributes || []).map((a) =>
      el("div", {}, el("span", { class: "muted" }, `${a.key} = `), el("span", { class: "mono" }, a.value))))],
  ], events, "no events");
}

async function pageTx(hash) {
  const t = await api(`txs/${encodeURIComponent(hash)}`);
  return [
    el("h1", {}, "Transaction"),
    card(null, kv([["hash", el("span", { class: "mono" }, t.hash)], ["height", blockLink(t.height)],
      ["time", when(t.timestamp)],
      ["result", t.code === 0 ? tag("ok") : el("span", {}, tag(`${t.codespace}/${t.code}`, "bad"), " ", t.raw_log)],
      ["fee", coins(t.fee), "tx-fee"], ["gas used / wanted", `${fmtInt(t.gas_used)} / ${fmtInt(t.gas_wanted)}`],
      ["memo", t.memo || "-"]])),
    card(`Messages (${t.messages.length})`, t.messages.map((m) => el("div", {},
      el("b", { testid: "msg-type" }, m.type), jsonBlock(Object.fromEntries(Object.entries(m).filter(([k]) => k !== "type")))))),
    card("Events", eventsTable(t.events)),
  ];
}

async function pageAccount(address) {
  const a = await api(`accounts/${encodeURIComponent(address)}`);
  const e = a.earnings;
  const rewards = (a.rewards && a.rewards.total) || [];
  const earning = e && e.earning;
  return [
    el("h1", {}, "Account ", el("span", { class: "mono" }, a.address)),
    el("div", { class: "stats" },
      stat("balance", uaic(a.balance), "balance"),
      stat("delegated", uaic(a.delegations.reduce((s, d) => s + BigInt((d.balance || {}).amount || 0), 0n)), "delegated"),
      stat("staking rewards", uaic(rewards.filter((c) => c.denom === DENOM).reduce((s, c) => s + decInt(c.amount), 0n)), "rewards"),
      stat("AI earnings claimable", earning ? uaic(earning.claimable) : "-", "earnings-claimable")),
    card("Balances", table([["denom", (c) => c.denom], ["amount", (c) => fmtInt(c.amount), "num"]], a.balances, "no balance", "balances")),
    card("Delegations", table([
      ["validator", (d) => el("span", { class: "mono" }, d.delegation.validator_address)],
      ["amount", (d) => coins([d.balance]), "num"],
    ], a.delegations, "no delegations", "delegations")),
    card("Earnings from inferences", e ? el("div", {},
      kv([["claimable", uaic(earning && earning.claimable)], ["pending (in challenge window)", uaic(earning && earning.pending)],
        ["claimed", uaic(earning && earning.claimed)]]),
      table([["datanet", (r) => link(`#/datanet/${r.datanet_id}`, `datanet ${r.datanet_id}`)],
        ["claimable", (r) => uaic(r.claimable), "num"], ["claimed", (r) => uaic(r.claimed), "num"]], e.datanets, "no data earnings"),
      table([["model", (r) => link(`#/model/${r.model_id}`, `model ${r.model_id}`)], ["amount", (r) => uaic(r.amount), "num"]], e.models, "no model earnings"))
      : el("div", { class: "empty" }, "no earnings (the attribution module answers nothing for this node yet)")),
    card("Recent transactions", txTable(a.txs, "account-txs")),
  ];
}

function decInt(amount) {
  // cosmos LegacyDec in proto JSON: an integer scaled by 10^18 (or a decimal string).
  const s = String(amount || "0");
  if (s.includes(".")) return BigInt(s.split(".")[0] || "0");
  return BigInt(s) / 10n ** 18n;
}

async function pageDatanets() {
  const d = await api("datanets");
  return [el("h1", {}, "Datanets"), card(null, table([
    ["id", (n) => link(`#/datanet/${n.id}`, n.id)], ["name", (n) => n.name], ["owner", (n) => addr(n.owner)],
    ["license", (n) => n.license], ["records", (n) => fmtInt(n.record_count), "num"],
    ["latest version", (n) => `v${n.latest_version}`, "num"],
    ["access", (n) => enumName(n.access_policy, "ACCESS_POLICY_")],
  ], d.datanets, "no datanets yet", "datanets"))];
}

async function pageDatanet(id) {
  const d = await api(`datanets/${encodeURIComponent(id)}`);
  const n = d.datanet;
  const statuses = Object.keys(d.records_by_status);
  const rev = d.revenue;
  return [
    el("h1", {}, `Datanet ${n.id}: ${n.name}`),
    el("div", { class: "stats" },
      stat("records", String(d.record_count), "record-count"), stat("versions", String(d.versions.length), "version-count"),
      stat("history entries", String(d.history.length), "history-count"),
      stat("revenue to contributors", rev ? uaic(rev.revenue) : "-", "datanet-revenue")),
    el("div", { class: "grid" },
      card("About", kv([["owner", addr(n.owner)], ["description", n.description || "-"], ["license", n.license],
        ["modality", enumName(n.modality, "MODALITY_")], ["curation", enumName(n.curation_mode, "CURATION_MODE_")],
        ["access", enumName(n.access_policy, "ACCESS_POLICY_")], ["bond per record", uaic(n.bond_per_record)],
        ["created at height", blockLink(n.created_height)], ["closed", n.closed ? "yes" : "no"]])),
      card("Curation decisions", barChart(statuses, statuses.map((k) => d.records_by_status[k]), "records", "records-chart"))),
    card("Versions", table([
      ["version", (v) => `v${v.version}`], ["records", (v) => fmtInt(v.size), "num"], ["appended", (v) => fmtInt(v.appended), "num"],
      ["changelog", (v) => v.changelog], ["publisher", (v) => addr(v.publisher)], ["height", (v) => blockLink(v.height)],
      ["root", (v) => el("span", { class: "mono", title: v.root }, short(v.root, 10))],
    ], d.versions, "no versions published yet", "versions")),
    card("Records", table([
      ["id", (r) => r.id], ["status", (r) => tag(enumName(r.status, "RECORD_STATUS_"))],
      ["contributor", (r) => addr(r.contributor)], ["size", (r) => `${fmtInt(r.size)} B`, "num"],
      ["type", (r) => r.media_type], ["reason", (r) => r.reason || ""],
      ["in version", (r) => (r.published_in && r.published_in !== "0" ? `v${r.published_in}` : "-")],
      ["content hash", (r) => el("span", { class: "mono", title: r.content_hash }, short(r.content_hash, 8))],
    ], d.records, "no records yet", "records")),
    card("Change history", table([
      ["#", (h) => h.seq], ["action", (h) => el("b", {}, h.action)], ["detail", (h) => h.detail],
      ["by", (h) => addr(h.actor)], ["height", (h) => blockLink(h.height)], ["time", (h) => unixTime(h.time_unix)],
    ], d.history, "no history", "history")),
  ];
}

async function pageModels() {
  const d = await api("models");
  return [el("h1", {}, "Models"), card(null, table([
    ["id", (m) => link(`#/model/${m.id}`, m.id)], ["name", (m) => m.name], ["kind", (m) => enumName(m.kind, "MODEL_KIND_")],
    ["status", (m) => tag(enumName(m.status, "MODEL_STATUS_"))], ["owner", (m) => addr(m.owner)],
    ["trained on", (m) => provenance(m.provenance)], ["price / request", (m) => uaic(m.price_per_request), "num"],
  ], d.models, "no models yet", "models"))];
}

function modelRef(id) {
  return id && id !== "0" ? link(`#/model/${id}`, `model ${id}`) : el("span", { class: "muted" }, "-");
}

function priceBounds(m) {
  if (!m.min_price && !m.max_price) return el("span", { class: "muted" }, "none (the chain's params only)");
  return `${m.min_price ? uaic(m.min_price) : "0"} to ${m.max_price ? uaic(m.max_price) : "no maximum"}`;
}

function provenance(list) {
  if (!list || !list.length) return el("span", { class: "muted" }, "-");
  return el("span", {}, list.map((p, i) => [i ? ", " : "", link(`#/datanet/${p.datanet_id}`, `datanet ${p.datanet_id} v${p.version}`)]));
}

function inferenceTable(list, testid) {
  return table([
    ["id", (i) => link(`#/inference/${i.request.id}`, i.request.id)],
    ["model", (i) => link(`#/model/${i.request.model_id}`, `model ${i.request.model_id}`)],
    ["requester", (i) => addr(i.request.requester)], ["worker", (i) => addr(i.worker)],
    ["fee", (i) => uaic(i.request.fee), "num"], ["height", (i) => blockLink(i.result_height)],
    ["records", (i) => String(((i.result || {}).attributions || []).length), "num"],
    ["disputed", (i) => (i.dispute_id && i.dispute_id !== "0" ? tag(`dispute ${i.dispute_id}`, "bad") : "-")],
  ], list, "no inferences yet", testid);
}

async function pageModel(id) {
  const d = await api(`models/${encodeURIComponent(id)}`);
  const m = d.model;
  const u = d.attribution_usage || d.usage || {};
  return [
    el("h1", {}, `Model ${m.id}: ${m.name}`),
    el("div", { class: "stats" },
      stat("status", enumName(m.status, "MODEL_STATUS_"), "model-status"),
      stat("inferences", fmtInt(u.inferences || 0), "model-inferences"), stat("revenue", uaic(u.revenue || 0), "model-revenue"),
      stat("disputes", u.disputes !== undefined ? `${u.disputes} (${u.upheld_disputes} upheld)` : "-")),
    el("div", { class: "grid" },
      card("About", kv([["kind", enumName(m.kind, "MODEL_KIND_")], ["owner", addr(m.owner)], ["architecture", m.architecture || "-"],
        ["parameters", fmtInt(m.parameter_count)], ["license", m.license],
        ["weights sha256", el("span", { class: "mono" }, m.weights_hash)],
        ["base model", m.base_model_id && m.base_model_id !== "0" ? link(`#/model/${m.base_model_id}`, `model ${m.base_model_id}`) : "-"],
        ["price / request", uaic(m.price_per_request)], ["price bounds (governance)", priceBounds(m)],
        ["preferred successor (ranked above it)", modelRef(m.successor_id)], ["ranked below it", modelRef(m.predecessor_id)],
        ["registered at", blockLink(m.height)]])),
      card("Lineage (model → base) and the data that trained it", table([
        ["model", (x) => link(`#/model/${x.id}`, `${x.id}: ${x.name}`)], ["kind", (x) => enumName(x.kind, "MODEL_KIND_")],
        ["trained on", (x) => provenance(x.provenance)],
        ["version roots", (x) => el("span", { class: "mono" }, (x.provenance || []).map((p) => short(p.version_root, 6)).join(", ") || "-")],
      ], d.lineage, "no lineage", "lineage"))),
    card("Latest inferences", inferenceTable(d.inferences, "model-inferences-table")),
  ];
}

async function pageInferences() {
  const d = await api("inferences");
  return [el("h1", {}, "Inferences"), card(null,
    d.served ? inferenceTable(d.inferences, "inferences")
      : el("div", { class: "empty", testid: "inferences-empty" }, "no inferences yet (the attribution module is not served by this node)"))];
}

async function pageInference(id) {
  let d;
  try { d = await api(`inferences/${encodeURIComponent(id)}`); } catch (err) {
    if (err.status === 404) return [el("h1", {}, `Inference ${id}`), el("div", { class: "empty" }, "no such inference (or no attribution module on this node)")];
    throw err;
  }
  const i = d.inference;
  const c = d.chart;
  const req = i.request || {};
  const res = i.result || {};
  return [
    el("h1", {}, `Inference ${req.id}`),
    el("div", { class: "stats" },
      stat("fee", uaic(req.fee), "inference-fee"), stat("paid out", uaic(c.total_paid), "inference-paid"),
      stat("records that shaped it", String(c.records.length), "inference-records"),
      stat("method", res.method || "-")),
    card(null, kv([["model", link(`#/model/${req.model_id}`, `model ${req.model_id}`)], ["requester", addr(req.requester)],
      ["worker", addr(i.worker)], ["answered at", blockLink(i.result_height)], ["challenge window ends", String(i.challenge_end_height)],
      ["dispute", i.dispute_id && i.dispute_id !== "0" ? `dispute ${i.dispute_id}` : "none"],
      ["output sha256", el("span", { class: "mono" }, res.output_hash || "-")],
      ["tokens (prompt / completion)", `${res.prompt_tokens || 0} / ${res.completion_tokens || 0}`]])),
    el("div", { class: "grid" },
      card("Records that shaped the answer (weight, ppm)", barChart(c.records.map((r) => r.label), c.records.map((r) => r.weight_ppm), "weight ppm", "attribution-chart", true)),
      card("Who was paid", barChart(c.recipients.map((r) => short(r.address, 8)), c.recipients.map((r) => r.amount), DENOM, "payout-chart", true))),
    card("Attribution", table([
      ["record", (r) => link(`#/datanet/${r.datanet_id}`, r.label)], ["contributor", (r) => addr(r.contributor)],
      ["weight", (r) => `${(r.weight_ppm / 10000).toFixed(2)} %`, "num"],
      ["ppm", (r) => fmtInt(r.weight_ppm), "num"], ["paid to its contributor", (r) => uaic(r.paid), "num"],
    ], c.records, "no attribution entries", "attribution")),
    card("Payouts", table([
      ["role", (p) => tag(p.role, "")],
      ["recipient", (p) => addr(p.recipient || (p.role === "data" ? contributorOf(c, p) : `(${p.role})`))],
      ["amount", (p) => uaic(p.amount), "num"],
      ["for record", (p) => (p.role === "data" ? `datanet ${p.datanet_id} v${p.version} #${p.record_id}` : "")],
    ], i.payouts, "no payouts", "payouts")),
  ];
}

function contributorOf(chart, payout) {
  const rec = chart.records.find((r) => String(r.datanet_id) === String(payout.datanet_id) && String(r.record_id) === String(payout.record_id));
  return rec && rec.contributor ? rec.contributor : "(data)";
}

async function pageEarnings() {
  const d = await api("earnings");
  if (!d.served) return [el("h1", {}, "Contributors' earnings"), card(null, el("div", { class: "empty", testid: "earnings-empty" }, "no inferences yet (the attribution module is not served by this node)"))];
  // each line starts at 0 just before its first payment and runs flat to the latest height
  const last = Math.max(state.height || 0, ...d.heights);
  const datasets = d.series.slice(0, 10).map((s, i) => ({
    label: short(s.address, 8), stepped: true,
    data: [{ x: s.points[0][0] - 1, y: 0 }, ...s.points.map(([x, y]) => ({ x, y })), { x: last, y: s.total }],
    borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length],
  }));
  return [
    el("h1", {}, "Contributors' earnings over time"),
    card(`Cumulative data payouts by block height (top ${datasets.length}, from ${d.inferences} inferences)`,
      d.series.length ? chart({ type: "line", data: { datasets },
        options: { parsing: false, scales: { x: { type: "linear", title: { display: true, text: "height" } },
          y: { title: { display: true, text: DENOM } } } } }, "earnings-chart")
        : el("div", { class: "empty", testid: "earnings-empty" }, "no contributor has been paid yet")),
    card("Contributors", table([["contributor", (s) => addr(s.address)], ["earned", (s) => uaic(s.total), "num"],
      ["payments", (s) => String(s.points.length), "num"]], d.series, "no contributor has been paid yet", "earnings")),
  ];
}

function disputeTable(list, testid) {
  return table([
    ["id", (x) => x.id], ["inference", (x) => link(`#/inference/${x.inference_id}`, x.inference_id)],
    ["challenger", (x) => addr(x.challenger)], ["bond", (x) => uaic(x.bond), "num"],
    ["status", (x) => tag(enumName(x.status, "DISPUTE_STATUS_"))], ["slashed", (x) => uaic(x.slashed), "num"],
    ["committee (✓ revealed)", (x) => el("span", {}, (x.committee || []).map((v, i) => [i ? ", " : "", addr(v.member), v.revealed ? " ✓" : " ✗"]))],
    ["reason", (x) => x.reason || ""], ["height", (x) => blockLink(x.height)],
  ], list, "no disputes", testid);
}

async function pageWorkers() {
  const d = await api("workers");
  return [
    el("h1", {}, "Workers"),
    card("Compute providers", table([
      ["operator", (w) => el("a", { href: `#/worker/${w.operator}`, class: "mono" }, short(w.operator, 12))],
      ["status", (w) => tag(enumName(w.status, "WORKER_STATUS_"))], ["bond", (w) => uaic(w.bond), "num"],
      ["jailed until", (w) => (w.jailed_until && w.jailed_until !== "0" ? unixTime(w.jailed_until) : "-")],
      ["models", (w) => (w.models || []).join(", ")], ["hardware", (w) => w.hardware || ""], ["endpoint", (w) => w.endpoint || ""],
    ], d.workers, "no workers registered yet", "workers")),
    card("Disputes", d.disputes_served ? disputeTable(d.disputes, "disputes")
      : el("div", { class: "empty", testid: "disputes-empty" }, "no disputes (the attribution module is not served by this node)")),
  ];
}

async function pageWorker(address) {
  const d = await api(`workers/${encodeURIComponent(address)}`);
  const w = d.worker;
  return [
    el("h1", {}, "Worker ", el("span", { class: "mono" }, w.operator)),
    el("div", { class: "stats" }, stat("status", enumName(w.status, "WORKER_STATUS_"), "worker-status"),
      stat("bond", uaic(w.bond), "worker-bond"),
      stat("jailed until", w.jailed_until && w.jailed_until !== "0" ? unixTime(w.jailed_until) : "-", "worker-jailed"), stat("inferences", String(d.inferences.length)), stat("disputes", String(d.disputes.length))),
    card(null, jsonBlock(w)),
    card("Inferences answered", inferenceTable(d.inferences, "worker-inferences")),
    card("Disputes", disputeTable(d.disputes, "worker-disputes")),
  ];
}

async function pageProposals() {
  const d = await api("proposals");
  return [el("h1", {}, "Governance proposals"), card(null, table([
    ["id", (p) => link(`#/proposal/${p.id}`, p.id)], ["title", (p) => p.title],
    ["status", (p) => tag(enumName(p.status, "PROPOSAL_STATUS_"))],
    ["yes", (p) => fmtInt(p.tally.yes), "num"], ["no", (p) => fmtInt(p.tally.no), "num"],
    ["abstain", (p) => fmtInt(p.tally.abstain), "num"], ["veto", (p) => fmtInt(p.tally.no_with_veto), "num"],
    ["voting ends", (p) => when(p.voting_end_time)],
  ], d.proposals, "no proposals yet", "proposals"))];
}

async function pageProposal(id) {
  const d = await api(`proposals/${encodeURIComponent(id)}`);
  const p = d.proposal;
  const t = d.tally;
  const labels = ["yes", "no", "abstain", "no with veto"];
  return [
    el("h1", {}, `Proposal ${p.id}: ${p.title}`),
    el("div", { class: "stats" }, stat("status", enumName(p.status, "PROPOSAL_STATUS_"), "proposal-status"),
      stat("yes", fmtInt(t.yes), "tally-yes"), stat("no", fmtInt(t.no), "tally-no"),
      stat("abstain", fmtInt(t.abstain), "tally-abstain"), stat("veto", fmtInt(t.no_with_veto), "tally-veto")),
    el("div", { class: "grid" },
      card("Tally (so far while voting)", barChart(labels, [t.yes, t.no, t.abstain, t.no_with_veto].map(Number), "voting power", "tally-chart")),
      card("About", kv([["summary", p.summary], ["proposer", addr(p.proposer)], ["deposit", coins(p.total_deposit)],
        ["submitted", when(p.submit_time)], ["voting", `${when(p.voting_start_time)} → ${when(p.voting_end_time)}`],
        ["failed reason", p.failed_reason || "-"]]))),
    card(`Messages (${(p.messages || []).length})`, (p.messages || []).map((m) => el("div", {}, el("b", {}, m["@type"]), jsonBlock(m)))),
    card("Votes", table([["voter", (v) => addr(v.voter)],
      ["option", (v) => (v.options || []).map((o) => `${enumName(o.option, "VOTE_OPTION_")} ${Number(o.weight)}`).join(", ")]],
    d.votes, "no votes yet", "votes")),
    card("Deposits", table([["depositor", (x) => addr(x.depositor)], ["amount", (x) => coins(x.amount), "num"]], d.deposits, "no deposits", "deposits")),
  ];
}

// ---- router ------------------------------------------------------------------------------

const ROUTES = [
  [/^$/, pageHome, "/"], [/^block\/(\d+)$/, pageBlock], [/^tx\/([0-9A-Fa-f]{64})$/, pageTx],
  [/^account\/([a-z0-9]+)$/, pageAccount], [/^datanets$/, pageDatanets, "/datanets"], [/^datanet\/(\d+)$/, pageDatanet, "/datanets"],
  [/^models$/, pageModels, "/models"], [/^model\/(\d+)$/, pageModel, "/models"],
  [/^inferences$/, pageInferences, "/inferences"], [/^inference\/(\d+)$/, pageInference, "/inferences"],
  [/^earnings$/, pageEarnings, "/earnings"], [/^workers$/, pageWorkers, "/workers"], [/^worker\/([a-z0-9]+)$/, pageWorker, "/workers"],
  [/^proposals$/, pageProposals, "/proposals"], [/^proposal\/(\d+)$/, pageProposal, "/proposals"],
];

async function render(quiet) {
  if (state.rendering) { state.pending = true; return; }
  state.rendering = true;
  const route = location.hash.replace(/^#\/?/, "");
  const main = document.getElementById("main");
  let content;
  let nav = null;
  state.chartQueue = [];
  try {
    const match = ROUTES.map(([re, fn, n]) => [route.match(re), fn, n]).find(([m]) => m);
    if (!match) content = [el("h1", {}, "Not found"), el("p", {}, "No page here. ", link("#/", "Home"))];
    else { nav = match[2]; content = await match[1](...match[0].slice(1)); }
  } catch (err) {
    content = [el("h1", {}, "Could not load this page"), el("p", { class: "error", testid: "error" }, err.message)];
  }
  const old = state.charts;
  const queued = state.chartQueue;
  state.charts = [];
  state.chartQueue = [];
  const scroll = window.scrollY;
  main.replaceChildren(...content);
  old.forEach((c) => c.destroy());
  queued.forEach((make) => make()); // charts are drawn once their canvas is in the page
  if (quiet) window.scrollTo(0, scroll);
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === `#${nav}`));
  document.body.dataset.page = route.split("/")[0] || "home";
  document.body.dataset.rendered = String((Number(document.body.dataset.rendered) || 0) + 1);
  state.route = route;
  state.rendering = false;
  if (state.pending) { state.pending = false; render(true); }
}

function search(event) {
  event.preventDefault();
  const q = document.getElementById("q").value.trim();
  if (/^\d+$/.test(q)) location.hash = `#/block/${q}`;
  else if (/^[0-9A-Fa-f]{64}$/.test(q)) location.hash = `#/tx/${q.toUpperCase()}`;
  else if (/^aic1[0-9a-z]+$/.test(q)) location.hash = `#/account/${q}`;
  else if (/^aicvaloper1/.test(q)) location.hash = "#/";
  else return;
  document.getElementById("q").value = "";
}

// ---- live updates ------------------------------------------------------------------------

function connectLive() {
  const dot = document.getElementById("live-dot");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  ws.onopen = () => dot.classList.remove("off");
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type !== "block") return;
    state.blocksSeen += 1;
    state.height = msg.height;
    document.getElementById("height").textContent = fmtInt(msg.height);
    dot.classList.remove("pulse"); void dot.offsetWidth; dot.classList.add("pulse");
    // the home page follows every block; others refresh when a block carries txs (state changed)
    if (state.route === "" || msg.num_txs > 0 || msg.height % 10 === 0) render(true);
  };
  ws.onclose = () => { dot.classList.add("off"); setTimeout(connectLive, 2000); };
}

window.addEventListener("hashchange", () => render(false));
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("search").addEventListener("submit", search);
  render(false);
  connectLive();
});
