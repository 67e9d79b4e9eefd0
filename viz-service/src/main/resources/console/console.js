// The pipeline console: asks /console/state every few seconds and draws it. With a bearer token (pasted by the
// user, kept in this tab's sessionStorage only) it shows the actions the token's roles allow; viz forwards them to
// the trainer and the inference service with the token, and those check the roles. No framework, nothing fetched
// from anywhere but this service.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = Number(document.body.dataset.refreshMs) || 2000;
  const TOKEN_KEY = 'mmdigits-console-token';
  let state = null;
  let session = null;
  let timer = null;

  // --- small helpers -------------------------------------------------------------------------------------------
  /** An element with attributes and children (strings become text, never HTML). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'onclick') e.addEventListener('click', v);
      else if (k === 'className') e.className = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const td = (content, cls) => el('td', { className: cls }, content);
  const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
  const ago = (ms) => {
    if (!ms) return '—';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : when(ms);
  };
  const num = (x, digits) => (x === null || x === undefined ? '—' : Number(x).toFixed(digits === undefined ? 4 : digits));
  const stateTag = (s) => el('span', { className: 'state ' + s }, s);
  /** A progress bar with its text beside it. */
  function bar(done, total, text, cls) {
    return el('span', {}, el('progress', { max: Math.max(1, total), value: Math.min(done, total) }), ' ',
      el('span', { className: cls }, text));
  }
  /** Replaces a table's body with these rows, or one row saying there is nothing. */
  function fill(tableId, rows, emptyText) {
    const table = $(tableId);
    const body = el('tbody', {}, rows.length ? rows
      : el('tr', {}, el('td', { colspan: table.tHead.rows[0].cells.length, className: 'empty' }, emptyText)));
    table.replaceChild(body, table.tBodies[0]);
  }

  // --- actions (only with a session whose roles allow them) --------------------------------------------------------
  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';
  /** Whether the session may do what needs this role, on a service this viz forwards to. */
  function may(role, service) {
    return !!(session && state && state.actions[service] && session.roles.includes(role));
  }
  /** A button for an action, or null (absent) when the session may not do it. */
  function action(label, role, service, run) {
    if (!may(role, service)) return null;
    return el('button', { type: 'button', 'data-action': label, onclick: run }, label);
  }
  async function act(what, path, body) {
    $('result').textContent = what + ' …';
    try {
      const r = await fetch('/console/actions' + path, {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + token(), 'Content-Type': 'application/json' },
        body: JSON.stringify(body || {}),
      });
      $('result').textContent = what + ': ' + r.status + ' ' + said(r.status, await r.text());
    } catch (e) {
      $('result').textContent = what + ': ' + e.message;
    }
    refresh();
  }

  /** What an action's answer says, in a line: a problem's detail, the alias, run or scoring it names. */
  function said(status, text) {
    if (!text) return status === 401 ? 'the token was refused' : status === 403 ? 'the token lacks the role for this' : '';
    try {
      const j = JSON.parse(text);
      if (j.detail || j.title) return j.detail || j.title;
      if (j.alias) return j.alias + ' → ' + j.name + '/' + j.version;
      if (j.id && j.state) return 'run ' + j.id + ' ' + j.state.toLowerCase();
      if (j.publication) return (j.created ? 'scoring ' : 'already scored: ') + j.dataset + ' with ' + j.version;
      return text;
    } catch (e) {
      return text;
    }
  }

  async function useToken(value) {
    session = null;
    if (!value) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('who').textContent = 'read-only: paste a token to train, score, promote or roll back';
      draw();
      return;
    }
    const r = await fetch('/console/session', { headers: { Authorization: 'Bearer ' + value } });
    if (!r.ok) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('who').textContent = 'token refused (' + r.status + '): read-only';
    } else {
      sessionStorage.setItem(TOKEN_KEY, value);
      session = await r.json();
      $('who').textContent = 'signed in as ' + session.name + ', roles: ' + (session.roles.join(', ') || 'none');
    }
    draw();
  }

  // --- the sections ----------------------------------------------------------------------------------------------
  function drawAliases() {
    const boxes = state.aliases.map((a) => el('div', { className: 'alias', 'data-alias': a.alias },
      el('b', {}, a.alias), ' → ', el('span', { className: 'target' }, a.name + '/' + a.version),
      el('div', { className: 'muted' }, a.reason || ''),
      action('rollback', 'admin', 'trainer', () => act('rollback of ' + a.alias, '/models/rollback'))));
    $('aliases').replaceChildren(...(boxes.length ? boxes : [el('span', { className: 'empty' }, 'nothing promoted yet')]));
    const moves = state.aliases.flatMap((a) => a.history.map((h) => ({ alias: a.alias, ...h })))
      .sort((x, y) => y.sequence - x.sequence);
    fill('alias-history', moves.map((m) => el('tr', {},
      td(when(m.atMs)), td(m.alias), td(m.rollback ? 'rollback' : 'promotion'), td(m.name + '/' + m.version),
      td(m.previousVersion ? m.previousName + '/' + m.previousVersion : '—'), td(m.reason || ''),
      td(m.sequence, 'num'))), 'no promotion or rollback yet');
  }

  function runProgress(r) {
    if (!r.epochs) return r.state === 'QUEUED' ? 'queued' : '—';
    return bar(r.epoch, r.epochs, r.state === 'QUEUED' ? 'queued' : 'epoch ' + r.epoch + '/' + r.epochs, 'epochs');
  }
  function drawRuns() {
    fill('runs', state.runs.map((r) => el('tr', { 'data-run': r.id },
      td(r.id), td(r.dataset + ' → ' + r.model),
      td([stateTag(r.state), r.cancelling ? ' (cancelling)' : '', r.error ? el('div', { className: 'muted' }, r.error) : null]),
      td(runProgress(r), 'progress'), td(num(r.validationAccuracy), 'num'), td(num(r.loss), 'num'),
      td(r.modelVersion || '—'),
      td(r.promoted === null || r.promoted === undefined ? '—' : (r.promoted ? 'promoted' : 'not promoted') +
        (r.promotionReason ? ': ' + r.promotionReason : '')),
      td(when(r.queuedMs)))), 'no training run yet');
    const trainable = state.datasets.filter((d) => d.publications.some((p) => p.split === 'TRAIN')).map((d) => d.name);
    if (!may('train', 'trainer') || trainable.length === 0) {
      clearForm('train-form');
      return;
    }
    keepForm('train-form', 'train|' + trainable.join(','), () => {
      const dataset = select('train-dataset', trainable);
      const epochs = el('input', { id: 'train-epochs', type: 'number', min: 1, placeholder: 'epochs (default)', style: 'width:9rem' });
      return [el('label', {}, 'dataset ', dataset), ' ', epochs, ' ',
        action('train', 'train', 'trainer', () => act('training ' + dataset.value, '/trainings',
          epochs.value ? { dataset: dataset.value, epochs: Number(epochs.value) } : { dataset: dataset.value }))];
    });
  }

  function drawModels() {
    const m = state.models;
    $('models-source').textContent = m.source === 'trainer-service'
      ? 'the versions the trainer\'s registry holds'
      : 'every version released on digits.events (the registry may have removed older ones)';
    fill('versions', m.versions.map((v) => el('tr', { 'data-version': v.version },
      td(v.name), td(v.version), td(v.dataset || '—'), td(num(v.validationAccuracy), 'num'), td(when(v.releasedMs)),
      td(v.aliases.length ? v.aliases.join(', ') : '—', 'serves'),
      td(v.aliases.length ? null : action('promote', 'admin', 'trainer',
        () => act('promotion of ' + v.name + '/' + v.version, '/models/' + encodeURIComponent(v.name) + '/promote',
          { version: v.version }))))), 'no model released yet');
  }

  function drawJobs() {
    fill('jobs', state.jobs.map((j) => el('tr', { 'data-job': j.version + '|' + j.publication },
      td((j.name ? j.name + '/' : '') + j.version), td(j.dataset), td(stateTag(j.state)),
      td(bar(j.scored, j.expected, j.scored + '/' + j.expected), 'progress'), td(j.remaining, 'num'), td(ago(j.lastScoredMs)),
      td(j.requestedBy || '—'))), 'no scoring job yet');
    const scorable = state.datasets.filter((d) => d.publications.some((p) => p.split === 'TEST')).map((d) => d.name);
    const versions = state.models.versions.map((v) => v.name + '/' + v.version);
    if (!may('train', 'inference') || scorable.length === 0 || versions.length === 0) {
      clearForm('score-form');
      return;
    }
    keepForm('score-form', 'score|' + scorable.join(',') + '|' + versions.join(','), () => {
      const dataset = select('score-dataset', scorable);
      const version = select('score-version', versions);
      return [el('label', {}, 'score dataset ', dataset), ' ', el('label', {}, 'with ', version), ' ',
        action('score', 'train', 'inference', () => {
          const [model, v] = version.value.split('/');
          act('scoring ' + dataset.value + ' with ' + v, '/scorings', { dataset: dataset.value, model, version: v });
        })];
    });
  }

  function drawDatasets() {
    fill('datasets', state.datasets.flatMap((d) => d.publications.map((p, i) => el('tr', {},
      td(i === 0 ? d.name : ''), td(p.split.toLowerCase()), td(p.count.toLocaleString(), 'num'),
      td(p.labeled ? 'yes' : 'no'), td(p.source || '—'), td(when(p.publishedMs)),
      td(el('span', { className: 'muted' }, p.id || '—'))))), 'no dataset published yet');
  }

  function drawReports() {
    fill('reports', state.reports.map((r) => el('tr', {},
      td(r.dataset), td(r.version),
      td([stateTag(r.state), r.progress && r.state === 'BUILDING' ? ' ' + r.progress : '', r.error ? el('div', { className: 'muted' }, r.error) : null]),
      td(num(r.accuracy), 'num'), td(r.samples, 'num'),
      td(r.page ? [el('a', { href: r.page }, 'report'), ' · ', el('a', { href: r.predictions }, 'predictions.csv')] : '—'))),
    'no report yet');
  }

  /** A select of these values that keeps the user's choice across redraws. */
  function select(id, values) {
    const old = $(id);
    const s = el('select', { id }, values.map((v) => el('option', { value: v }, v)));
    if (old && values.includes(old.value)) s.value = old.value;
    return s;
  }
  /** Rebuilds a form only when what it offers changed (so a choice being made is not reset every refresh). */
  function keepForm(id, key, build) {
    const box = $(id);
    const withSession = key + '|' + (session ? session.roles.join(',') : '');
    if (box.dataset.key === withSession) return;
    box.dataset.key = withSession;
    box.replaceChildren(...build());
  }

  function clearForm(id) {
    $(id).dataset.key = '';
    $(id).replaceChildren();
  }

  function draw() {
    if (!state) return;
    drawAliases();
    drawRuns();
    drawModels();
    drawJobs();
    drawDatasets();
    drawReports();
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const r = await fetch('/console/state', { cache: 'no-store' });
      if (!r.ok) throw new Error('GET /console/state answered ' + r.status);
      state = await r.json();
      draw();
      $('updated').textContent = 'updated ' + new Date(state.atMs).toLocaleTimeString() + ', every ' +
        REFRESH_MS / 1000 + ' s' + (state.caughtUp ? '' : ' — still reading the topics from their beginning');
    } catch (e) {
      $('updated').textContent = 'the state could not be read: ' + e.message + ' (trying again)';
    } finally {
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  $('use-token').addEventListener('click', () => useToken($('token').value.trim()));
  $('forget-token').addEventListener('click', () => { $('token').value = ''; useToken(''); });
  if (token()) useToken(token());
  refresh();
})();
