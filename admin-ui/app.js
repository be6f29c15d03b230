// scopegate dashboard. Plain JavaScript, no dependencies. Every value from the server is
// put into the page with textContent or attributes, never parsed as HTML.
'use strict';

const state = { csrf: '', login: '', linkModes: [], partnerOffset: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function show(node, message) {
  if (!node) return;
  node.textContent = message || '';
  node.hidden = !message;
}

function problemText(r) {
  if (r.data && typeof r.data === 'object' && r.data.detail) return r.data.detail;
  if (r.status === 0) return 'The gateway cannot be reached. Check your connection.';
  return 'Request failed (' + r.status + ').';
}

async function api(method, path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  let body = options.body;
  if (body !== undefined && typeof body !== 'string') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(body);
  }
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch('api/v1/' + path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    return { ok: false, status: 0, data: null, headers: new Headers() };
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.status === 401 && path !== 'session') {
    state.csrf = '';
    showLogin('Your session ended. Please sign in again.');
  }
  return { ok: res.ok, status: res.status, data, headers: res.headers };
}

const enc = encodeURIComponent;

// ------------------------------------------------------------------------------------
// Login and shell

function showLogin(message) {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  show($('login-error'), message);
  $('login-name').focus();
}

async function startApp() {
  const r = await api('GET', 'session');
  if (!r.ok) { showLogin(); return; }
  state.csrf = r.data.csrf_token;
  state.login = r.data.login;
  state.linkModes = r.data.link_modes || [];
  $('who-name').textContent = r.data.name ? r.data.name + ' (' + r.data.login + ')' : r.data.login;
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  if (!location.hash || location.hash === '#') location.hash = '#/partners';
  else route();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const login = $('login-name').value.trim();
  const password = $('login-password').value;
  if (!login || !password) { show($('login-error'), 'Enter your login and password.'); return; }
  $('login-submit').disabled = true;
  const r = await api('POST', 'session', { body: { login, password } });
  $('login-submit').disabled = false;
  $('login-password').value = '';
  if (!r.ok) { show($('login-error'), problemText(r)); $('login-password').focus(); return; }
  show($('login-error'), '');
  await startApp();
});

$('logout').addEventListener('click', async () => {
  await api('DELETE', 'session');
  state.csrf = '';
  location.hash = '';
  showLogin('You are signed out.');
});

function mount(templateId) {
  const view = $('view');
  view.replaceChildren($(templateId).content.cloneNode(true));
  show($('global-error'), '');
  return view;
}

function setNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function route() {
  if ($('app-view').hidden) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = parts[0] || 'partners';
  // #/agents/<login>/limits is the deep link of the alert mails.
  const limitsLink = page === 'agents' && parts[1] && parts[2] === 'limits';
  setNav(page === 'partner' ? 'partners' : limitsLink ? 'reveal-limits' : page);
  const pages = {
    partners: () => partnersPage(),
    partner: () => partnerPage(parts[1] || ''),
    agents: () => (limitsLink ? limitsPage(parts[1]) : agentsPage()),
    explain: () => explainPage(),
    history: () => historyPage(),
    import: () => importPage(),
    'reveal-limits': () => limitsPage(parts[1] || ''),
    activity: () => activityPage(),
    settings: () => settingsPage(),
  };
  (pages[page] || pages.partners)();
  document.title = 'scopegate · ' + (page === 'partner' ? parts[1] : limitsLink ? 'reveal limits' : page);
}
window.addEventListener('hashchange', route);

function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}


// ------------------------------------------------------------------------------------
// Partners

async function partnersPage() {
  mount('tpl-partners');
  const filter = $('partner-filter');
  const load = async () => {
    const q = filter.value.trim();
    const r = await api('GET', 'partners?limit=25&offset=' + state.partnerOffset + (q ? '&q=' + enc(q) : ''));
    const rows = $('partner-rows');
    if (!rows) return;
    if (!r.ok) { show($('global-error'), problemText(r)); return; }
    rows.replaceChildren(...r.data.items.map((p) => el('tr', { 'data-partner': p.id },
      el('td', null, el('a', { href: '#/partner/' + enc(p.id), text: p.id })),
      el('td', { text: p.name }),
      el('td', { class: 'num', text: String(p.customer_id_count) }),
      el('td', { class: 'num', text: String(p.agent_count) }))));
    const empty = $('partner-empty');
    empty.textContent = q ? 'No partner matches “' + q + '”.' : 'No partners yet. While no partner exists, every agent sees every customer.';
    empty.hidden = r.data.items.length > 0;
    const last = Math.min(r.data.total, state.partnerOffset + r.data.items.length);
    $('partner-count').textContent = r.data.total ? (state.partnerOffset + 1) + '–' + last + ' of ' + r.data.total + ' partners' : '';
    $('partner-prev').disabled = state.partnerOffset === 0;
    $('partner-next').disabled = last >= r.data.total;
  };
  filter.addEventListener('input', debounce(() => { state.partnerOffset = 0; load(); }, 200));
  $('partner-prev').addEventListener('click', () => { state.partnerOffset = Math.max(0, state.partnerOffset - 25); load(); });
  $('partner-next').addEventListener('click', () => { state.partnerOffset += 25; load(); });
  const toggle = $('new-partner-toggle');
  toggle.addEventListener('click', () => {
    const form = $('new-partner');
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) $('np-id').focus();
  });
  $('np-cancel').addEventListener('click', () => { $('new-partner').hidden = true; toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); });
  $('new-partner').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = $('np-id').value.trim();
    const name = $('np-name').value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) { show($('np-error'), 'A partner ID is 1 to 64 letters, digits, “.”, “_” or “-”, starting with a letter or digit.'); $('np-id').focus(); return; }
    if (!name) { show($('np-error'), 'Enter a display name.'); $('np-name').focus(); return; }
    const r = await api('POST', 'partners', { body: { id, name } });
    if (!r.ok) { show($('np-error'), problemText(r)); return; }
    location.hash = '#/partner/' + enc(id);
  });
  filter.focus();
  await load();
}

// ------------------------------------------------------------------------------------
// One partner: chips, autocomplete, preview, save

async function partnerPage(id) {
  mount('tpl-partner');
  const pending = { add: new Set(), remove: new Set() };
  let partner = null;
  let confirmNeeded = [];

  const load = async () => {
    const r = await api('GET', 'partners/' + enc(id));
    if (!r.ok) {
      show($('global-error'), r.status === 404 ? 'Partner “' + id + '” does not exist (any more).' : problemText(r));
      return false;
    }
    partner = r.data;
    $('p-title').textContent = partner.name;
    $('p-id').textContent = partner.id;
    $('p-version').textContent = partner.version;
    $('rename-input').value = partner.name;
    const agents = $('p-agents');
    agents.replaceChildren(...partner.agents.map((a) => el('li', null,
      el('span', null, el('strong', { text: a.login }), ' ', el('span', { class: 'muted', text: a.name })),
      el('span', { class: 'tag', text: a.link === 'agent_attribute' ? 'attribute' : 'member' }))));
    $('p-agents-empty').hidden = partner.agents.length > 0;
    render();
    return true;
  };

  const render = () => {
    const chips = $('chips');
    const ids = [...new Set([...partner.customer_ids, ...pending.add])].sort();
    chips.replaceChildren(...ids.map((cid) => {
      const adding = pending.add.has(cid) && !partner.customer_ids.includes(cid);
      const removing = pending.remove.has(cid);
      const label = removing ? 'Keep ' + cid : 'Remove ' + cid;
      return el('li', { class: 'chip' + (adding ? ' adding' : '') + (removing ? ' removing' : ''), 'data-cid': cid },
        el('span', { text: cid }),
        el('button', { type: 'button', 'aria-label': label, title: label, text: removing ? '↺' : '×',
          onclick: () => toggleRemove(cid) }));
    }));
    $('cid-count').textContent = '(' + partner.customer_ids.length + ')';
    $('chips-empty').hidden = ids.length > 0;
    const changed = pending.add.size + pending.remove.size > 0;
    $('pending').hidden = !changed;
    if (changed) {
      const parts = [];
      if (pending.add.size) parts.push('add ' + [...pending.add].join(', '));
      if (pending.remove.size) parts.push('remove ' + [...pending.remove].join(', '));
      $('pending-summary').textContent = 'You are about to ' + parts.join(' and ') + '.';
      updatePreview();
    }
    $('confirm-unknown-label').hidden = confirmNeeded.length === 0;
    $('unknown-list').textContent = confirmNeeded.join(', ');
  };

  const toggleRemove = (cid) => {
    if (pending.add.has(cid) && !partner.customer_ids.includes(cid)) pending.add.delete(cid);
    else if (pending.remove.has(cid)) pending.remove.delete(cid);
    else pending.remove.add(cid);
    render();
  };

  const updatePreview = debounce(async () => {
    const box = $('preview');
    if (!box) return;
    const change = { partner_id: id, add: [...pending.add], remove: [...pending.remove] };
    const r = await api('POST', 'preview', { body: { changes: [change] } });
    if (!r.ok) { box.replaceChildren(el('p', { class: 'error', text: problemText(r) })); return; }
    if (!r.data.agents.length) {
      box.replaceChildren(el('p', { 'data-preview': 'none', text: 'Preview: no agent’s access changes.' }));
      return;
    }
    box.replaceChildren(
      el('p', { 'data-preview': 'agents', text: 'Preview: ' + r.data.agents_affected + ' agent(s) affected.' }),
      el('ul', null, ...r.data.agents.map((a) => el('li', null,
        el('strong', { text: a.login }), ' ',
        a.gains.length ? el('span', { class: 'gain', text: 'gains ' + a.gains.join(', ') }) : null,
        a.gains.length && a.loses.length ? '; ' : null,
        a.loses.length ? el('span', { class: 'lose', text: 'loses ' + a.loses.join(', ') }) : null))));
  }, 150);

  // Autocomplete over the directory's distinct customer IDs.
  const input = $('cid-input');
  const list = $('cid-options');
  let options = [];
  let active = -1;
  const closeList = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); active = -1; input.removeAttribute('aria-activedescendant'); };
  const renderOptions = () => {
    list.replaceChildren(...options.map((o, i) => el('li', { role: 'option', id: 'cid-opt-' + i, 'aria-selected': String(i === active), text: o,
      onmousedown: (e) => { e.preventDefault(); addIds([o]); } })));
    list.hidden = options.length === 0;
    input.setAttribute('aria-expanded', String(!list.hidden));
    if (active >= 0) input.setAttribute('aria-activedescendant', 'cid-opt-' + active);
  };
  const suggest = debounce(async () => {
    const prefix = input.value.trim();
    if (!prefix || /[,\s]/.test(prefix)) { options = []; closeList(); return; }
    const r = await api('GET', 'customer-ids?limit=12&prefix=' + enc(prefix));
    if (!r.ok || input.value.trim() !== prefix) return;
    options = r.data.items.filter((o) => !partner.customer_ids.includes(o) && !pending.add.has(o));
    active = -1;
    renderOptions();
  }, 120);
  const addIds = (ids) => {
    for (const cid of ids) {
      if (!cid) continue;
      if (pending.remove.has(cid)) pending.remove.delete(cid);
      else if (!partner.customer_ids.includes(cid)) pending.add.add(cid);
    }
    input.value = '';
    options = [];
    closeList();
    render();
    input.focus();
  };
  input.addEventListener('input', suggest);
  input.addEventListener('blur', () => setTimeout(closeList, 100));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && options.length) { e.preventDefault(); active = (active + 1) % options.length; renderOptions(); }
    else if (e.key === 'ArrowUp' && options.length) { e.preventDefault(); active = (active - 1 + options.length) % options.length; renderOptions(); }
    else if (e.key === 'Escape') closeList();
    else if (e.key === 'Enter') {
      e.preventDefault();
      if (active >= 0 && options[active]) addIds([options[active]]);
      else addIds(input.value.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean));
    }
  });
  $('add-form').addEventListener('submit', (e) => e.preventDefault());

  $('discard').addEventListener('click', () => { pending.add.clear(); pending.remove.clear(); confirmNeeded = []; render(); });
  $('save').addEventListener('click', async () => {
    const body = { add: [...pending.add], remove: [...pending.remove] };
    if (confirmNeeded.length && $('confirm-unknown').checked) body.confirm_unknown = true;
    $('save').disabled = true;
    const r = await api('POST', 'partners/' + enc(id) + '/customer-ids', { body, headers: { 'If-Match': '"' + partner.version + '"' } });
    $('save').disabled = false;
    if (r.status === 409 && r.data && r.data.unknown_customer_ids) {
      confirmNeeded = r.data.unknown_customer_ids;
      show($('save-error'), 'No customer carries ' + confirmNeeded.join(', ') + ' yet. Tick the box to assign anyway, or remove them.');
      render();
      return;
    }
    if (!r.ok) { show($('save-error'), problemText(r) + (r.status === 409 ? ' Your pending changes are kept; reload to see the current state.' : '')); return; }
    pending.add.clear();
    pending.remove.clear();
    confirmNeeded = [];
    show($('save-error'), '');
    await load();
    show($('global-error'), '');
  });

  $('rename-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('rename-input').value.trim();
    if (!name) { show($('rename-error'), 'Enter a display name.'); return; }
    const r = await api('PATCH', 'partners/' + enc(id), { body: { name }, headers: { 'If-Match': '"' + partner.version + '"' } });
    if (!r.ok) { show($('rename-error'), problemText(r)); return; }
    show($('rename-error'), '');
    await load();
  });

  $('delete').addEventListener('click', async () => {
    if (!window.confirm('Delete partner “' + partner.id + '”? Its agents lose the customers it gives them.')) return;
    const r = await api('DELETE', 'partners/' + enc(id), { headers: { 'If-Match': '"' + partner.version + '"' } });
    if (!r.ok) { show($('delete-error'), problemText(r)); return; }
    location.hash = '#/partners';
  });

  await load();
}

// ------------------------------------------------------------------------------------
// Agents

async function agentsPage() {
  mount('tpl-agents');
  const partnersR = await api('GET', 'partners?limit=500');
  const partnerIds = partnersR.ok ? partnersR.data.items.map((p) => p.id) : [];
  const filter = $('agent-filter');
  let latest = 0;
  const load = async () => {
    const q = filter.value.trim();
    const mine = ++latest;
    const r = await api('GET', 'agents?limit=200' + (q ? '&q=' + enc(q) : ''));
    const rows = $('agent-rows');
    if (!rows || mine !== latest) return;  // a newer search answers instead
    if (!r.ok) { show($('agent-error'), problemText(r)); return; }
    rows.replaceChildren(...r.data.items.map((a) => {
      const tags = a.partner_ids.map((pid) => {
        const member = a.member_partner_ids.includes(pid);
        return el('span', { class: 'tag partner' }, el('a', { href: '#/partner/' + enc(pid), text: pid }),
          el('button', { type: 'button', 'aria-label': 'Remove ' + a.login + ' from ' + pid, title: 'Remove from ' + pid, text: '×',
            onclick: () => link(a.login, pid, false, member ? 'partner_member' : 'agent_attribute') }));
      });
      for (const pid of a.unknown_partner_ids) tags.push(el('span', { class: 'tag', title: 'No partner entry with this ID', text: pid + ' (missing)' }));
      const select = el('select', { 'aria-label': 'Partner for ' + a.login },
        el('option', { value: '', text: 'Partner…' }),
        ...partnerIds.filter((p) => !a.partner_ids.includes(p)).map((p) => el('option', { value: p, text: p })));
      const mode = state.linkModes.length > 1 ? el('select', { 'aria-label': 'Link mode for ' + a.login },
        ...state.linkModes.map((m) => el('option', { value: m, text: m === 'agent_attribute' ? 'on agent' : 'as member' }))) : null;
      return el('tr', { 'data-agent': a.login },
        el('td', null, el('strong', { text: a.login })),
        el('td', { text: a.name }),
        el('td', null, ...(tags.length ? tags : [el('span', { class: 'muted', text: 'none' })])),
        el('td', null, el('div', { class: 'assign' }, select, mode,
          el('button', { type: 'button', class: 'small secondary', text: 'Assign',
            onclick: () => select.value ? link(a.login, select.value, true, mode ? mode.value : '') : show($('agent-error'), 'Choose a partner for ' + a.login + ' first.') }))),
        modeCell(a.login));
    }));
    $('agent-empty').hidden = r.data.items.length > 0;
    loadModes(r.data.items.map((a) => a.login));
  };
  const link = async (login, pid, linked, mode) => {
    const r = linked
      ? await api('POST', 'agents/' + enc(login) + '/partners', { body: { partner_id: pid, mode } })
      : await api('DELETE', 'agents/' + enc(login) + '/partners/' + enc(pid) + (mode ? '?mode=' + mode : ''));
    if (!r.ok) { show($('agent-error'), problemText(r)); return; }
    show($('agent-error'), '');
    await load();
  };
  filter.addEventListener('input', debounce(load, 200));
  filter.focus();
  await load();
}

// Access modes on the agents page: one cell per agent, filled in as the modes arrive.
// A list reload builds new cells while a write may still be on its way, so what orders
// reads against writes is kept per login, not per cell: a read fills a cell only if no
// write of that login started or was under way while the read was.
const MODES = ['full', 'edit', 'edit_import', 'edit_export', 'view_only', 'hidden'];
const modeCells = new Map();
const modeWrites = new Map();  // login -> { started, pending }

function modeWriteState(login) {
  if (!modeWrites.has(login)) modeWrites.set(login, { started: 0, pending: 0 });
  return modeWrites.get(login);
}

function modeCell(login) {
  const select = el('select', { 'aria-label': 'Access mode for ' + login, disabled: true },
    el('option', { value: '', text: 'inherit' }),
    ...MODES.map((m) => el('option', { value: m, text: m })));
  const effective = el('span', { class: 'muted', text: 'loading…' });
  const error = el('p', { class: 'error', role: 'alert', hidden: true });
  const entry = { cell: null, select, effective, error };
  select.addEventListener('change', async () => {
    const writes = modeWriteState(login);
    const mine = ++writes.started;
    writes.pending++;
    select.disabled = true;
    const r = await api('PUT', 'agents/' + enc(login) + '/mode', { body: { mode: select.value || null } });
    writes.pending--;
    if (mine !== writes.started) return;  // a later write answers instead
    const current = modeCells.get(login) || entry;
    current.select.disabled = false;
    if (!r.ok) {
      await readMode(login);  // the cell shows what is stored, not the choice that failed
      show(current.error, problemText(r));
      return;
    }
    show(current.error, '');
    fillMode(login, r.data);
  });
  const cell = el('td', { 'data-mode-of': login }, el('div', { class: 'mode-cell' }, select, effective), error);
  entry.cell = cell;
  modeCells.set(login, entry);
  return cell;
}

function fillMode(login, data) {
  const c = modeCells.get(login);
  if (!c) return;
  c.select.value = data.attribute_value && MODES.includes(data.attribute_value) ? data.attribute_value : '';
  c.select.disabled = false;
  c.effective.textContent = data.attribute_value ? '= ' + data.mode : '→ ' + data.mode;
  c.effective.title = data.source;
  c.cell.dataset.mode = data.mode;
}

async function loadModes(logins) {
  for (const k of [...modeCells.keys()]) if (!logins.includes(k)) modeCells.delete(k);
  const queue = logins.slice();
  const worker = async () => {
    while (queue.length) await readMode(queue.shift());
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

async function readMode(login) {
  const c = modeCells.get(login);
  if (!c) return;
  const writes = modeWriteState(login);
  if (writes.pending) return;  // the write's answer fills this cell
  const seen = writes.started;
  const r = await api('GET', 'agents/' + enc(login) + '/mode');
  // Only into the cell asked for, and only if no write started meanwhile: a newer list
  // or a mode just set wins over an answer that was on its way.
  if (modeCells.get(login) !== c || writes.started !== seen || !c.cell.isConnected) return;
  if (r.ok) fillMode(login, r.data);
  else { c.effective.textContent = 'unknown'; show(c.error, problemText(r)); }
}

// ------------------------------------------------------------------------------------
// Reveal limits

async function limitsPage(initial) {
  mount('tpl-limits');
  let current = '';
  const load = async (login) => {
    current = login;
    const r = await api('GET', 'agents/' + enc(login) + '/limit');
    if (current !== login || !$('lim-result')) return;
    if (!r.ok) {
      show($('lim-error'), r.status === 404 ? 'No agent with the login ' + login + '.' : problemText(r));
      $('lim-result').hidden = true;
      $('lim-empty').hidden = false;
      return;
    }
    show($('lim-error'), '');
    const d = r.data;
    $('lim-empty').hidden = true;
    $('lim-result').hidden = false;
    $('lim-head').textContent = d.agent + ' · ' + d.day;
    const t = d.today;
    const facts = [
      ['Revealed today', String(t.used_today)],
      ['Limit today', String(t.limit)],
      ['Left today', String(t.left)],
      ['Limit comes from', t.limit_source],
      ['Default limit', String(d.default_limit)],
      ['Agent’s own limit', d.agent_attribute_limit === null ? 'none' : String(d.agent_attribute_limit)],
      ['Time zone', d.timezone],
    ];
    $('lim-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v, 'data-fact': k })]));
    $('lim-overrides').replaceChildren(...d.overrides.map((o) => {
      const error = el('p', { class: 'error', role: 'alert', hidden: true });
      const label = (o.duration === 'today' ? 'Today (' + o.day + ')' : 'Permanent') + ': ' + o.limit + ' per day';
      return el('li', { 'data-override': o.duration },
        el('span', null, el('strong', { text: label }), el('br'),
          el('span', { class: 'muted', text: 'set by ' + o.set_by + ' at ' + new Date(o.set_at).toLocaleString() }), error),
        el('button', { type: 'button', class: 'small ghost', text: 'Remove', 'aria-label': 'Remove the ' + o.duration + ' override',
          onclick: async () => {
            const rr = await api('DELETE', 'agents/' + enc(d.agent) + '/limit?duration=' + o.duration);
            if (!rr.ok) { show(error, problemText(rr)); return; }
            show($('lim-set-ok'), 'Removed the ' + o.duration + ' override.');
            await load(d.agent);
          } }));
    }));
    $('lim-overrides-empty').hidden = d.overrides.length > 0;
    if (!$('lim-value').value) $('lim-value').value = String(t.limit);
  };
  $('lim-search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const login = $('lim-agent').value.trim();
    if (!login) { show($('lim-error'), 'Enter an agent login.'); return; }
    show($('lim-set-ok'), '');
    $('lim-value').value = '';
    history.replaceState(null, '', '#/agents/' + enc(login) + '/limits');
    await load(login);
  });
  $('lim-raise').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    show($('lim-set-ok'), '');
    const raw = $('lim-value').value.trim();
    const limit = Number(raw);
    if (!/^\d+$/.test(raw) || limit > 1000000) { show($('lim-set-error'), 'Enter a whole number from 0 to 1000000.'); $('lim-value').focus(); return; }
    const duration = document.querySelector('input[name="lim-duration"]:checked').value;
    $('lim-set').disabled = true;
    const r = await api('PUT', 'agents/' + enc(current) + '/limit', { body: { limit, duration } });
    $('lim-set').disabled = false;
    if (!r.ok) { show($('lim-set-error'), problemText(r)); return; }
    show($('lim-set-error'), '');
    show($('lim-set-ok'), 'Limit set to ' + limit + (duration === 'today' ? ' for today.' : ' permanently.'));
    await load(current);
  });
  if (initial) {
    $('lim-agent').value = initial;
    await load(initial);
  } else {
    $('lim-agent').focus();
  }
}

// ------------------------------------------------------------------------------------
// Activity

function activityPage() {
  mount('tpl-activity');
  const DAY = /^\d{4}-\d{2}-\d{2}$/;
  let next = null;
  let shown = 0;
  const query = () => {
    const p = [];
    for (const [key, id] of [['agent', 'af-agent'], ['customer', 'af-customer'], ['from', 'af-from'], ['to', 'af-to']]) {
      const v = $(id).value.trim();
      if (v) p.push(key + '=' + enc(v));
    }
    return p;
  };
  const row = (it) => el('tr', { 'data-reveal': String(it.id) },
    el('td', { text: new Date(it.time).toLocaleString(), title: it.time + ' (day ' + it.day + ')' }),
    el('td', null, el('a', { href: '#/agents/' + enc(it.agent) + '/limits', text: it.agent, title: 'Reveal limit of ' + it.agent })),
    el('td', null, el('button', { type: 'button', class: 'link-button', text: it.customer_login,
      title: 'Who revealed ' + it.customer_login + '?', onclick: () => revealers(it.customer_login) }),
      it.customer_name ? el('div', { class: 'muted', text: it.customer_name }) : null),
    el('td', { class: 'mono', text: it.customer_id }),
    el('td', { class: 'mono', text: it.source }));
  const load = async (more) => {
    for (const id of ['af-from', 'af-to']) {
      const v = $(id).value.trim();
      if (v && !DAY.test(v)) { show($('act-error'), 'Dates are written YYYY-MM-DD.'); $(id).focus(); return; }
    }
    const p = query();
    $('act-export').setAttribute('href', 'api/v1/reveals/export' + (p.length ? '?' + p.join('&') : ''));
    if (more && next) p.push('before=' + next);
    p.push('limit=50');
    const r = await api('GET', 'reveals?' + p.join('&'));
    if (!$('act-rows')) return;
    if (!r.ok) { show($('act-error'), problemText(r)); return; }
    show($('act-error'), '');
    if (r.data.timezone) $('act-zone').textContent = r.data.timezone;
    const rows = r.data.items.map(row);
    if (more) $('act-rows').append(...rows);
    else { $('act-rows').replaceChildren(...rows); shown = 0; }
    shown += rows.length;
    next = r.data.next_before;
    $('act-more').hidden = !next;
    $('act-empty').hidden = shown > 0;
    $('act-count').textContent = shown ? shown + (next ? '+ reveals' : (shown === 1 ? ' reveal' : ' reveals')) : '';
  };
  const revealers = async (customer) => {
    $('rv-customer').value = customer;
    const r = await api('GET', 'reveals/customers/' + enc(customer));
    if (!$('rv-rows')) return;
    if (!r.ok) { show($('rv-error'), problemText(r)); $('rv-table').hidden = true; return; }
    show($('rv-error'), '');
    $('rv-rows').replaceChildren(...r.data.revealed_by.map((x) => el('tr', { 'data-revealer': x.agent },
      el('td', { text: x.agent }), el('td', { text: String(x.times) }),
      el('td', { text: new Date(x.first).toLocaleString() }), el('td', { text: new Date(x.last).toLocaleString() }))));
    const none = r.data.revealed_by.length === 0;
    $('rv-table').hidden = none;
    show($('rv-empty'), none ? 'Nobody revealed ' + customer + '’s contact details.' : '');
    $('rv-head').scrollIntoView({ block: 'nearest' });
  };
  const notifications = async () => {
    const status = $('nf-status').value;
    const r = await api('GET', 'notifications' + (status ? '?status=' + enc(status) : ''));
    if (!$('nf-rows')) return;
    if (!r.ok) { show($('nf-error'), problemText(r)); return; }
    show($('nf-error'), '');
    $('nf-rows').replaceChildren(...r.data.items.map((n) => el('tr', { class: n.status === 'failed' ? 'failed' : null, 'data-notification': String(n.id) },
      el('td', { text: new Date(n.created_at).toLocaleString() }),
      el('td', null, el('a', { href: '#/agents/' + enc(n.agent) + '/limits', text: n.agent })),
      el('td', { text: n.day }),
      el('td', { text: n.recipient }),
      el('td', null, el('span', { class: 'tag ' + n.status, text: n.status === 'failed' ? '⚠ failed' : n.status })),
      el('td', { class: 'num', text: String(n.attempts) }),
      el('td', { text: n.last_error || '—' }))));
    $('nf-empty').hidden = r.data.items.length > 0;
  };
  $('act-filter').addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  $('act-reset').addEventListener('click', () => { $('act-filter').reset(); load(false); });
  $('act-more').addEventListener('click', () => load(true));
  $('rv-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = $('rv-customer').value.trim();
    if (!c) { show($('rv-error'), 'Enter a customer login.'); return; }
    revealers(c);
  });
  $('nf-status').addEventListener('change', notifications);
  load(false);
  notifications();
}

// ------------------------------------------------------------------------------------
// Settings

async function settingsPage() {
  mount('tpl-settings');
  const box = $('set-fieldworkers');
  box.disabled = true;
  const fill = (d) => {
    box.checked = d.fieldworkers_see_all_customers;
    box.disabled = false;
    $('set-attribute').textContent = d.access_mode_attribute;
    $('set-default').textContent = d.default_mode;
    $('set-groups').replaceChildren(...d.group_modes.map((g) => groupRow(g.group, g.mode)));
    syncGroupsEmpty();
  };
  const syncGroupsEmpty = () => { $('set-groups-empty').hidden = $('set-groups').children.length > 0; };
  const groupRow = (dn, mode) => {
    const n = $('set-groups').children.length + 1;
    const select = el('select', { 'aria-label': `Mode of group ${n}`, class: 'set-group-mode' },
      ...MODES.map((m) => el('option', { value: m, text: m, selected: m === mode })));
    const row = el('tr', null,
      el('td', null, el('input', { type: 'text', class: 'mono set-group-dn', value: dn, 'aria-label': `DN of group ${n}`, placeholder: 'cn=editors,ou=groups,dc=example,dc=com' })),
      el('td', null, select),
      el('td', null, el('button', { type: 'button', class: 'danger', text: 'Remove', onclick: () => { row.remove(); syncGroupsEmpty(); } })));
    return row;
  };
  $('set-groups-add').addEventListener('click', () => {
    const row = groupRow('', 'view_only');
    $('set-groups').append(row);
    syncGroupsEmpty();
    row.querySelector('input').focus();
  });
  $('set-groups-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    show($('set-groups-ok'), '');
    const groups = [...$('set-groups').children].map((tr) => ({
      group: tr.querySelector('.set-group-dn').value.trim(),
      mode: tr.querySelector('.set-group-mode').value,
    }));
    const r = await api('PUT', 'settings', { body: { group_modes: groups } });
    if (!r.ok) { show($('set-groups-error'), problemText(r)); return; }
    show($('set-groups-error'), '');
    fill(r.data);
    show($('set-groups-ok'), 'Group defaults saved.');
  });
  box.addEventListener('change', async () => {
    box.disabled = true;
    show($('set-ok'), '');
    const on = box.checked;
    const r = await api('PUT', 'settings', { body: { fieldworkers_see_all_customers: on } });
    if (!r.ok) { box.checked = !on; box.disabled = false; show($('set-error'), problemText(r)); return; }
    show($('set-error'), '');
    fill(r.data);
    show($('set-ok'), on ? 'Fieldworkers now see all customers of their partners.' : 'Fieldworkers now see only the customers they created.');
  });
  const r = await api('GET', 'settings');
  if (!$('set-default')) return;
  if (!r.ok) { show($('set-error'), problemText(r)); return; }
  fill(r.data);
}

// ------------------------------------------------------------------------------------
// Explain

function explainPage() {
  mount('tpl-explain');
  $('explain-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const agent = $('ex-agent').value.trim();
    const customer = $('ex-customer').value.trim();
    if (!agent || !customer) { show($('ex-error'), 'Enter an agent login and a customer login.'); return; }
    const r = await api('GET', 'explain?agent=' + enc(agent) + '&customer=' + enc(customer));
    if (!r.ok) { show($('ex-error'), problemText(r)); $('ex-result').hidden = true; return; }
    show($('ex-error'), '');
    const d = r.data;
    const decision = $('ex-decision');
    decision.className = 'decision ' + d.decision;
    decision.textContent = d.decision === 'allow' ? agent + ' can see ' + customer : agent + ' cannot see ' + customer;
    $('ex-reason').textContent = d.reason;
    const facts = [
      ['Rule', d.rule],
      ['Agent partner IDs', d.partner_ids.join(', ') || 'none'],
      ['Existing partners', d.known_partner_ids.join(', ') || 'none'],
      ['Customer’s customer IDs', d.customer_ids.join(', ') || 'none'],
      ['Matching customer IDs', d.matching_customer_ids.join(', ') || 'none'],
      ['Granted by', d.granting_partners.map((g) => g.partner_id + ' (' + g.customer_id + ')').join(', ') || '—'],
      ['Cache age', d.cache_age_seconds.toFixed(1) + ' s of ' + d.cache_ttl_seconds + ' s'],
      ['Directory now says', d.fresh_decision + ' (' + d.fresh_rule + ')'],
    ];
    if (d.bypass_group) facts.push(['Bypass group', d.bypass_group]);
    $('ex-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    $('ex-result').hidden = false;
  });
  $('ex-agent').focus();
}

// ------------------------------------------------------------------------------------
// History

async function historyPage() {
  mount('tpl-history');
  const load = async () => {
    const params = [];
    if ($('hf-partner').value.trim()) params.push('partner_id=' + enc($('hf-partner').value.trim()));
    if ($('hf-actor').value.trim()) params.push('actor=' + enc($('hf-actor').value.trim()));
    if ($('hf-action').value) params.push('action=' + enc($('hf-action').value));
    const r = await api('GET', 'history?limit=100' + (params.length ? '&' + params.join('&') : ''));
    const rows = $('history-rows');
    if (!rows) return;
    if (!r.ok) { show($('global-error'), problemText(r)); return; }
    rows.replaceChildren(...r.data.items.map((e) => {
      const error = el('p', { class: 'error', role: 'alert', hidden: true });
      let action;
      if (e.reverted_by) action = el('span', { class: 'reverted', text: 'reverted by #' + e.reverted_by });
      else action = el('button', { type: 'button', class: 'small ghost', text: 'Revert', 'aria-label': 'Revert change #' + e.id,
        onclick: async () => {
          const rr = await api('POST', 'history/' + e.id + '/revert');
          if (!rr.ok) { show(error, problemText(rr)); return; }
          await load();
        } });
      return el('tr', { 'data-entry': String(e.id) },
        el('td', { text: new Date(e.at_ms).toLocaleString() }),
        el('td', { text: e.actor }),
        el('td', null, el('div', { text: '#' + e.id + ' ' + e.summary }), error),
        el('td', null, action));
    }));
    $('history-empty').hidden = r.data.items.length > 0;
  };
  $('history-filter').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  await load();
}

// ------------------------------------------------------------------------------------
// Import / export

function importPage() {
  mount('tpl-import');
  $('import-file').addEventListener('change', async () => {
    const f = $('import-file').files[0];
    if (f) $('import-text').value = await f.text();
  });
  const run = async (dryRun) => {
    const csv = $('import-text').value;
    if (!csv.trim()) { show($('import-error'), 'Choose a CSV file or paste CSV first.'); return; }
    const mode = document.querySelector('input[name=import-mode]:checked').value;
    let q = '?mode=' + mode + (dryRun ? '&dry_run=true' : '');
    if ($('import-confirm').checked) q += '&confirm_unknown=true';
    const r = await api('POST', 'mappings/import' + q, { body: csv, headers: { 'Content-Type': 'text/csv' } });
    const report = $('import-report');
    if (!r.ok && !(r.data && r.data.partners)) {
      const lines = (r.data && (r.data.errors || r.data.unknown_customer_ids)) || [];
      show($('import-error'), problemText(r) + (r.data && r.data.unknown_customer_ids ? ' Unknown: ' + lines.join(', ') : ''));
      report.replaceChildren(...(r.data && r.data.errors ? [el('ul', null, ...r.data.errors.map((x) => el('li', { text: x })))] : []));
      return;
    }
    show($('import-error'), '');
    const d = r.data;
    const title = d.dry_run ? 'Check passed: ' + d.rows + ' rows; nothing written yet.' : (d.complete ? 'Imported ' + d.rows + ' rows.' : 'Import stopped at a conflict.');
    report.replaceChildren(el('p', { class: d.complete ? 'success' : 'error', 'data-import': d.dry_run ? 'checked' : 'applied', text: title }),
      d.partners.length ? el('table', { class: 'report-table' },
        el('thead', null, el('tr', null, el('th', { text: 'Partner' }), el('th', { text: 'Added' }), el('th', { text: 'Removed' }), el('th', { text: 'Status' }))),
        el('tbody', null, ...d.partners.map((p) => el('tr', null, el('td', { text: p.partner_id }), el('td', { text: p.added.join(', ') || '—' }),
          el('td', { text: p.removed.join(', ') || '—' }), el('td', { text: p.status })))))
        : el('p', { class: 'muted', text: 'Nothing to change: the directory already has these mappings.' }));
  };
  $('import-check').addEventListener('click', () => run(true));
  $('import-form').addEventListener('submit', (ev) => { ev.preventDefault(); run(false); });
}

startApp();
