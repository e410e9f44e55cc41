// The operator console's script: polls /status once a second and redraws. It only reads; every
// value is set as text (never as HTML), because EventError messages and schema names come from
// clients.
'use strict';

const POLL_MS = 1000;
const RATES = [
  ['beaconsReceived', 'beacons received'],
  ['requestsRejected', 'requests refused'],
  ['eventsProcessed', 'events processed'],
  ['messagesProduced', 'messages produced'],
  ['rowsInserted', 'rows inserted'],
  ['eventErrors', 'EventErrors'],
];
let previous;

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  return node;
}

function tone(value) {
  if (['running', 'flowing', 'up', 'OK', 'true'].includes(String(value))) return 'good';
  if (['backpressured', 'draining', 'WARN', 'connecting', 'rebalancing', 'restarting', 'leaderLost', 'starting'].includes(String(value))) return 'warning';
  return 'bad';
}

function pill(value) {
  return el('span', value, { class: `pill ${tone(value)}` });
}

function row(cells, attrs) {
  const tr = el('tr', undefined, attrs);
  for (const cell of cells) {
    const td = cell && cell.nodeType ? el('td') : el('td', cell);
    if (cell && cell.nodeType) td.append(cell);
    if (typeof cell === 'number') td.className = 'num';
    tr.append(td);
  }
  return tr;
}

/** A sparkline of the lag at each commit of the Burrow window (null lags are skipped). */
function sparkline(window) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const w = 120;
  const h = 24;
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  const points = (window || []).map((c, i) => [i, c.lag]).filter((p) => p[1] !== null && p[1] !== undefined);
  const title = document.createElementNS(ns, 'title');
  title.textContent = `lag at the last ${(window || []).length} commits: ${(window || []).map((c) => (c.lag === null ? '?' : c.lag)).join(', ')}`;
  svg.append(title);
  if (points.length > 0) {
    const max = Math.max(1, ...points.map((p) => p[1]));
    const last = Math.max(1, (window || []).length - 1);
    const xy = points.map(([i, lag]) => [((i / last) * (w - 4) + 2).toFixed(1), (h - 2 - (lag / max) * (h - 4)).toFixed(1)]);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', xy.map(([x, y]) => `${x},${y}`).join(' '));
    svg.append(line);
    // The newest commit as a dot, so a one-commit window shows too.
    const dot = document.createElementNS(ns, 'circle');
    dot.setAttribute('cx', xy[xy.length - 1][0]);
    dot.setAttribute('cy', xy[xy.length - 1][1]);
    dot.setAttribute('r', '2');
    svg.append(dot);
  }
  return svg;
}

function rates(status, at) {
  const box = document.getElementById('rates');
  box.replaceChildren();
  const totals = status.totals || {};
  for (const [key, label] of RATES) {
    if (totals[key] === null || totals[key] === undefined) continue;
    let rate = '…';
    if (previous && previous.totals[key] !== null && previous.totals[key] !== undefined && at > previous.at) {
      rate = Math.max(0, (totals[key] - previous.totals[key]) / ((at - previous.at) / 1000)).toFixed(0);
    }
    const tile = el('div', undefined, { class: 'tile', 'data-rate': key });
    tile.append(el('b', rate), el('span', `${label} (total ${totals[key]})`));
    box.append(tile);
  }
  previous = { at, totals };
}

function roles(status) {
  const body = document.querySelector('#roles tbody');
  body.replaceChildren();
  for (const r of status.roles || []) {
    const db = r.details && r.details.database;
    body.append(row([
      `${r.kind}/${r.name}`,
      pill(r.state),
      r.ready ? 'yes' : 'no',
      db ? pill(db.state) : '',
      r.problem || '',
    ], { 'data-role': `${r.kind}/${r.name}`, 'data-state': r.state, ...(db ? { 'data-database': db.state } : {}) }));
  }
}

function partitions(status) {
  const box = document.getElementById('partitions');
  box.replaceChildren();
  for (const r of status.roles || []) {
    const lag = r.lag;
    const parts = lag ? lag.partitions : ((r.details && r.details.partitions) || []);
    if (!lag && parts.length === 0) continue;
    const heading = el('div', undefined, { class: 'group' });
    heading.append(`${r.kind}/${r.name}`);
    if (lag) heading.append(` · group ${lag.group} · `, pill(lag.status), ` · total lag ${lag.totalLag} · supervisor `, pill(lag.supervisorState));
    box.append(heading);
    const table = el('table', undefined, { 'data-role': `${r.kind}/${r.name}` });
    const head = el('tr');
    for (const h of ['topic', 'partition', 'actor', 'in flight', 'committed', 'lag', 'Burrow window', 'verdict', 'rule']) head.append(el('th', h));
    table.append(el('thead'), el('tbody'));
    table.tHead.append(head);
    for (const p of parts) {
      const rule = el('div');
      rule.append(el('span', p.rule || ''), el('div', p.explanation || '', { class: 'explanation' }));
      table.tBodies[0].append(row([
        p.topic, p.partition, pill(p.state), p.inFlight ?? '', p.committedOffset ?? '', p.lag ?? '',
        sparkline(p.window), p.status ? pill(p.status) : '', rule,
      ], { 'data-topic': p.topic, 'data-partition': p.partition, 'data-state': p.state, 'data-verdict': p.status || '', 'data-rule': p.rule || '' }));
    }
    box.append(table);
  }
}

function errors(status) {
  const body = document.querySelector('#errors tbody');
  body.replaceChildren();
  const all = (status.roles || []).flatMap((r) => (r.details && r.details.recentErrors) || []);
  all.sort((a, b) => b.at - a.at);
  for (const e of all.slice(0, 20)) {
    body.append(row([
      new Date(e.at).toISOString().replace('T', ' ').slice(0, 19),
      e.errorCode || e.code,
      e.schema === undefined ? '' : `${e.schema}${e.revision === undefined ? '' : ` ${e.revision}`}`,
      e.message,
      e.topic === undefined ? '' : `${e.topic}/${e.partition}@${e.offset}`,
    ], { 'data-code': e.errorCode || e.code }));
  }
}

async function poll() {
  const daemon = document.getElementById('daemon');
  try {
    const response = await fetch('/status', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const status = await response.json();
    const at = Date.now();
    daemon.replaceWith(Object.assign(pill(status.state), { id: 'daemon' }));
    document.getElementById('updated').textContent = `updated ${new Date(at).toLocaleTimeString()} · started ${status.startedAt}`;
    document.body.dataset.daemon = status.state;
    rates(status, at);
    roles(status);
    partitions(status);
    errors(status);
  } catch (error) {
    daemon.textContent = `admin unreachable (${error.message})`;
    daemon.className = 'offline';
    document.body.dataset.daemon = 'unreachable';
  } finally {
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
    setTimeout(poll, POLL_MS);
  }
}

poll();
