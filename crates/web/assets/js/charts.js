// Horizontal bar charts in SVG, drawn from the bilan's breakdowns. Sizes are percentages
// of the chart's width and text keeps its size in pixels, so the chart reads the same
// at 320 px and on a wide screen. Colours come from app.css (classes), and each chart
// has its figures as a table too, for screen readers and for copying.

import { h, svg, scrollable } from './dom.js';

const ROW = 46;
const BAR = 18;
// The longest bar takes this share of the width, leaving room for its value.
const MAX_BAR_PERCENT = 72;

const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });

function valueText(row) {
  if (row.masked || row.count === null || row.count === undefined) return 'masqué';
  const share = row.share === null || row.share === undefined ? '' : ` (${percent.format(row.share)})`;
  return `${row.count.toLocaleString('fr-FR')}${share}`;
}

/** Rows worth drawing: every value with a count or masked, and "non renseigné" when it counts. */
function drawnRows(breakdown) {
  return breakdown.rows.filter((row) => row.masked || (row.count ?? 0) > 0);
}

let chartCount = 0;

/**
 * One chart: `{ title, breakdown }` where breakdown is the bilan's
 * `{ population, multiple, rows: [{ code, label, count, share, masked }] }`.
 */
function chart(title, breakdown) {
  chartCount += 1;
  const id = `graphique-${chartCount}`;
  const rows = drawnRows(breakdown);
  const max = Math.max(1, ...rows.map((row) => row.count ?? 0));
  const height = Math.max(1, rows.length) * ROW + 8;
  const drawing = svg('svg', {
    width: '100%',
    height,
    role: 'img',
    'aria-labelledby': `${id}-titre`,
    focusable: 'false',
  });
  drawing.append(svg('title', { id: `${id}-titre` }, `${title} : ${rows.map((row) => `${row.label} ${valueText(row)}`).join(' ; ') || 'aucune donnée'}`));
  rows.forEach((row, index) => {
    const top = index * ROW;
    const width = row.count ? (row.count / max) * MAX_BAR_PERCENT : 0;
    drawing.append(
      svg('text', { x: 0, y: top + 15 }, row.label),
      svg('rect', {
        class: row.code === 'non_renseigne' ? 'bar not-stated' : 'bar',
        x: 0,
        y: top + 21,
        height: BAR,
        width: `${Math.max(width, row.count ? 0.5 : 0)}%`,
        rx: 2,
      }),
      svg('text', { class: 'value', x: `${width + 1.5}%`, y: top + 35 }, valueText(row)),
    );
  });
  if (!rows.length) drawing.append(svg('text', { x: 0, y: 20 }, 'Aucune donnée sur la période.'));
  const table = h(
    'table',
    null,
    h('caption', null, title),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Valeur'), h('th', { scope: 'col', class: 'num' }, 'Nombre'), h('th', { scope: 'col', class: 'num' }, 'Part'))),
    h(
      'tbody',
      null,
      breakdown.rows.map((row) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, row.label),
          h('td', { class: 'num' }, row.masked ? 'masqué' : (row.count ?? 0).toLocaleString('fr-FR')),
          h('td', { class: 'num' }, row.share === null || row.share === undefined ? '—' : percent.format(row.share)),
        ),
      ),
    ),
  );
  return { drawing, table };
}

/**
 * A numbered figure made of one or more charts:
 * `figure('Figure 1 : Profil des volontaires', [['Genre', breakdown], ...], note)`.
 */
export function figure(caption, parts, note) {
  const body = h('figure', { class: 'chart' }, h('figcaption', null, caption));
  const tables = [];
  for (const [title, breakdown] of parts) {
    const { drawing, table } = chart(title, breakdown);
    if (parts.length > 1) body.append(h('h3', null, title));
    body.append(drawing);
    tables.push(scrollable(table, title));
  }
  if (note) body.append(h('p', { class: 'muted' }, note));
  body.append(h('details', null, h('summary', null, 'Voir les chiffres en tableau'), tables));
  return body;
}
