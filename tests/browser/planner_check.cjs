// The planner of `oasis serve` in headless Chromium (Debian's /usr/bin/chromium, playwright-core), as
// a planner uses it: the page loads with no console error and no request outside the server; the
// map holds every commune; the "MSP" tool and a click on Authon-du-Perche add an MSP; the page
// updates (figures, changes list, markers); undo and redo; a second tab does not see the change;
// the exported scenario, run by `oasis run`, gives the zones the page shows.
// Usage: node planner_check.cjs URL OASIS WORK_DIR [--screenshot PAGE.png] [--screenshot-urgences PAGE.png]
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { chromium } = require(path.join(__dirname, '../../engine/report/web/node_modules/playwright-core'));

function fail(msg) {
  console.error('FAIL: ' + msg);
  process.exit(1);
}

(async () => {
  const [url, oasis, work] = process.argv.slice(2, 5);
  if (!work) fail('usage: node planner_check.cjs URL OASIS WORK_DIR [--screenshot PAGE.png]');
  const args = process.argv.slice(5);
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : null; };
  const origin = new URL(url).origin;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push('uncaught exception: ' + e.message));
    page.on('request', (r) => { if (!r.url().startsWith(origin + '/') && !/^(data|about|blob):/.test(r.url())) problems.push('request outside the server: ' + r.url()); });
    page.on('requestfailed', (r) => problems.push('failed request: ' + r.url()));
  };
  const updates = async (page) => Number(await page.getAttribute('body', 'data-updates'));
  const settle = async (page, after) => {
    await page.waitForFunction((n) => Number(document.body.dataset.updates) > n && document.body.dataset.busy === '0', after, { timeout: 60000 });
  };
  const current = (page, id) => page.textContent('#fig-' + id + ' td.current');
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    watch(page);
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'load', timeout: 120000 });
    await settle(page, 0);
    const loadMs = Date.now() - t0;
    const st0 = await page.evaluate(() => window.oasisPlanner.state);
    const n = st0.current.figures.communes;
    const drawn = Number(await page.getAttribute('#map-current', 'data-communes'));
    if (drawn !== n) fail(`the map holds ${drawn} communes, the state ${n}`);
    const zip0 = await current(page, 'zip-communes');

    // The MSP tool, then a click inside Authon-du-Perche (28018) on the current map.
    await page.check('input[name=tool][value=add]');
    await page.fill('#gps', '4');
    const pt = await page.evaluate(() => window.oasisPlanner.focus('28018'));
    if (!pt) fail('Authon-du-Perche (28018) is not on the map');
    await page.waitForTimeout(300);
    const before = await updates(page);
    const t1 = Date.now();
    await page.mouse.click(pt.x, pt.y);
    await settle(page, before);
    const clickMs = Date.now() - t1;
    const st1 = await page.evaluate(() => window.oasisPlanner.state);
    if (st1.changes.length !== 1 || st1.changes[0].op !== 'add') fail('the click made no "add" change: ' + JSON.stringify(st1.changes));
    if (st1.changes[0].commune !== '28018') fail('the click landed on ' + st1.changes[0].commune + ', not 28018');
    const zip1 = await current(page, 'zip-communes');
    if (zip1 === zip0) fail(`the ZIP count did not change after the MSP (${zip0})`);
    if (st1.communes_changed <= 0) fail('no commune changed zone');
    const items = await page.$$eval('#changes li', (l) => l.length);
    if (items !== 1) fail(`the changes list holds ${items} items`);
    const marks = Number(await page.getAttribute('#map-current', 'data-marks'));
    if (marks < 1) fail('no marker for the change');
    if (opt('--screenshot')) {
      await page.evaluate(() => window.oasisPlanner.fit());
      await page.mouse.move(5, 5);
      await page.waitForTimeout(300);
      await page.screenshot({ path: opt('--screenshot'), fullPage: true });
    }

    // A second tab: its own session, without the first tab's change.
    const other = await context.newPage();
    watch(other);
    await other.goto(url, { waitUntil: 'load' });
    await settle(other, 0);
    const st2 = await other.evaluate(() => window.oasisPlanner.state);
    if (st2.session === st1.session) fail('two tabs share a session');
    if (st2.changes.length !== 0) fail('the second tab sees the first tab\'s changes');
    if ((await current(other, 'zip-communes')) !== zip0) fail('the second tab does not show the baseline');
    await other.close();

    // The export of the state, run by oasis run: the same zones, commune by commune.
    const toml = await (await page.request.get(origin + '/api/sessions/' + st1.session + '/export/scenario.toml')).text();
    const file = path.join(work, 'exported.toml');
    fs.writeFileSync(file, toml);
    execFileSync(oasis, ['run', file, '-o', path.join(work, 'exported-run'), '-q', '--overwrite'], { stdio: 'inherit' });
    const lines = fs.readFileSync(path.join(work, 'exported-run', 'zones.csv'), 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const zi = head.indexOf('zone');
    const geo = await (await page.request.get(origin + '/api/sessions/' + st1.session + '/geometry')).json();
    const byCode = new Map();
    for (const l of lines.slice(1)) {
      const cells = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, ''));
      byCode.set(cells[0], cells[zi]);
    }
    let differ = 0;
    geo.code.forEach((c, i) => { if (byCode.get(c) !== st1.current.communes.zone[i]) ++differ; });
    if (byCode.size !== n || differ) fail(`oasis run of the exported scenario: ${byCode.size} communes, ${differ} with another zone than the page`);
    const zipRun = [...byCode.values()].filter((z) => z === 'ZIP').length;
    if (String(zipRun) !== zip1.replace(/\s/g, '')) fail(`ZIP communes: page ${zip1}, oasis run ${zipRun}`);

    // Undo: back to the baseline; the page keeps working after a refused change.
    let b = await updates(page);
    await page.click('#undo');
    await settle(page, b);
    if ((await current(page, 'zip-communes')) !== zip0) fail('undo did not restore the baseline');
    await page.fill('#settings input[name="zoning.zip_below"]', '-1');
    await page.press('#settings input[name="zoning.zip_below"]', 'Tab');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30000 });
    const errName = await page.getAttribute('#error', 'data-name');
    if (errName !== 'E-SCENARIO-VALUE') fail('a negative threshold gave ' + errName + ', not E-SCENARIO-VALUE');
    b = await updates(page);
    await page.fill('#settings input[name="zoning.zip_below"]', '3');
    await page.press('#settings input[name="zoning.zip_below"]', 'Tab');
    await settle(page, b);
    const st3 = await page.evaluate(() => window.oasisPlanner.state);
    if (st3.changes.length !== 1 || st3.changes[0].key !== 'zoning.zip_below') fail('the threshold change after the refused one did not apply: ' + JSON.stringify(st3.changes));

    // Close the emergency service of Vierzon (18279) by a click: more people beyond 30 minutes.
    await page.check('input[name=tool][value=close]');
    const pv = await page.evaluate(() => window.oasisPlanner.focus('18279'));
    await page.waitForTimeout(300);
    b = await updates(page);
    await page.mouse.click(pv.x, pv.y);
    await settle(page, b);
    const st4 = await page.evaluate(() => window.oasisPlanner.state);
    const closed = st4.changes[st4.changes.length - 1];
    if (closed.op !== 'close' || closed.finess !== '180000200') fail('the click on Vierzon did not close its SU: ' + JSON.stringify(closed));
    const beyond = (r) => r.figures.population_beyond_urgences;
    if (!(beyond(st4.current) > beyond(st4.baseline))) fail('closing Vierzon left the population beyond 30 minutes unchanged');
    if (opt('--screenshot-urgences')) {
      await page.check('input[name=mode][value=time]');
      await page.evaluate(() => window.oasisPlanner.fit());
      await page.mouse.move(5, 5);
      await page.waitForTimeout(300);
      await page.screenshot({ path: opt('--screenshot-urgences'), fullPage: true });
    }

    // No stray console message, no request elsewhere.
    const real = problems.filter((p) => !/Failed to load resource.*40[04]/.test(p));
    if (real.length) fail(real.join('\n'));
    console.log(`ok: ${n} communes; page ready in ${loadMs} ms; click to updated map ${clickMs} ms; ZIP communes ${zip0} -> ${zip1}; ` +
      `${st1.communes_changed} communes changed; export run matches the page; Vierzon closed: ` +
      `${beyond(st4.baseline)} -> ${beyond(st4.current)} inhabitants beyond 30 min`);
  } finally {
    await browser.close();
  }
})().catch((e) => fail(e.stack || String(e)));
