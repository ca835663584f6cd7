// Oasis report: builds the figures, the histogram, the interactive map and the commune table from
// the JSON block of the page (written by oasis run, docs/report.md). No network access.
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('oasis-data').textContent);
  const S = D.summary;
  const C = D.communes;
  const n = C.code.length;
  const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nf2 = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const pct = (x) => (x === null || x === undefined ? '–' : nf1.format(100 * x) + ' %');
  const num = (x, f) => (x === null || x === undefined || Number.isNaN(x) ? '–' : f.format(x));

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'cls') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children || []) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }
  function swatch(colour) { return el('span', { cls: 'swatch', style: 'background:' + colour }); }
  function rows(table, list) {
    for (const r of list) table.appendChild(el('tr', {}, r.map((c, i) => el('td', i ? { cls: 'num' } : {}, [c]))));
  }

  // --- Key figures -------------------------------------------------------------------------------
  document.getElementById('simulation').textContent = D.labels.notice || '';
  const byZone = (S.zoning && S.zoning.by_zone) || {};
  const zoneShare = (z) => (byZone[z] ? byZone[z].share : 0);
  const cards = [
    [nf0.format(S.territory.communes), 'communes'],
    [nf0.format(S.territory.population), 'habitants'],
    [nf0.format(S.supply.total), (D.labels.profession || S.supply.kind) + ' (ETP APL)'],
    [num(S.access.weighted_mean, nf2), 'APL moyenne pondérée'],
    [pct(zoneShare('ZIP')), 'de la population en ZIP'],
    [pct(zoneShare('ZAC')), 'de la population en ZAC'],
  ];
  const cardBox = document.getElementById('cards');
  for (const [v, l] of cards) cardBox.appendChild(el('div', { cls: 'card' }, [el('div', { cls: 'value', text: v }), el('div', { cls: 'label', text: l })]));

  const zt = document.getElementById('by-zone');
  zt.appendChild(el('tr', {}, ['Zone', 'Communes', 'Population', 'Part'].map((h, i) => el('th', i ? { cls: 'num' } : {}, [h]))));
  for (const z of D.zones.classes) {
    const b = byZone[z.label] || { communes: 0, population: 0, share: 0 };
    zt.appendChild(el('tr', {}, [el('td', {}, [swatch(z.colour), z.label]), el('td', { cls: 'num', text: nf0.format(b.communes) }),
      el('td', { cls: 'num', text: nf0.format(b.population) }), el('td', { cls: 'num', text: pct(b.share) })]));
  }
  const A = S.access || {};
  const inequality = [
    ['Indice de Gini de l\u2019APL (pondéré par la population)', num(A.gini, nf2)],
    ['Ratio de Palma (10 % les mieux dotés / 40 % les moins dotés)', num(A.palma, nf2)],
    ['Population sous l\u2019APL ' + num(A.line, nf1), nf0.format(A.population_below || 0) + ' (' + pct(A.share_below) + ')'],
  ];
  const SU = S.supply || {};
  if (SU.description) inequality.push(['Offre utilisée par l\u2019APL', SU.description]);
  const CAL = SU.calibration;
  if (CAL) {
    const fig = (f) => f ? 'Spearman ' + num(f.spearman, nf2) + ', écart moyen ' + num(f.mean_absolute_error, nf2) +
      ', accord sur le seuil ' + num(A.line, nf1) + ' : ' + pct(f.agreement_below_line) : 'non calculé';
    inequality.push(['APL calibrée contre l\u2019APL publiée (ajustement, même année)', fig(CAL.in_sample)]);
    inequality.push(['APL prédite département par département, hors de l\u2019ajustement (validation croisée)', fig(CAL.cross_validated)]);
    inequality.push(['APL avant calibration (effectifs \u00d7 ' + nf0.format(CAL.prior_activity) + ' actes)', fig(CAL.prior)]);
  } else if (A.fidelity && A.fidelity.spearman !== undefined)
    inequality.push(['Corrélation de rang avec l\u2019APL publiée par la DREES (Spearman)', num(A.fidelity.spearman, nf2)]);
  rows(document.getElementById('inequality'), inequality);

  // --- APL distribution (population per 0.25 bin) ------------------------------------------------
  (function histogram() {
    const width = 0.25, top = 12;
    const bins = new Array(Math.round(top / width) + 1).fill(0);
    let missing = 0;
    for (let i = 0; i < n; ++i) {
      const v = C.value[i];
      if (v === null) { missing += C.population[i]; continue; }
      bins[Math.min(bins.length - 1, Math.floor(v / width))] += C.population[i];
    }
    const W = 1100, H = 260, L = 70, B = 40, bw = (W - L - 10) / bins.length;
    const max = Math.max(...bins) || 1;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', '100%');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Population par tranche d\u2019APL');
    const classOf = (x) => { let k = 0; while (k < D.values.breaks.length && x >= D.values.breaks[k]) ++k; return k; };
    bins.forEach((p, k) => {
      const h = (H - B - 10) * p / max;
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('x', L + k * bw); r.setAttribute('y', H - B - h);
      r.setAttribute('width', Math.max(1, bw - 1)); r.setAttribute('height', h);
      r.setAttribute('fill', D.values.classes[classOf(k * width)].colour);
      const t = document.createElementNS(ns, 'title');
      t.textContent = (k === bins.length - 1 ? '\u2265 ' + nf2.format(k * width) : nf2.format(k * width) + ' \u2013 ' + nf2.format((k + 1) * width)) + ' : ' + nf0.format(p) + ' hab.';
      r.appendChild(t);
      svg.appendChild(r);
    });
    const text = (x, y, s, anchor) => {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', x); t.setAttribute('y', y); t.setAttribute('text-anchor', anchor || 'middle');
      t.textContent = s; svg.appendChild(t);
    };
    for (let a = 0; a <= top; a += 1) text(L + (a / width) * bw, H - B + 16, String(a));
    text(L + (W - L) / 2, H - 4, D.values.title);
    text(L - 6, 16, nf0.format(max) + ' hab.', 'end');
    text(L - 6, H - B, '0', 'end');
    for (const b of D.values.breaks) {
      const line = document.createElementNS(ns, 'line');
      const x = L + (b / width) * bw;
      line.setAttribute('x1', x); line.setAttribute('x2', x); line.setAttribute('y1', 8); line.setAttribute('y2', H - B);
      line.setAttribute('stroke', '#333'); line.setAttribute('stroke-dasharray', '4 3');
      svg.appendChild(line);
    }
    const box = document.getElementById('histogram');
    box.appendChild(svg);
    if (missing > 0) box.appendChild(el('p', { cls: 'note', text: nf0.format(missing) + ' habitants sans valeur d\u2019APL.' }));
  })();

  // --- What this scenario changes: its modifications in words, the zoning before / after side by
  // side, the figures against the baseline, grant and siting effects, and every commune whose zone
  // or class changed (sortable, downloadable as CSV) ------------------------------------------------
  const modifiedIndex = [];  // [commune index, 'add' | 'retire'] of the modifications, for the map
  (function changes() {
    const box = document.getElementById('comparison-body');
    const K = S.comparison;
    const M = S.modifications || [];
    const index = new Map(C.code.map((c, i) => [c, i]));
    const place = (code) => (index.has(code) ? C.nom[index.get(code)] + ' (' + code + ')' : code);
    const modText = (m) => {
      const label = m.label ? ' — « ' + m.label + ' »' : '';
      if (m.type === 'add')
        return 'Ouverture' + (m.kind === 'msp' ? ' d\u2019une maison de santé' : m.kind ? ' (' + m.kind + ')' : '') + ' : +' +
          num(m.supply_added, nf1) + ' ETP à ' + place(m.commune) + label;
      if (m.type === 'retire') {
        const how = m.age_min !== undefined ? ' des praticiens de ' + m.age_min + ' ans et plus'
          : m.share !== undefined ? ', chaque praticien partant avec une probabilité de ' + pct(m.share) + ' (tirage ' + m.seed + ')'
            : m.ids !== undefined ? ' de ' + nf0.format(m.ids) + ' praticiens nommés' + (m.ids_unmatched ? ' (dont ' + nf0.format(m.ids_unmatched) + ' introuvables)' : '') : '';
        const where = m.communes && m.communes.length ? ' à ' + m.communes.map(place).join(', ') : ' sur tout le territoire';
        return 'Départs : −' + num(m.supply_removed, nf1) + ' ETP' + how + where + ' (' + nf0.format(m.records_changed) + ' lieux d\u2019exercice)' + label;
      }
      return m.type + label;
    };
    for (const m of M) {
      if (m.type === 'add' && index.has(m.commune)) modifiedIndex.push([index.get(m.commune), 'add']);
      for (const c of m.communes || []) if (index.has(c)) modifiedIndex.push([index.get(c), 'retire']);
    }
    if (M.length) {
      box.appendChild(el('h3', { text: 'Modifications du scénario (' + nf0.format(M.length) + ')' }));
      const ul = el('ul', { id: 'changes-list' });
      for (const m of M) ul.appendChild(el('li', {}, [modText(m), el('span', { cls: 'note', text: ' (' + m.where + ')' })]));
      box.appendChild(ul);
    }
    if (!K) {
      box.appendChild(el('p', { cls: 'note', text: 'Pas de scénario de référence : ajouter outputs.baseline au scénario (un autre scénario ou un dossier de résultats) pour comparer.' }));
      return;
    }
    box.appendChild(el('p', { text: 'Référence : ' + K.baseline }));
    // The zoning before and after, side by side (the static maps: same layout, same colours).
    const before = document.getElementById('baseline-map');
    const after = document.querySelector('#maps img[alt="Carte du zonage"]');
    if (before && after) {
      before.hidden = false;
      const marked = modifiedIndex.length && !S.siting ? ' ; cercles : communes modifiées' : S.siting ? ' ; cercles : implantations proposées' : '';
      box.appendChild(el('div', { cls: 'pair', id: 'changes-maps' }, [
        el('figure', {}, [before, el('figcaption', { text: 'Avant : ' + K.baseline + ' (maps/zones-baseline.png)' })]),
        el('figure', {}, [el('img', { alt: 'Zonage du scénario', src: after.src }), el('figcaption', { text: 'Après : ce scénario (maps/zones.png' + marked + ')' })]),
      ]));
    }
    const t = el('table', { cls: 'figures', id: 'comparison-table' });
    t.appendChild(el('tr', {}, ['', 'Référence', 'Scénario', 'Écart'].map((h, i) => el('th', i ? { cls: 'num' } : {}, [h]))));
    for (const [key, label] of [['zip_population', 'Population en ZIP'], ['zac_population', 'Population en ZAC'], ['mandatory_zip_population', 'Population en ZIP (socle)']]) {
      const v = K[key];
      if (!v) continue;
      t.appendChild(el('tr', {}, [el('td', { text: label }), el('td', { cls: 'num', text: nf0.format(v.baseline) }),
        el('td', { cls: 'num', text: nf0.format(v.scenario) }), el('td', { cls: 'num', text: (v.scenario >= v.baseline ? '+' : '') + nf0.format(v.scenario - v.baseline) })]));
    }
    rows(t, [['Communes qui changent de zone', nf0.format(K.communes_changed), '', ''], ['Population concernée', nf0.format(K.population_moved), '', '']]);
    if (K.communes_class_changed !== undefined) rows(t, [['Communes qui changent de classe (avant le choix de l\u2019ARS)', nf0.format(K.communes_class_changed), '', '']]);
    if (K.urgences)
      rows(t, [['Communes qui passent au-delà de ' + nf0.format(K.urgences.max_min) + ' min des soins urgents', nf0.format(K.urgences.communes_crossed_beyond), '', ''],
        ['Population concernée', nf0.format(K.urgences.population_crossed_beyond), '', ''],
        ['Communes qui repassent en deçà', nf0.format(K.urgences.communes_back_within), '', '']]);
    box.appendChild(t);
    // Grant and siting effects, when the scenario has them (details in their sections).
    const effects = [];
    for (const g of S.grants || [])
      if (g.baseline)
        effects.push('Aide ' + g.scheme + ' : ' + nf0.format(g.result.awarded_total) + ' € accordés, ' +
          (g.baseline.awarded_total_difference >= 0 ? '+' : '') + nf0.format(g.baseline.awarded_total_difference) + ' € par rapport à la référence');
    if (S.siting) effects.push(nf0.format(S.siting.placed) + ' implantations proposées (section Implantations, cercles sur les cartes)');
    if (effects.length) {
      box.appendChild(el('h3', { text: 'Effets sur les aides et les implantations' }));
      box.appendChild(el('ul', { id: 'changes-effects' }, effects.map((e) => el('li', { text: e }))));
    }
    if (!C.zone_baseline) return;
    // Every commune whose zone or class changed: sortable on each header, downloadable as CSV.
    const ZB = C.zone_baseline, CB = C.class_baseline || [], VB = C.value_baseline || [];
    const changed = [];
    for (let i = 0; i < n; ++i)
      if ((ZB[i] !== null && ZB[i] !== C.zone[i]) || (CB[i] !== undefined && CB[i] !== null && CB[i] !== C.class[i])) changed.push(i);
    if (!changed.length) return;
    const cols = [['code_insee', 'Code', (i) => C.code[i], 'text'], ['name', 'Commune', (i) => C.nom[i], 'text'],
      ['population', 'Population', (i) => C.population[i], 'int'], ['zone_baseline', 'Zone (réf.)', (i) => ZB[i], 'text'],
      ['zone', 'Zone', (i) => C.zone[i], 'text'], ['class_baseline', 'Classe (réf.)', (i) => CB[i], 'text'],
      ['class', 'Classe', (i) => C.class[i], 'text'], ['indicator_baseline', 'Indicateur communal (réf.)', (i) => VB[i], 'real'],
      ['indicator', 'Indicateur communal', (i) => C.value[i], 'real'],
      ['indicator_change', 'Écart', (i) => (VB[i] === null || VB[i] === undefined || C.value[i] === null ? null : C.value[i] - VB[i]), 'real']];
    const csvCell = (v) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(Math.round(v * 1e5) / 1e5) : /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v);
    const csv = '\ufeff' + cols.map((c) => c[0]).join(',') + '\n' + changed.map((i) => cols.map((c) => csvCell(c[2](i))).join(',')).join('\n') + '\n';
    const h = el('h3', { text: 'Communes qui changent de zone ou de classe (' + nf0.format(changed.length) + ') ' });
    h.appendChild(el('a', { id: 'changes-csv', download: 'communes-modifiees.csv', href: 'data:text/csv;charset=utf-8,' + encodeURIComponent(csv), text: 'télécharger (CSV)' }));
    box.appendChild(h);
    const ct = el('table', { id: 'changed-table', cls: 'sortable' });
    const head = el('tr', {}, cols.map((c, k) => el('th', c[3] === 'text' ? { 'data-k': String(k) } : { cls: 'num', 'data-k': String(k) }, [c[1]])));
    ct.appendChild(head);
    const body = el('tbody');
    ct.appendChild(body);
    const limit = 1000;
    const cell = (c, i) => {
      const v = c[2](i);
      if (c[3] === 'text') return el('td', { text: v === null || v === undefined ? '–' : v });
      const f = c[3] === 'int' ? nf0 : nf2;
      return el('td', { cls: 'num', text: c[0] === 'indicator_change' && v > 0 ? '+' + f.format(v) : num(v, f) });
    };
    let order = changed.slice().sort((a, b) => C.population[b] - C.population[a] || (C.code[a] < C.code[b] ? -1 : 1)), sortCol = -1, asc = true;
    const render = () => {
      body.textContent = '';
      for (const i of order.slice(0, limit)) body.appendChild(el('tr', {}, cols.map((c) => cell(c, i))));
    };
    head.querySelectorAll('th').forEach((th, k) => th.addEventListener('click', () => {
      asc = sortCol === k ? !asc : true;
      sortCol = k;
      const get = cols[k][2];
      order.sort((a, b) => {
        const x = get(a), y = get(b);
        const xm = x === null || x === undefined || Number.isNaN(x), ym = y === null || y === undefined || Number.isNaN(y);
        if (xm || ym) return xm === ym ? a - b : xm ? 1 : -1;  // no value last, either way
        const d = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'fr');
        return (asc ? d : -d) || a - b;
      });
      head.querySelectorAll('th').forEach((t2, j) => (j === k ? t2.setAttribute('aria-sort', asc ? 'ascending' : 'descending') : t2.removeAttribute('aria-sort')));
      render();
    }));
    render();
    box.appendChild(el('div', { cls: 'table-wrap short' }, [ct]));
    if (changed.length > limit) box.appendChild(el('p', { cls: 'note', text: 'Les ' + nf0.format(limit) + ' premières lignes ; toutes dans le CSV ci-dessus et dans diff.csv.' }));
  })();

  // --- Siting: where the openings go, what they lift, how far from the best possible -------------
  const siteIndex = [];  // commune index of each site, for the map
  (function siting() {
    const s = S.siting;
    if (!s) return;
    const box = document.getElementById('siting');
    box.hidden = false;
    document.getElementById('nav-siting').hidden = false;
    const R = s.candidate_rules || {};
    const lift = s.objective_kind === 'lift';
    const fmt = (x) => (lift ? nf0.format(x) : num(x, nf2));
    const what = lift ? 'habitants des zones portées à ' + num(s.line, nf1) + ' ou plus'
      : s.objective_kind === 'max-min' ? 'valeur de la zone la moins dotée' : 'valeur moyenne des 10 % de la population les moins dotés';
    box.appendChild(el('h2', { text: 'Implantations proposées' }));
    const verdict = s.method === 'mip-optimal' ? 'optimum prouvé (modèle exact COIN-OR CBC)'
      : s.method === 'mip-bound' ? 'modèle exact arrêté à sa limite de temps' : 'heuristique seule';
    box.appendChild(el('p', { id: 'siting-lead', text: nf0.format(s.placed) + ' ouvertures de ' + num(s.supply_per_site, nf1) + ' ETP : ' +
      fmt(s.objective) + ' ' + what + ' (avant : ' + fmt(s.before) + ') ; aucune autre implantation respectant les règles ne fait mieux que ' +
      fmt(s.bound) + ', soit un écart de ' + pct(s.gap) + ' (' + verdict + ').' }));
    const rules = [];
    rules.push(['Candidates', R.rule === 'listed' ? nf0.format(R.listed) + ' communes listées'
      : 'communes d\u2019au moins ' + nf0.format(R.min_population) + ' habitants (' + nf0.format(R.below_min_population) + ' plus petites écartées)']);
    if (R.excluded) rules.push(['Exclues par le scénario', nf0.format(R.excluded)]);
    if (R.msp === 'exclude') rules.push(['Communes ayant déjà une MSP (FINESS), écartées', nf0.format(R.with_msp_excluded)]);
    rules.push(['Communes candidates retenues', nf0.format(s.candidates)]);
    if (R.min_distance_km > 0) rules.push(['Distance minimale entre deux implantations', num(R.min_distance_km, nf1) + ' km (' + nf0.format(R.pairs_too_close) + ' paires trop proches)']);
    if (R.max_per_commune > 1) rules.push(['Ouvertures au plus par commune', nf0.format(R.max_per_commune)]);
    rules.push(['Activité ajoutée par ouverture', nf0.format(s.supply_added_per_site) + ' consultations (' + num(s.supply_per_site, nf1) +
      ' ETP \u00d7 ' + nf0.format(s.activity_per_gp) + ')']);
    rules.push(['Heuristique seule / borne combinatoire', fmt(s.heuristic_objective) + ' / ' + fmt(s.combinatorial_bound)]);
    rows(box.appendChild(el('table', { cls: 'figures', id: 'siting-rules' })), rules);
    const t = box.appendChild(el('table', { id: 'sites-table' }));
    t.appendChild(el('tr', {}, ['Code', 'Commune', 'Population', 'Ouvertures', lift ? 'Habitants perdus sans elle' : 'Perte sans elle'].map((h) => el('th', { text: h }))));
    const byCode = new Map(C.code.map((c, i) => [c, i]));
    for (const e of s.sites) {
      if (byCode.has(e.code_insee)) siteIndex.push(byCode.get(e.code_insee));
      t.appendChild(el('tr', {}, [el('td', { text: e.code_insee }), el('td', { text: e.name }), el('td', { cls: 'num', text: nf0.format(e.population) }),
        el('td', { cls: 'num', text: String(e.openings) }), el('td', { cls: 'num', text: fmt(e.marginal) })]));
    }
    box.appendChild(el('p', { cls: 'note', text: 'Les implantations sont des propositions : la liste des zones reste celle du scénario. ' +
      'Elles figurent sur la carte interactive (cercles noirs) et dans la couche « sites » du GeoPackage.' }));
  })();

  // --- Siting and grants, when the scenario has them ---------------------------------------------
  (function extra() {
    const box = document.getElementById('extra');
    const FL = S.flags || {};
    if (FL.urgences || FL.msp) {
      box.appendChild(el('h2', { text: 'Accès aux soins urgents et aux maisons de santé' }));
      const r = [];
      const U = FL.urgences;
      if (U) {
        const src = U.sae ? 'SU générale ou SMUR, SAE ' + U.sae.year : 'sites du fichier flags.urgences';
        r.push(['Établissements de soins urgents dans le territoire (' + src + ')', nf0.format(U.sites)]);
        if (U.su_sites !== undefined) r.push(['dont avec une SU générale autorisée', nf0.format(U.su_sites)]);
        r.push(['Population à plus de ' + nf0.format(U.max_min) + ' minutes des soins urgents', nf0.format(U.population_beyond) + ' (' + pct(U.share_beyond) + ')']);
        r.push(['Communes à plus de ' + nf0.format(U.max_min) + ' minutes', nf0.format(U.communes_beyond)]);
        const T = U.times && U.times.urgences;
        if (T) r.push(['Temps : du distancier / au-delà de sa limite / en ligne droite', nf0.format(T.from_table) + ' / ' + nf0.format(T.beyond_cutoff) + ' / ' + nf0.format(T.straight_line)]);
      }
      if (FL.msp) {
        r.push(['Communes avec une maison de santé pluriprofessionnelle (FINESS)', nf0.format(FL.msp.communes_with_msp)]);
        r.push(['Temps moyen à la plus proche (pondéré par la population)', num(FL.msp.mean_time_min, nf1) + ' min']);
      }
      rows(box.appendChild(el('table', { cls: 'figures', id: 'urgences-table' })), r);
    }
    if (S.grants && S.grants.length) {
      box.appendChild(el('h2', { text: 'Aides' }));
      const t = box.appendChild(el('table', { id: 'grants-table' }));
      t.appendChild(el('tr', {}, ['Dispositif', 'Dossiers accordés', 'Montant accordé (€)', 'Écart à la référence (€)'].map((h) => el('th', { text: h }))));
      for (const g of S.grants) {
        const diff = g.baseline ? (g.baseline.awarded_total_difference >= 0 ? '+' : '') + nf0.format(g.baseline.awarded_total_difference) : '–';
        t.appendChild(el('tr', {}, [el('td', { text: g.scheme + ' (' + g.version + ')' }), el('td', { cls: 'num', text: nf0.format(g.result.awarded_count) }),
          el('td', { cls: 'num', text: nf0.format(g.result.awarded_total) }), el('td', { cls: 'num', text: diff })]));
      }
      // The facts the decisions rest on that their source does not state (docs/grants.md, "Quotes").
      const weak = S.grants.flatMap((g) => (g.result.unconfirmed_facts || []).map((u) => [g, u]));
      if (weak.length) {
        box.appendChild(el('h3', { text: 'Faits non confirmés par leur source dont dépendent les décisions' }));
        const u = box.appendChild(el('table', { id: 'grants-unconfirmed' }));
        u.appendChild(el('tr', {}, ['Dispositif', 'Fait', 'Confiance', 'Provenance', 'Décisions', 'Dossiers accordés', 'Montant accordé (€)'].map((h) => el('th', { text: h }))));
        for (const [g, f] of weak) {
          u.appendChild(el('tr', {}, [el('td', { text: g.scheme }), el('td', { text: f.fact }), el('td', { text: f.confidence }),
            el('td', { text: f.origin || f.note || '' }), el('td', { cls: 'num', text: nf0.format(f.decisions) }),
            el('td', { cls: 'num', text: nf0.format(f.awarded_count) }), el('td', { cls: 'num', text: nf0.format(f.awarded_total) })]));
        }
      }
      const open = S.grants.flatMap((g) => (g.result.open_points || []).map((o) => [g, o]));
      if (open.length) {
        box.appendChild(el('h3', { text: 'Points ouverts : ce que la source décrit sans règle calculable' }));
        const ul = box.appendChild(el('ul', { id: 'grants-open' }));
        for (const [g, o] of open) ul.appendChild(el('li', { text: g.scheme + ' — ' + o.text + (o.quote ? ' (« ' + o.quote + ' »)' : '') }));
      }
    }
  })();

  // --- Interactive map ---------------------------------------------------------------------------
  function decode(rings) {  // [[x0, y0, dx, dy, ...] per ring] in 1e-5 degrees -> Leaflet rings
    return rings.map((r) => {
      const out = [];
      let x = 0, y = 0;
      for (let k = 0; k < r.length; k += 2) { x += r[k]; y += r[k + 1]; out.push([y / 1e5, x / 1e5]); }
      return out;
    });
  }
  let mode = 'zones';
  const selectRow = { fn: null };
  const mapDiv = document.getElementById('map');
  const map = L.map(mapDiv, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(D.attribution);
  const fillOf = (i) => {
    const k = mode === 'zones' ? C.zone_class[i] : C.value_class[i];
    return k < 0 ? '#bdbdbd' : (mode === 'zones' ? D.zones : D.values).classes[k].colour;
  };
  // Zoomed out, communes are outlined in their own colour (white outlines and the seams of
  // anti-aliasing would wash a whole country out); zoomed in, in white.
  let outline = 0.5;
  const outlineFor = (zoom) => (zoom >= 9 ? 0.6 : zoom >= 7 ? 0.3 : 0);
  const base = (i) => (outline > 0
    ? { color: '#ffffff', weight: outline, opacity: 0.8, fillColor: fillOf(i), fillOpacity: 1 }
    : { color: fillOf(i), weight: 0.6, opacity: 1, fillColor: fillOf(i), fillOpacity: 1 });
  const communes = L.featureGroup();
  const metropolitan = L.latLngBounds([]);
  for (let i = 0; i < n; ++i) {
    if (!D.shapes[i].length) continue;
    const poly = L.polygon(D.shapes[i].map(decode), base(i));
    poly.oasisIndex = i;
    poly.on('mouseover', () => { poly.setStyle({ weight: 2, color: '#000000' }); poly.bringToFront(); info.update(i); });
    poly.on('mouseout', () => { poly.setStyle(base(i)); info.update(null); });
    poly.on('click', () => selectRow.fn && selectRow.fn(i));
    communes.addLayer(poly);
    const b = poly.getBounds();
    if (b.getWest() > -6 && b.getEast() < 10 && b.getSouth() > 41 && b.getNorth() < 52) metropolitan.extend(b);
  }
  communes.addTo(map);
  const outlines = L.featureGroup(D.outlines.map((o) => L.polygon(o.map(decode), { color: '#404040', weight: 1.2, fill: false, interactive: false })));
  outlines.addTo(map);
  map.on('zoomend', () => {
    const w = outlineFor(map.getZoom());
    if (w !== outline) { outline = w; communes.eachLayer((p) => p.setStyle(base(p.oasisIndex))); }
  });
  // The siting answer: a circle at each chosen commune, its name and openings on hover.
  const sites = L.featureGroup();
  for (const i of siteIndex) {
    const poly = communes.getLayers().find((p) => p.oasisIndex === i);
    if (!poly) continue;
    const e = S.siting.sites.find((x) => x.code_insee === C.code[i]);
    L.circleMarker(poly.getBounds().getCenter(), { radius: 7, color: '#000000', weight: 2, fillColor: '#ffffff', fillOpacity: 0.9 })
      .bindTooltip(C.nom[i] + ' : ' + e.openings + ' ouverture' + (e.openings > 1 ? 's' : '')).addTo(sites);
  }
  sites.addTo(map);
  mapDiv.dataset.sites = String(sites.getLayers().length);
  // The scenario's modifications: a disc at each commune it names (an opening green, departures purple).
  const mods = L.featureGroup();
  for (const [i, kind] of modifiedIndex) {
    const poly = communes.getLayers().find((p) => p.oasisIndex === i);
    if (!poly) continue;
    L.circleMarker(poly.getBounds().getCenter(), { radius: 6, color: '#000000', weight: 1.5, fillColor: kind === 'add' ? '#009e73' : '#cc79a7', fillOpacity: 0.95 })
      .bindTooltip(C.nom[i] + (kind === 'add' ? ' : ouverture du scénario' : ' : départs du scénario')).addTo(mods);
  }
  mods.addTo(map);
  mapDiv.dataset.modified = String(mods.getLayers().length);
  map.fitBounds(metropolitan.isValid() ? metropolitan : communes.getBounds());
  L.control.scale({ imperial: false }).addTo(map);

  const info = L.control({ position: 'topright' });
  info.onAdd = function () { this.div = el('div', { cls: 'info', id: 'map-info' }); this.update(null); return this.div; };
  info.update = function (i) {
    if (!this.div) return;
    this.div.textContent = '';
    if (i === null) { this.div.appendChild(el('span', { cls: 'note', text: 'Survoler une commune' })); return; }
    this.div.appendChild(el('strong', { text: C.nom[i] + ' (' + C.code[i] + ')' }));
    for (const line of ['APL : ' + num(C.value[i], nf2), 'Zone : ' + C.zone[i], 'Population : ' + nf0.format(C.population[i]), 'Unité : ' + C.unit[i]])
      this.div.appendChild(el('div', { text: line }));
  };
  info.addTo(map);

  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    const div = el('div', { cls: 'legend', id: 'map-legend' });
    const draw = () => {
      div.textContent = '';
      for (const [m, label] of [['zones', D.zones.title], ['values', D.values.title]]) {
        const input = el('input', { type: 'radio', name: 'oasis-mode', value: m });
        input.checked = mode === m;
        input.addEventListener('change', () => { mode = m; communes.eachLayer((p) => p.setStyle(base(p.oasisIndex))); draw(); });
        div.appendChild(el('label', {}, [input, ' ' + label]));
      }
      for (const c of (mode === 'zones' ? D.zones : D.values).classes) div.appendChild(el('div', {}, [swatch(c.colour), c.label]));
      if (siteIndex.length) div.appendChild(el('div', {}, [el('span', { cls: 'swatch site' }), 'Implantation proposée']));
      if (modifiedIndex.some((m) => m[1] === 'add')) div.appendChild(el('div', {}, [el('span', { cls: 'swatch site add' }), 'Ouverture du scénario']));
      if (modifiedIndex.some((m) => m[1] === 'retire')) div.appendChild(el('div', {}, [el('span', { cls: 'swatch site retire' }), 'Départs du scénario']));
    };
    draw();
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  mapDiv.dataset.features = String(communes.getLayers().length);

  // --- Commune table (sortable, filterable) ------------------------------------------------------
  (function table() {
    const cols = [
      ['code', 'Code INSEE', 'text'], ['nom', 'Commune', 'text'], ['unit', 'Unité', 'text'], ['population', 'Population', 'int'],
      ['value', 'APL', 'dec2'], ['density', 'Densité / 100 000 hab.', 'dec1'], ['time_gp', 'Temps au plus proche (min)', 'dec1'],
      ['zone', 'Zone', 'text'], ['rule', 'Règle', 'rule'],
    ];
    if (C.zone_baseline) cols.splice(8, 0, ['zone_baseline', 'Zone (référence)', 'text']);
    const table = document.getElementById('zone-table');
    const thead = table.tHead, tbody = table.tBodies[0];
    const head = el('tr');
    cols.forEach(([key, label, kind], k) => {
      const th = el('th', { 'data-key': key, scope: 'col', cls: kind === 'text' || kind === 'rule' ? '' : 'num', text: label });
      th.addEventListener('click', () => sortBy(k));
      head.appendChild(th);
    });
    thead.appendChild(head);
    const limit = 500;
    let order = Array.from({ length: n }, (_, i) => i), sortCol = -1, ascending = true, showAll = false, selected = -1;
    const filter = document.getElementById('filter');
    // The rule that gave each zone (zones.csv `rule`, docs/zoning.md) in words; the code stays in
    // the cell's tooltip and in what the filter matches.
    const rules = {
      mandatory: 'ZIP socle', 'vivier-zip': 'vivier \u2192 ZIP', 'vivier-zac': 'vivier \u2192 ZAC', 'vivier-unpicked': 'vivier non retenu',
      'vivier-no-cap': 'vivier sans plafond', 'above-vivier': 'hors vivier', 'no-value': 'sans valeur', official: 'liste officielle',
      'official-absent': 'hors liste officielle',
    };
    const format = (v, kind) => (v === null || v === undefined ? '' : kind === 'int' ? nf0.format(v) : kind === 'dec2' ? nf2.format(v)
      : kind === 'dec1' ? nf1.format(v) : kind === 'rule' ? rules[v] || v : v);
    function render() {
      const q = filter.value.trim().toLowerCase();
      const match = q ? order.filter((i) => [C.code[i], C.nom[i], C.unit[i], C.zone[i], C.rule[i], rules[C.rule[i]] || ''].some((s) => String(s).toLowerCase().includes(q))) : order;
      const shown = showAll ? match : match.slice(0, limit);
      const frag = document.createDocumentFragment();
      for (const i of shown) {
        const tr = el('tr', { 'data-index': String(i) });
        if (i === selected) tr.className = 'selected';
        for (const [key, , kind] of cols)
          tr.appendChild(el('td', kind === 'rule' ? { title: C[key][i], cls: 'nowrap' } : kind === 'text' ? {} : { cls: 'num' }, [format(C[key][i], kind)]));
        frag.appendChild(tr);
      }
      tbody.replaceChildren(frag);
      document.getElementById('table-count').textContent = shown.length < match.length
        ? nf0.format(shown.length) + ' communes affichées sur ' + nf0.format(match.length)
        : nf0.format(match.length) + ' communes';
      document.getElementById('show-all').hidden = shown.length === match.length;
    }
    function sortBy(k) {
      const [key, , kind] = cols[k];
      ascending = sortCol === k ? !ascending : true;
      sortCol = k;
      const v = C[key], dir = ascending ? 1 : -1;
      order.sort((a, b) => {
        const x = v[a], y = v[b];
        if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;  // no value: last
        const c = kind === 'text' || kind === 'rule' ? String(format(x, kind)).localeCompare(String(format(y, kind)), 'fr') : x - y;
        return c ? dir * c : a - b;
      });
      head.querySelectorAll('th').forEach((th, j) => (j === k ? th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending') : th.removeAttribute('aria-sort')));
      render();
    }
    filter.addEventListener('input', render);
    document.getElementById('show-all').addEventListener('click', () => { showAll = true; render(); });
    selectRow.fn = (i) => {
      selected = i;
      filter.value = C.code[i];
      render();
      document.getElementById('zones').scrollIntoView({ behavior: 'smooth' });
    };
    render();
  })();

  // --- Provenance --------------------------------------------------------------------------------
  (function provenance() {
    const box = document.getElementById('provenance-body');
    const t = box.appendChild(el('table', { cls: 'figures' }));
    const list = [['Moteur', S.engine], ['Scénario', S.scenario.name + (S.scenario.description ? ' \u2014 ' + S.scenario.description : '')],
      ['Scénario résolu (SHA-256)', S.scenario.resolved_sha256]];
    for (const f of S.scenario.files || []) list.push(['Fichier de scénario', f.file + '  ' + f.sha256]);
    const data = S.data || {};
    if (data.cog) list.push(['Code officiel géographique', data.cog.version]);
    for (const f of data.apl || []) list.push(['APL publiée (DREES)', f.file + '  ' + f.sha256]);
    if (data.supply) list.push(['Offre de soins', data.supply.file + '  ' + data.supply.sha256]);
    list.push(['Contours des communes', (data.boundaries || []).length + ' fichiers (SHA-256 dans summary.json)']);
    rows(t, list);
    box.appendChild(el('h3', { text: 'Scénario résolu (scenario.toml)' }));
    box.appendChild(el('pre', { text: S.scenario.resolved }));
  })();

  window.oasisReport = { map: map, communes: communes, count: communes.getLayers().length };
})();
