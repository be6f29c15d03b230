// Browser tests of the scopegate dashboard: Debian's chromium driven by playwright-core.
// Run by run-dashboard-tests, which starts slapd (demo directory) and scopegate and sets
// SCOPEGATE_URL and SCREENSHOT_DIR. Exits non-zero on the first failed check.
import { chromium } from 'playwright-core';
import path from 'node:path';

const base = process.env.SCOPEGATE_URL;
const shots = process.env.SCREENSHOT_DIR;
if (!base || !shots) throw new Error('SCOPEGATE_URL and SCREENSHOT_DIR are required');

let step = '';
const log = (s) => { step = s; console.log('-- ' + s); };
function check(cond, message) {
  if (!cond) throw new Error('check failed in "' + step + '": ' + message);
}
async function eventually(fn, message, ms = 5000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out in "' + step + '": ' + message);
}

// The agent API as an agent of the partner sees it (HTTP Basic).
async function agentCustomerIds(login) {
  const auth = 'Basic ' + Buffer.from(login + ':' + login + '-pw').toString('base64');
  const res = await fetch(base + '/api/v1/customers?limit=500', { headers: { Authorization: auth } });
  if (res.status !== 200) return { status: res.status, ids: new Set(), count: 0 };
  const body = await res.json();
  return { status: 200, ids: new Set(body.items.map((c) => c.customer_id)), count: body.items.length };
}
const same = (set, list) => set.size === list.length && list.every((x) => set.has(x));

// Over HTTPS the runner names the server key's SPKI hash, so chromium trusts exactly that
// certificate (and Secure, __Host- cookies behave as on a real HTTPS site).
const trustedSpki = process.env.SCOPEGATE_TRUSTED_SPKI;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    ...(trustedSpki ? ['--ignore-certificate-errors-spki-list=' + trustedSpki] : [])],
});
const started = Date.now();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const cspViolations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  const shot = (name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });

  log('login page');
  await page.goto(base + '/admin/');
  await page.locator('#login-form').waitFor();
  await shot('login');

  log('non-admin login is refused with a clear message');
  await page.fill('#login-name', 'agent01');
  await page.fill('#login-password', 'agent01-pw');
  await page.click('#login-submit');
  await page.locator('#login-error', { hasText: 'not a member of an admin group' }).waitFor();
  check(await page.locator('#app-view').isHidden(), 'the app must stay hidden');

  log('admin logs in');
  await page.fill('#login-name', 'owner');
  await page.fill('#login-password', 'owner-pw');
  await page.press('#login-password', 'Enter');
  await page.locator('tr[data-partner="acme"]').waitFor();
  await shot('partners');

  log('partners filter');
  await page.fill('#partner-filter', 'glob');
  await page.locator('tr[data-partner="acme"]').waitFor({ state: 'detached' });
  check(await page.locator('tr[data-partner="globex"]').count() === 1, 'globex matches "glob"');
  await page.fill('#partner-filter', 'no-such-partner');
  await page.locator('#partner-empty', { hasText: 'No partner matches' }).waitFor();
  await page.fill('#partner-filter', '');

  log('create a partner');
  await page.click('#new-partner-toggle');
  await page.fill('#np-id', 'zeta');
  await page.fill('#np-name', 'Zeta Services');
  await page.click('#np-create');
  await page.locator('#p-title', { hasText: 'Zeta Services' }).waitFor();
  await page.locator('#chips-empty').waitFor();

  log('add customer IDs through the autocomplete');
  for (const cid of ['C00190', 'C00191']) {
    await page.fill('#cid-input', '');
    await page.type('#cid-input', cid.slice(0, 5));
    await page.locator('#cid-options li', { hasText: cid }).first().waitFor();
    await page.locator('#cid-options li', { hasText: cid }).first().click();
    await page.locator('.chip.adding[data-cid="' + cid + '"]').waitFor();
  }
  await page.locator('#pending-summary', { hasText: 'add C00190, C00191' }).waitFor();
  await page.click('#save');
  await page.locator('.chip:not(.adding)[data-cid="C00191"]').waitFor();
  check(await page.locator('#pending').isHidden(), 'nothing pending after save');

  log('assign agent20 to zeta on the agents page');
  await page.click('a[data-nav="agents"]');
  // Waits for the filtered list, not the unfiltered one that may still arrive after the fill.
  const filterAgents = async (q) => {
    await page.fill('#agent-filter', q);
    // Polled from here: the page's CSP forbids the eval that waitForFunction needs.
    const rows = page.locator('tr[data-agent]');
    for (let i = 0; ; ++i) {
      const names = await rows.evaluateAll((trs) => trs.map((r) => r.dataset.agent));
      if (names.length > 0 && names.every((n) => n.includes(q))) break;
      if (i === 100) throw new Error('agents page never showed only ' + q + ': ' + names.join(' '));
      await page.waitForTimeout(100);
    }
  };
  await filterAgents('agent20');
  const row = page.locator('tr[data-agent="agent20"]');
  await row.locator('select').first().selectOption('zeta');
  await row.locator('button', { hasText: 'Assign' }).click();
  await page.locator('tr[data-agent="agent20"] .tag.partner', { hasText: 'zeta' }).waitFor();
  await page.fill('#agent-filter', '');
  await page.locator('tr[data-agent="agent01"]').waitFor();
  await shot('agents');

  log('the agent API shows exactly the customers of those IDs');
  let seen = await eventually(async () => {
    const r = await agentCustomerIds('agent20');
    return r.status === 200 && same(r.ids, ['C00190', 'C00191']) ? r : null;
  }, 'agent20 should see C00190 and C00191');
  check(seen.count === 20, 'demo data: 10 customers per customer ID, got ' + seen.count);

  log('preview and apply a removal');
  await page.goto(base + '/admin/#/partner/zeta');
  await page.locator('.chip[data-cid="C00191"] button').click();
  await page.locator('.chip.removing[data-cid="C00191"]').waitFor();
  await page.locator('#preview li', { hasText: 'agent20' }).waitFor();
  const preview = await page.locator('#preview').textContent();
  check(preview.includes('loses C00191') && !preview.includes('C00190'), 'preview: ' + preview);
  check((await agentCustomerIds('agent20')).count === 20, 'preview must not write');
  await shot('partner');
  await page.click('#save');
  await page.locator('.chip[data-cid="C00191"]').waitFor({ state: 'detached' });
  await eventually(async () => same((await agentCustomerIds('agent20')).ids, ['C00190']),
    'agent20 should see only C00190 now');

  log('history shows the removal; revert it');
  await page.click('a[data-nav="history"]');
  const entry = page.locator('#history-rows tr', { hasText: 'removed C00191' }).first();
  await entry.waitFor();
  await shot('history');
  await entry.locator('button', { hasText: 'Revert' }).click();
  await page.locator('#history-rows tr', { hasText: 'reverted #' }).first().waitFor();
  await page.locator('#history-rows .reverted').first().waitFor();
  await eventually(async () => same((await agentCustomerIds('agent20')).ids, ['C00190', 'C00191']),
    'the revert gives C00191 back');

  log('import a CSV');
  await page.click('a[data-nav="import"]');
  await page.fill('#import-text', 'partner_id,customer_id\nzeta,C00192\nnope,C00001\n');
  await page.click('#import-apply');
  await page.locator('#import-error', { hasText: 'nothing was changed' }).waitFor();
  await page.locator('#import-report li', { hasText: 'no partner with ID nope' }).waitFor();
  await page.fill('#import-text', 'partner_id,customer_id\nzeta,C00192\n');
  await page.click('#import-check');
  await page.locator('[data-import="checked"]').waitFor();
  await page.click('#import-apply');
  await page.locator('[data-import="applied"]').waitFor();
  await shot('import');
  await eventually(async () => same((await agentCustomerIds('agent20')).ids, ['C00190', 'C00191', 'C00192']),
    'the imported C00192 is visible to the agent');

  log('explain');
  await page.click('a[data-nav="explain"]');
  await page.fill('#ex-agent', 'agent20');
  await page.fill('#ex-customer', 'cust000190');
  await page.press('#ex-customer', 'Enter');
  await page.locator('#ex-decision.allow').waitFor();
  check((await page.locator('#ex-facts').textContent()).includes('zeta'), 'explain names zeta');
  await shot('explain');

  log('an agent reveals a customer through the agent API');
  const basic = (login) => 'Basic ' + Buffer.from(login + ':' + login + '-pw').toString('base64');
  const revealed = await fetch(base + '/api/v1/customers/cust000001/reveal',
    { method: 'POST', headers: { Authorization: basic('agent01') } });
  check(revealed.status === 200, 'reveal answered ' + revealed.status);
  const today = new Date().toISOString().slice(0, 10);

  log('activity lists the reveal, filters it, exports it and says who revealed the customer');
  await page.click('a[data-nav="activity"]');
  const revealRow = page.locator('#act-rows tr', { hasText: 'cust000001' }).first();
  await revealRow.waitFor();
  const revealText = await revealRow.textContent();
  check(revealText.includes('agent01') && revealText.includes('C00001'), 'row: ' + revealText);
  check((await revealRow.locator('td').nth(4).textContent()).includes('127.0.0.1'), 'source address shown');
  await page.fill('#af-agent', 'agent02');
  await page.click('#act-apply');
  await page.locator('#act-empty').waitFor();
  await page.fill('#af-agent', 'agent01');
  await page.fill('#af-from', today);
  await page.fill('#af-to', today);
  await page.press('#af-customer', 'Enter');
  await revealRow.waitFor();
  const exportHref = await page.locator('#act-export').getAttribute('href');
  check(exportHref.includes('agent=agent01') && exportHref.includes('from=' + today), 'export link: ' + exportHref);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), exportHref);
  check(csv.startsWith('id,time_utc') && csv.includes('cust000001'), 'CSV: ' + csv.slice(0, 200));
  await revealRow.locator('button', { hasText: 'cust000001' }).click();
  await page.locator('#rv-rows tr[data-revealer="agent01"]').waitFor();
  await page.locator('#nf-empty').waitFor();
  await shot('activity');

  log('reveal limits: the alert-mail deep link, raise today, set and remove overrides');
  await page.goto(base + '/admin/#/agents/agent01/limits');
  await page.locator('#lim-head', { hasText: 'agent01' }).waitFor();
  check(await page.locator('nav a[aria-current="page"]').textContent() === 'Reveal limits', 'nav marks reveal limits');
  check(await page.locator('dd[data-fact="Revealed today"]').textContent() === '1', 'one reveal today');
  check(await page.locator('dd[data-fact="Limit today"]').textContent() === '3', 'configured daily limit');
  await page.fill('#lim-value', '25');
  await page.check('input[name="lim-duration"][value="today"]');
  await page.click('#lim-set');
  await page.locator('#lim-set-ok', { hasText: 'for today' }).waitFor();
  await page.locator('dd[data-fact="Limit today"]', { hasText: '25' }).waitFor();
  await page.locator('#lim-overrides li[data-override="today"]').waitFor();
  await shot('reveal-limits');
  await page.fill('#lim-value', '40');
  await page.check('input[name="lim-duration"][value="permanent"]');
  await page.press('#lim-value', 'Enter');
  await page.locator('#lim-overrides li[data-override="permanent"]').waitFor();
  await page.locator('#lim-overrides li[data-override="today"] button').click();
  await page.locator('#lim-overrides li[data-override="today"]').waitFor({ state: 'detached' });
  await page.locator('dd[data-fact="Limit today"]', { hasText: '40' }).waitFor();
  await page.fill('#lim-value', '-5');
  await page.click('#lim-set');
  await page.locator('#lim-set-error', { hasText: 'whole number' }).waitFor();
  await page.fill('#lim-agent', 'nobody-here');
  await page.press('#lim-agent', 'Enter');
  await page.locator('#lim-error', { hasText: 'No agent' }).waitFor();

  log('access mode of an agent from the agents page; the agent API follows');
  const modeOf = async (login) => {
    const r = await fetch(base + '/api/v1/me', { headers: { Authorization: basic(login) } });
    return (await r.json()).access.mode;
  };
  const before = await modeOf('agent02');
  await page.click('a[data-nav="agents"]');
  await filterAgents('agent02');
  const modeCell = page.locator('td[data-mode-of="agent02"]');
  await page.locator('td[data-mode-of="agent02"][data-mode]').waitFor();
  const shown = await modeCell.getAttribute('data-mode');
  check(shown === before, 'the page shows the mode the agent API uses: page ' + shown + ', API ' + before);
  await modeCell.locator('select').selectOption('edit');
  await page.locator('td[data-mode-of="agent02"][data-mode="edit"]').waitFor();
  await eventually(async () => (await modeOf('agent02')) === 'edit', 'agent02 is now edit');
  await shot('agents-modes');
  await modeCell.locator('select').selectOption('');
  await page.locator('td[data-mode-of="agent02"][data-mode="' + before + '"]').waitFor();
  await eventually(async () => (await modeOf('agent02')) === before, 'agent02 inherits again');

  log('settings: the fieldworkers switch and the group defaults');
  await page.click('a[data-nav="settings"]');
  await page.locator('#set-default', { hasText: 'view_only' }).waitFor();
  await page.locator('#set-groups-empty').waitFor();
  check(!(await page.locator('#set-fieldworkers').isChecked()), 'off by configuration');
  await page.check('#set-fieldworkers');
  await page.locator('#set-ok', { hasText: 'all customers' }).waitFor();
  // A group default added in the dashboard is saved, shown again after a reload, and logged.
  await page.click('#set-groups-add');
  await page.fill('#set-groups tr:last-child .set-group-dn', 'not a dn');
  await page.click('#set-groups-save');
  await page.locator('#set-groups-error', { hasText: 'not a group DN' }).waitFor();
  await page.fill('#set-groups tr:last-child .set-group-dn', 'cn=scopegate-admins,ou=groups,dc=example,dc=com');
  await page.selectOption('#set-groups tr:last-child .set-group-mode', 'edit');
  await page.click('#set-groups-save');
  await page.locator('#set-groups-ok', { hasText: 'saved' }).waitFor();
  await page.reload();
  await page.locator('#set-default', { hasText: 'view_only' }).waitFor();
  check((await page.inputValue('#set-groups tr:last-child .set-group-dn')) === 'cn=scopegate-admins,ou=groups,dc=example,dc=com', 'group default kept');
  check((await page.inputValue('#set-groups tr:last-child .set-group-mode')) === 'edit', 'group mode kept');
  await shot('settings');
  await page.click('#set-groups tr:last-child button');
  await page.click('#set-groups-save');
  await page.locator('#set-groups-ok', { hasText: 'saved' }).waitFor();
  await page.locator('#set-groups-empty').waitFor();
  await page.uncheck('#set-fieldworkers');
  await page.locator('#set-ok', { hasText: 'only the customers they created' }).waitFor();
  await page.click('a[data-nav="history"]');
  await page.locator('#history-rows tr', { hasText: 'fieldworkers see all customers' }).first().waitFor();
  await page.locator('#history-rows tr', { hasText: 'access mode of agent agent02' }).first().waitFor();
  await page.locator('#history-rows tr', { hasText: 'access-mode group defaults' }).first().waitFor();

  log('a write without the CSRF token is refused');
  const csrf = await page.evaluate(async () => {
    const r = await fetch('api/v1/partners', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'csrf-test', name: 'x' }) });
    const p = await fetch('api/v1/partners/csrf-test');
    return [r.status, p.status];
  });
  check(csrf[0] === 403 && csrf[1] === 404, 'got ' + csrf);

  log('a hostile display name is shown as text');
  const hostile = '<img src=x onerror=alert(1)>';
  await page.click('a[data-nav="partners"]');
  await page.click('#new-partner-toggle');
  await page.fill('#np-id', 'xss');
  await page.fill('#np-name', hostile);
  await page.click('#np-create');
  await page.locator('#p-title').waitFor();
  check(await page.locator('#p-title').textContent() === hostile, 'title is the literal text');
  await page.click('a[data-nav="partners"]');
  await page.locator('tr[data-partner="xss"]').waitFor();
  check((await page.locator('tr[data-partner="xss"] td').nth(1).textContent()) === hostile, 'cell text');
  check(await page.locator('img[src="x"]').count() === 0, 'no <img> was created');
  check(dialogs.length === 0, 'no dialog may fire: ' + dialogs);

  log('keyboard: the login form and navigation work without a mouse');
  check(await page.locator('nav a[aria-current="page"]').textContent() === 'Partners', 'current page marked');

  check(pageErrors.length === 0, 'page errors: ' + pageErrors.join('; '));
  check(cspViolations.length === 0, 'CSP violations: ' + cspViolations.join('; '));

  log('sign out');
  await page.click('#logout');
  await page.locator('#login-form').waitFor();
  const after = await page.evaluate(async () => (await fetch('api/v1/partners')).status);
  check(after === 401, 'session gone after sign-out');
  console.log('browser tests passed in ' + ((Date.now() - started) / 1000).toFixed(1) + ' s');
} finally {
  await browser.close();
}
