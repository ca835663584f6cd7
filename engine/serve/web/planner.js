// Oasis planner (oasis serve, docs/serve.md): a session per tab, the API of docs/serve-openapi.json,
// two synchronised maps (baseline, current), the panels and the figures. No network access beyond
// the server that served the page.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
  const nf2 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const num = (x, f) => (x === null || x === undefined || Number.isNaN(x) ? '–' : (f || nf0).format(x));
  let session = null, geo = null, state = null, mode = 'zones', tool = 'info', selected = null;
  let polys = { base: [], current: [] }, maps = {}, marks = null, inFlight = 0;

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'cls') e.className = v;
      else if (k === 'style') e.style.cssText = v;  // CSSOM: allowed by the page's style-src 'self'
      else e.setAttribute(k, v);
    }
    for (const c of children || []) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }
  function busy(d) {
    inFlight += d;
    document.body.dataset.busy = inFlight > 0 ? '1' : '0';
  }
  function showError(err) {
    const box = $('error');
    if (!err) { box.hidden = true; box.textContent = ''; return; }
    box.hidden = false;
    box.textContent = '';
    box.appendChild(el('strong', { text: (err.name || 'Erreur') + ' ' }));
    box.appendChild(document.createTextNode(err.message || ''));
    if (err.fix) box.appendChild(el('div', { cls: 'note', text: 'Correction : ' + err.fix }));
    box.dataset.name = err.name || '';
  }
  async function api(method, path, body) {
    busy(1);
    try {
      const r = await fetch(path, {
        method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      let j = null;
      try { j = text ? JSON.parse(text) : null; } catch (e) { j = null; }
      if (!r.ok) throw (j && j.error) || { name: 'HTTP ' + r.status, message: text, fix: '' };
      return j;
    } finally { busy(-1); }
  }

  // --- The maps ----------------------------------------------------------------------------------
  function decode(rings) {  // [[x0, y0, dx, dy, ...] per ring] in 1e-5 degrees -> Leaflet rings
    return rings.map((r) => {
      const out = [];
      let x = 0, y = 0;
      for (let k = 0; k < r.length; k += 2) { x += r[k]; y += r[k + 1]; out.push([y / 1e5, x / 1e5]); }
      return out;
    });
  }
  function result(which) { return which === 'base' ? state.baseline : state.current; }
  function classOf(which, i) {
    const c = result(which).communes;
    return mode === 'zones' ? c.zone_class[i] : mode === 'apl' ? c.apl_class[i] : (c.time_class ? c.time_class[i] : -1);
  }
  function legendOf(which) {
    const L = result(which).legends;
    return mode === 'zones' ? L.zones : mode === 'apl' ? L.apl : L.time;
  }
  function fillOf(which, i) {
    const k = classOf(which, i), leg = legendOf(which);
    return !leg || k < 0 || k === undefined ? '#bdbdbd' : leg.classes[k].colour;
  }
  function style(which, i) {
    return { color: '#ffffff', weight: 0.4, opacity: 0.8, fillColor: fillOf(which, i), fillOpacity: 1 };
  }
  function buildMaps() {
    for (const which of ['base', 'current']) {
      if (maps[which]) { maps[which].remove(); }
      const m = L.map('map-' + which, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
      m.attributionControl.setPrefix(false);
      m.attributionControl.addAttribution('IGN, INSEE, DREES');  // in full under the figures
      const group = L.featureGroup();
      polys[which] = [];
      for (let i = 0; i < geo.code.length; ++i) {
        if (!geo.shapes[i].length) { polys[which].push(null); continue; }
        const p = L.polygon(geo.shapes[i].map(decode), style(which, i));
        p.on('mouseover', () => { p.setStyle({ weight: 2, color: '#000000' }); showCommune(i); });
        p.on('mouseout', () => p.setStyle(style(which, i)));
        p.bindTooltip(() => tooltip(which, i), { sticky: true });
        if (which === 'current') p.on('click', () => clickCommune(i));
        group.addLayer(p);
        polys[which].push(p);
      }
      group.addTo(m);
      L.featureGroup(geo.outlines.map((o) => L.polygon(o.map(decode), { color: '#404040', weight: 1.2, fill: false, interactive: false }))).addTo(m);
      m.fitBounds(group.getBounds());
      L.control.scale({ imperial: false }).addTo(m);
      maps[which] = m;
    }
    // The two maps move together.
    let syncing = false;
    const sync = (from, to) => maps[from].on('move', () => {
      if (syncing) return;
      syncing = true;
      maps[to].setView(maps[from].getCenter(), maps[from].getZoom(), { animate: false });
      syncing = false;
    });
    sync('base', 'current');
    sync('current', 'base');
    marks = L.featureGroup().addTo(maps.current);
    $('map-current').dataset.communes = String(polys.current.filter((p) => p).length);
  }
  function tooltip(which, i) {
    const c = result(which).communes;
    let t = geo.nom[i] + ' (' + geo.code[i] + ') — ' + c.zone[i] + ', APL ' + num(c.apl[i], nf2);
    if (c.time_urgences) t += ', urgences ' + num(c.time_urgences[i]) + ' min';
    return t;
  }
  function restyle() {
    for (const which of ['base', 'current'])
      polys[which].forEach((p, i) => p && p.setStyle(style(which, i)));
    const leg = legendOf('current'), box = $('legend');
    box.textContent = '';
    if (!leg) { box.textContent = 'Pas de temps aux urgences dans ce scénario.'; return; }
    box.appendChild(el('strong', { text: leg.title + ' : ' }));
    for (const k of leg.classes)
      box.appendChild(el('span', { cls: 'item' }, [el('span', { cls: 'swatch', style: 'background:' + k.colour }), k.label]));
    box.appendChild(el('span', { cls: 'item' }, [el('span', { cls: 'swatch', style: 'background:#bdbdbd' }), 'sans valeur']));
  }
  function markers() {
    marks.clearLayers();
    const centre = (i) => polys.current[i] && polys.current[i].getBounds().getCenter();
    const index = new Map(geo.code.map((c, i) => [c, i]));
    const sit = state.current.figures.siting;
    if (sit)
      for (const s of sit.sites) {
        const c = centre(s.commune);
        if (c) L.circleMarker(c, { radius: 7, color: '#000', weight: 2, fillColor: '#fff', fillOpacity: 0.9 })
          .bindTooltip('Suggestion : ' + s.nom).addTo(marks);
      }
    for (const ch of state.changes) {
      const i = ch.commune !== undefined ? index.get(ch.commune) : ch.finess ? (geo.urgences.find((u) => u.finess === ch.finess) || {}).commune : undefined;
      const c = i !== undefined && centre(i);
      if (!c) continue;
      const colour = ch.op === 'add' ? '#009e73' : ch.op === 'retire' ? '#cc79a7' : '#d55e00';
      L.circleMarker(c, { radius: 6, color: '#000', weight: 1.5, fillColor: colour, fillOpacity: 0.95 }).bindTooltip(ch.label).addTo(marks);
    }
    $('map-current').dataset.marks = String(marks.getLayers().length);
  }

  // --- Panels ------------------------------------------------------------------------------------
  function showCommune(i) {
    const box = $('commune-info');
    const cur = state.current.communes, base = state.baseline.communes;
    box.textContent = '';
    box.appendChild(el('strong', { text: geo.nom[i] + ' (' + geo.code[i] + ')' }));
    box.appendChild(el('div', { text: 'Zone : ' + base.zone[i] + ' → ' + cur.zone[i] }));
    box.appendChild(el('div', { text: 'APL : ' + num(base.apl[i], nf2) + ' → ' + num(cur.apl[i], nf2) }));
    if (cur.time_urgences) box.appendChild(el('div', { text: 'Urgences : ' + num(base.time_urgences[i]) + ' → ' + num(cur.time_urgences[i]) + ' min' }));
    const sites = geo.urgences.filter((u) => u.commune === i);
    const closed = new Set(state.changes.filter((c) => c.op === 'close').map((c) => c.finess));
    for (const u of sites) {
      const line = el('div', { text: (u.su ? 'SU' : 'SMUR') + ' ' + u.nom + ' ' });
      if (closed.has(u.finess)) line.appendChild(el('em', { text: '(fermé)' }));
      else line.appendChild(el('button', { type: 'button', cls: 'close-site', 'data-finess': u.finess, text: 'Fermer' }));
      box.appendChild(line);
    }
  }
  function clickCommune(i) {
    selected = i;
    showCommune(i);
    const code = geo.code[i];
    if (tool === 'add') change({ op: 'add', commune: code, gps: Number($('gps').value) });
    else if (tool === 'retire') change({ op: 'retire', commune: code, share: Number($('share').value) / 100 });
    else if (tool === 'close') {
      const open = geo.urgences.filter((u) => u.commune === i && !state.changes.some((c) => c.op === 'close' && c.finess === u.finess));
      if (!open.length) showError({ name: 'Aucun service', message: geo.nom[i] + ' n’a pas de service d’urgences ouvert dans ce scénario.', fix: 'cliquez une commune qui en a un (les villes-centres des hôpitaux)' });
      else change({ op: 'close', finess: open[0].finess });
    }
  }
  function settings() {
    const form = $('settings');
    // The same keys: only the values move (a redrawn form would lose the focus and the typing).
    const inputs = form.querySelectorAll('[name]');
    if (inputs.length === state.settings.length && state.settings.every((s, k) => inputs[k].name === s.key)) {
      state.settings.forEach((s, k) => { if (document.activeElement !== inputs[k]) inputs[k].value = String(s.value); });
      return;
    }
    form.textContent = '';
    for (const s of state.settings) {
      let input;
      if (s.choices) {
        input = el('select', { name: s.key });
        for (const c of s.choices) { const o = el('option', { value: c, text: c }); if (c === s.value) o.selected = true; input.appendChild(o); }
      } else {
        input = el('input', { type: 'number', name: s.key, step: 'any', value: String(s.value) });
        if (s.min !== null && s.min !== undefined && s.min > -1e299) input.min = String(s.min);
        if (s.max !== null && s.max !== undefined && s.max < 1e299) input.max = String(s.max);
      }
      input.addEventListener('change', () => {
        const value = s.choices ? input.value : Number(input.value);
        const now = state.settings.find((x) => x.key === s.key);
        if (now && now.value === value) return;  // unchanged (e.g. the form redrawn under the focus)
        change({ op: 'set', key: s.key, value });
      });
      form.appendChild(el('label', { title: s.doc }, [s.key, input]));
      if (s.unit) form.appendChild(el('span', { cls: 'unit', text: s.unit }));
    }
  }
  function changes() {
    const ol = $('changes');
    ol.textContent = '';
    state.changes.forEach((c, k) => {
      const b = el('button', { type: 'button', text: 'annuler' });
      b.addEventListener('click', () => undo(k));
      ol.appendChild(el('li', {}, [c.label, b]));
    });
    $('undo').disabled = state.changes.length === 0;
  }
  function figures() {
    const b = state.baseline.figures, c = state.current.figures;
    // [label, baseline, current, id, format, sense]: sense +1 = more is better access, -1 = worse, 0 = neither.
    const rows = [
      ['Communes en ZIP', b.zones.ZIP.communes, c.zones.ZIP.communes, 'zip-communes', nf0, -1],
      ['Communes en ZAC', b.zones.ZAC.communes, c.zones.ZAC.communes, 'zac-communes', nf0, 0],
      ['Population en ZIP', b.zip_population, c.zip_population, 'zip-population', nf0, -1],
      ['Population en ZAC', b.zones.ZAC.population, c.zones.ZAC.population, 'zac-population', nf0, 0],
      ['Généralistes (offre)', b.supply_total, c.supply_total, 'supply', nf0, 1],
      ['APL moyenne pondérée', b.apl_weighted_mean, c.apl_weighted_mean, 'apl-mean', nf2, 1],
      ['Population à plus de ' + num(c.urgences_max_min) + ' min des urgences', b.population_beyond_urgences, c.population_beyond_urgences, 'beyond-urgences', nf0, -1],
    ];
    c.grants.forEach((g, k) => {
      const gb = b.grants[k] || {};
      rows.push(['Aides : ' + g.scheme + ' (€)', gb.awarded_total ?? null, g.awarded_total, 'grant-' + k, nf0, 0]);
      rows.push(['— dossiers éligibles (sur ' + g.applications + ')', gb.eligible ?? null, g.eligible, 'grant-' + k + '-eligible', nf0, 0]);
      rows.push(['— dossiers sans montant calculable (la source n’en donne pas)', gb.not_computable ?? null, g.not_computable, 'grant-' + k + '-unknown', nf0, 0]);
    });
    if (c.grants.length) rows.push(['Aides, total (€)', b.grants_total, c.grants_total, 'grants-total', nf0, 0]);
    const tb = $('figures').querySelector('tbody');
    tb.textContent = '';
    for (const [label, vb, vc, id, f, sense] of rows) {
      const d = vb === null || vc === null ? null : vc - vb;
      const cls = !d || !sense ? '' : d * sense > 0 ? 'better' : 'worse';
      tb.appendChild(el('tr', { id: 'fig-' + id }, [el('td', { text: label }), el('td', { cls: 'num', text: num(vb, f) }),
        el('td', { cls: 'num current', text: num(vc, f) }), el('td', { cls: 'num ' + cls, text: d ? (d > 0 ? '+' : '') + num(d, f) : '0' })]));
    }
    const s = c.siting, p = $('siting');
    p.textContent = !s ? 'Pas d’optimisation dans ce scénario.'
      : s.sites.map((x) => x.nom + ' (' + x.code_insee + ')').join(', ') + ' — objectif ' + num(s.objective) + ', borne ' + num(s.bound) +
        ', écart ' + num(100 * s.gap, nf2) + ' % (' + s.method + ')';
  }
  function render() {
    restyle();
    markers();
    settings();
    changes();
    figures();
    if (selected !== null) showCommune(selected);
    const t = state.current.seconds;
    $('status').textContent = state.territory.title + ' — ' + state.changes.length + ' modification(s), ' + state.communes_changed +
      ' commune(s) changent de zone ; calcul ' + nf0.format(1000 * t) + ' ms';
    for (const [id, name] of [['export-toml', 'scenario.toml'], ['export-csv', 'zones.csv'], ['export-xlsx', 'zones.xlsx'], ['export-gpkg', 'communes.gpkg']])
      $(id).href = '/api/sessions/' + session + '/export/' + name;
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
    window.oasisPlanner = { session, state, focus, fit };
  }

  /// Zooms the current map on a commune and returns the page coordinates of a point inside it (tests).
  function focus(code) {
    const i = geo.code.indexOf(code), p = polys.current[i];
    if (!p) return null;
    maps.current.fitBounds(p.getBounds(), { animate: false, maxZoom: 12 });
    const r = $('map-current').getBoundingClientRect(), pt = maps.current.latLngToContainerPoint(p.getCenter());
    return { x: r.left + pt.x, y: r.top + pt.y };
  }

  function fit() { maps.current.fitBounds(L.featureGroup(polys.current.filter((p) => p)).getBounds(), { animate: false }); }

  // --- Actions -----------------------------------------------------------------------------------
  async function change(c) {
    try {
      state = await api('POST', '/api/sessions/' + session + '/changes', c);
      showError(null);
      render();
    } catch (err) { showError(err); }
  }
  async function undo(index) {
    try {
      state = await api('POST', '/api/sessions/' + session + '/undo', index === undefined ? {} : { index });
      showError(null);
      render();
    } catch (err) { showError(err); }
  }
  async function open(territory) {
    try {
      $('status').textContent = 'lecture des données de ' + territory + '…';
      if (session) api('DELETE', '/api/sessions/' + session).catch(() => {});
      state = await api('POST', '/api/sessions', { territory });
      session = state.session;
      geo = await api('GET', '/api/sessions/' + session + '/geometry');
      $('sources').textContent = geo.sources;
      buildMaps();
      selected = null;
      showError(null);
      render();
    } catch (err) { showError(err); }
  }

  document.querySelectorAll('input[name=tool]').forEach((r) => r.addEventListener('change', () => { tool = r.value; }));
  document.querySelectorAll('input[name=mode]').forEach((r) => r.addEventListener('change', () => { mode = r.value; if (state) restyle(); }));
  $('undo').addEventListener('click', () => undo());
  $('commune-info').addEventListener('click', (e) => {
    const f = e.target && e.target.dataset && e.target.dataset.finess;
    if (f) change({ op: 'close', finess: f });
  });
  $('territory').addEventListener('change', (e) => open(e.target.value));
  (async () => {
    try {
      const list = await api('GET', '/api/territories');
      for (const t of list) $('territory').appendChild(el('option', { value: t.id, text: (t.description || t.title) + ' (' + t.id + ')' }));
      const wanted = new URLSearchParams(location.search).get('territory');
      const first = list.find((t) => t.id === wanted) || list[0];
      $('territory').value = first.id;
      await open(first.id);
    } catch (err) { showError(err); }
  })();
})();
