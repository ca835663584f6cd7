// Opens an Oasis report.html from the file in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) and checks it as a planner would use it:
//   no console error, no uncaught exception, no network request (the page is self-contained);
//   the interactive map holds one feature per row of zones.csv, hovering a commune names it;
//   the table counts the communes, sorts on a header click, filters on a code;
//   with a baseline, "Ce que change le scénario": the modifications, the zoning before / after side
//   by side, the changed communes (as diff.csv, sortable, downloadable) and a screenshot of it.
// Usage: node report_check.cjs OUT_DIR [--screenshot PAGE.png] [--map-screenshot MAP.png] [--changes-screenshot CHANGES.png]
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../engine/report/web/node_modules/playwright-core'));

function fail(msg) {
  console.error('FAIL: ' + msg);
  process.exit(1);
}

function readZones(file) {  // zones.csv or sites.csv (',' or the French ';' export): code_insee, apl and zone per row
  let text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.length);
  const sep = lines[0].includes(';') ? ';' : ',';
  const head = lines[0].split(sep);
  const idx = (name) => head.indexOf(name);
  const rows = lines.slice(1).map((l) => {
    // names may be quoted and hold the separator: take code (first), and the numeric columns by index
    const cells = [];
    let cur = '', quoted = false;
    for (const ch of l) {
      if (ch === '"') quoted = !quoted;
      else if (ch === sep && !quoted) { cells.push(cur); cur = ''; } else cur += ch;
    }
    cells.push(cur);
    return cells;
  });
  return { head, rows, idx };
}

(async () => {
  const args = process.argv.slice(2);
  const out = args[0];
  if (!out) fail('usage: node report_check.cjs OUT_DIR [--screenshot PAGE.png] [--map-screenshot MAP.png]');
  const opt = (name) => { const i = args.indexOf(name); return i > 0 ? args[i + 1] : null; };
  const html = path.resolve(out, 'report.html');
  if (!fs.existsSync(html)) fail(html + ' does not exist');
  const zones = readZones(path.join(out, 'zones.csv'));
  const n = zones.rows.length;
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push('uncaught exception: ' + e.message));
    page.on('request', (r) => { if (!/^(file|data|about|blob):/.test(r.url())) problems.push('network request: ' + r.url()); });
    page.on('requestfailed', (r) => problems.push('failed request: ' + r.url()));
    const t0 = Date.now();
    await page.goto('file://' + html, { waitUntil: 'load', timeout: 120000 });
    await page.waitForSelector('#map[data-features]', { timeout: 120000 });
    const loadMs = Date.now() - t0;

    // The map: one feature per commune of zones.csv.
    const features = Number(await page.getAttribute('#map', 'data-features'));
    if (features !== n) fail(`the map holds ${features} features, zones.csv ${n} communes`);
    const fromApi = await page.evaluate(() => window.oasisReport.count);
    if (fromApi !== n) fail(`window.oasisReport.count = ${fromApi}, expected ${n}`);

    // Hover: the commune under the centre of the map is named in the info box, with its zone.
    await page.locator('#map').scrollIntoViewIfNeeded();
    const box = await page.locator('#map').boundingBox();
    // (A point may fall on a sub-pixel gap between two simplified outlines: try a few around it.)
    let info = '', m = null;
    for (const [dx, dy] of [[0, 0], [7, 5], [-9, 6], [5, -11], [-13, -8]]) {
      await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 3 });
      await page.waitForTimeout(150);
      info = await page.textContent('#map-info');
      m = /\((\d[0-9AB]\d{3})\)/.exec(info);
      if (m) break;
    }
    if (!m) fail('hovering the centre of the map names no commune: ' + JSON.stringify(info));
    const row = zones.rows.find((r) => r[zones.idx('code_insee')] === m[1]);
    if (!row) fail(`the hovered commune ${m[1]} is not in zones.csv`);
    if (!info.includes('Zone : ' + row[zones.idx('zone')])) fail(`hover on ${m[1]}: ${info} does not give the zone ${row[zones.idx('zone')]}`);

    // The legend switches the map to the APL classes and back.
    await page.check('#map-legend input[value="values"]');
    await page.check('#map-legend input[value="zones"]');

    // The table: counts, sort, filter.
    const count = await page.textContent('#table-count');
    const fr = new Intl.NumberFormat('fr-FR').format(n);
    if (!count.includes(fr)) fail(`table count "${count}" does not mention the ${fr} communes`);
    const shown = await page.locator('#zone-table tbody tr').count();
    if (shown !== Math.min(n, 500)) fail(`the table shows ${shown} rows, expected ${Math.min(n, 500)}`);
    await page.click('#zone-table th[data-key="value"]');
    const aplCol = await page.evaluate(() => [...document.querySelectorAll('#zone-table thead th')].findIndex((th) => th.dataset.key === 'value'));
    const values = await page.$$eval('#zone-table tbody tr', (trs, k) => trs.map((tr) => tr.children[k].textContent), aplCol);
    const parsed = values.filter((v) => v !== '').map((v) => Number(v.replace(/\s|\u202f/g, '').replace(',', '.')));
    for (let i = 1; i < parsed.length; ++i) if (parsed[i] < parsed[i - 1]) fail(`APL column not ascending after a click: ${parsed[i - 1]} then ${parsed[i]}`);
    const minApl = Math.min(...zones.rows.map((r) => Number(r[zones.idx('indicator')])).filter((x) => Number.isFinite(x)));
    if (Math.abs(parsed[0] - minApl) > 0.006) fail(`first row after sorting: APL ${parsed[0]}, smallest in zones.csv ${minApl}`);
    const code = zones.rows[0][zones.idx('code_insee')];
    await page.fill('#filter', code);
    const filtered = await page.$$eval('#zone-table tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
    if (!filtered.includes(code)) fail(`filtering on ${code} does not show it`);
    // The rule column: the code of zones.csv in the tooltip, words in the cell; filtering on a
    // rule code keeps exactly the communes of zones.csv with that rule.
    if (!filtered.includes(code)) fail(`filtering on ${code} does not show it`);
    const ruleCol = await page.evaluate(() => [...document.querySelectorAll('#zone-table thead th')].findIndex((th) => th.dataset.key === 'rule'));
    const ruleCell = await page.$$eval('#zone-table tbody tr', (trs, k) => [trs[0].children[k].title, trs[0].children[k].textContent], ruleCol);
    const csvRule = zones.rows[0][zones.idx('rule')];
    if (ruleCell[0] !== csvRule) fail(`rule tooltip of ${code}: ${ruleCell[0]}, zones.csv says ${csvRule}`);
    if (csvRule === 'mandatory' && ruleCell[1] !== 'ZIP socle') fail(`rule of ${code} shown as "${ruleCell[1]}", expected "ZIP socle"`);
    await page.fill('#filter', 'vivier-zac');
    const vz = await page.locator('#zone-table tbody tr').count();
    const vzCsv = zones.rows.filter((r) => r[zones.idx('rule')] === 'vivier-zac').length;
    if (vz !== Math.min(vzCsv, 500)) fail(`filtering on vivier-zac shows ${vz} rows, zones.csv has ${vzCsv}`);
    await page.fill('#filter', '');

    // Key figures and the comparison.
    const cards = await page.textContent('#cards');
    if (!cards.includes(new Intl.NumberFormat('fr-FR').format(summary.territory.population))) fail('the key figures do not give the population of summary.json');
    if (summary.comparison) {
      const t = await page.textContent('#comparison-table');
      const zip = summary.comparison.zip_population;
      for (const v of [zip.baseline, zip.scenario])
        if (!t.includes(new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 }).format(v))) fail(`the comparison table lacks the ZIP population ${v}`);
      // "Ce que change le scénario": one row per commune of diff.csv (zone or class changed), sortable,
      // the same rows in its CSV download; the zoning before and after side by side, both decoded.
      const diff = readZones(path.join(out, 'diff.csv'));
      if (diff.rows.length) {
        const listed = (await page.locator('#changed-table tbody tr').count());
        if (listed !== Math.min(1000, diff.rows.length)) fail(`${listed} changed communes listed, diff.csv has ${diff.rows.length}`);
        const codes = await page.$$eval('#changed-table tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
        const inDiff = new Set(diff.rows.map((r) => r[diff.idx('code_insee')]));
        const stray = codes.filter((c) => !inDiff.has(c));
        if (stray.length) fail(`communes listed as changed that diff.csv does not hold: ${stray.slice(0, 5).join(', ')}`);
        await page.click('#changed-table th[data-k="2"]');  // population, ascending
        const pops = await page.$$eval('#changed-table tbody tr', (trs) => trs.map((tr) => Number(tr.children[2].textContent.replace(/\s|\u202f/g, ''))));
        const smallest = Math.min(...diff.rows.map((r) => Number(r[diff.idx('population')])));
        if (pops[0] !== smallest) fail(`changed communes sorted by population: first ${pops[0]}, smallest in diff.csv ${smallest}`);
        for (let i = 1; i < pops.length; ++i) if (pops[i] < pops[i - 1]) fail(`changed communes not ascending by population: ${pops[i - 1]} then ${pops[i]}`);
        const href = await page.getAttribute('#changes-csv', 'href');
        const csv = decodeURIComponent(href.replace(/^data:text\/csv;charset=utf-8,/, '')).replace(/^\uFEFF/, '').trim().split('\n');
        if (csv.length - 1 !== diff.rows.length) fail(`the CSV download holds ${csv.length - 1} communes, diff.csv ${diff.rows.length}`);
        if (!csv[0].startsWith('code_insee,name,population,zone_baseline,zone,class_baseline,class')) fail('CSV download header: ' + csv[0]);
        const csvCodes = csv.slice(1).map((l) => l.split(',')[0]).sort();
        if (csvCodes.join() !== [...inDiff].sort().join()) fail('the CSV download and diff.csv name different communes');
      }
      if (summary.outputs_maps !== false && fs.existsSync(path.join(out, 'maps/zones-baseline.png'))) {
        const pair = await page.$$eval('#changes-maps img', (imgs) => imgs.map((i) => { const b = i.getBoundingClientRect(); return [i.naturalWidth, Math.round(b.top), Math.round(b.left), Math.round(b.width)]; }));
        if (pair.length !== 2 || pair.some((p) => p[0] !== 1754)) fail('before / after maps: ' + JSON.stringify(pair));
        if (pair[0][1] !== pair[1][1] || !(pair[1][2] >= pair[0][2] + pair[0][3])) fail('before / after maps are not side by side: ' + JSON.stringify(pair));
      }
    }
    // The scenario's modifications: one item each, in words, and a disc on the map for each commune named.
    const mods = summary.modifications || [];
    const items = mods.length ? await page.locator('#changes-list li').count() : 0;
    if (items !== mods.length) fail(`${items} modifications listed, summary.json has ${mods.length}`);
    const named = mods.reduce((k, m) => k + (m.type === 'add' ? 1 : (m.communes || []).length), 0);
    const discs = Number(await page.getAttribute('#map', 'data-modified'));
    if (discs !== named) fail(`${discs} modified communes on the map, summary.json names ${named}`);
    for (const m of mods.filter((x) => x.type === 'add'))
      if (!(await page.textContent('#changes-list')).includes(m.nom + ' (' + m.commune + ')')) fail(`the modifications do not name ${m.nom} (${m.commune})`);
    // Grants: one row per unconfirmed fact a scheme's decisions used, one item per open point.
    if (summary.grants) {
      const weak = summary.grants.reduce((n, g) => n + g.result.unconfirmed_facts.length, 0);
      const open = summary.grants.reduce((n, g) => n + g.result.open_points.length, 0);
      const rows = weak ? (await page.locator('#grants-unconfirmed tr').count()) - 1 : 0;
      if (rows !== weak) fail(`${rows} unconfirmed facts listed, summary.json has ${weak}`);
      const items = open ? await page.locator('#grants-open li').count() : 0;
      if (items !== open) fail(`${items} open points listed, summary.json has ${open}`);
      if (weak && !(await page.textContent('#grants-unconfirmed')).includes(summary.grants.find((g) => g.result.unconfirmed_facts.length).result.unconfirmed_facts[0].fact))
        fail('the unconfirmed facts table lacks the first fact of summary.json');
    }
    // Siting: a section a reader reaches from the menu, one row per site of sites.csv with its
    // name, one circle per site on the map, the objective, bound and gap of summary.json.
    if (summary.siting) {
      if (!(await page.isVisible('#nav-siting')) || !(await page.isVisible('#siting'))) fail('the siting section or its menu link is hidden');
      const sitesCsv = readZones(path.join(out, 'sites.csv'));
      const rows = (await page.locator('#sites-table tr').count()) - 1;
      if (rows !== sitesCsv.rows.length) fail(`${rows} sites listed, sites.csv has ${sitesCsv.rows.length}`);
      const table = await page.textContent('#sites-table');
      for (const r of sitesCsv.rows) if (!table.includes(r[sitesCsv.idx('name')])) fail(`the sites table lacks ${r[sitesCsv.idx('name')]}`);
      const circles = Number(await page.getAttribute('#map', 'data-sites'));
      if (circles !== sitesCsv.rows.length) fail(`${circles} sites on the map, sites.csv has ${sitesCsv.rows.length}`);
      const lead = await page.textContent('#siting-lead');
      const f0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
      for (const v of [summary.siting.objective, summary.siting.bound])
        if (!lead.includes(f0.format(v))) fail(`the siting lead lacks ${f0.format(v)}: ${lead}`);
    }
    const images = await page.$$eval('#maps img', (imgs) => imgs.map((i) => i.naturalWidth));
    if (images.some((w) => w !== 1754)) fail('a static map did not decode at 1754 px: ' + images.join(', '));

    if (problems.length) fail(problems.join('\n'));
    const shot = opt('--screenshot');
    if (shot) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: shot });
    }
    // The section as a reader sees it: a screenshot of "Ce que change le scénario", checked to be a
    // real picture of it (PNG of the section's size, not blank: the two maps and the table in it).
    const changesShot = opt('--changes-screenshot');
    if (changesShot) {
      if (!summary.comparison) fail('--changes-screenshot needs a run with a baseline');
      await page.locator('#comparison').scrollIntoViewIfNeeded();
      const b = await page.locator('#comparison').boundingBox();
      await page.locator('#comparison').screenshot({ path: changesShot });
      const png = fs.readFileSync(changesShot);
      const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
      if (png.toString('ascii', 1, 4) !== 'PNG' || Math.abs(w - b.width) > 3 || Math.abs(h - b.height) > 3)
        fail(`changes screenshot ${w} x ${h}, the section is ${b.width} x ${b.height}`);
      if (h < 600 || png.length < 100000) fail(`changes screenshot too small to hold the maps: ${w} x ${h}, ${png.length} bytes`);
    }
    const mapShot = opt('--map-screenshot');
    if (mapShot) {
      await page.locator('#map').scrollIntoViewIfNeeded();
      const b = await page.locator('#map').boundingBox();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 4 });
      await page.locator('#interactive').screenshot({ path: mapShot });
    }
    console.log(`ok: ${html}: ${features} features, ${shown} rows shown, loaded in ${loadMs} ms, no console error` +
      (summary.comparison ? `, ${summary.comparison.communes_changed} communes changed` : ''));
  } finally {
    await browser.close();
  }
  if (problems.length) fail(problems.join('\n'));
})().catch((e) => fail(e.stack || String(e)));
