// Small DOM helpers. Everything is built with createElement and text nodes, never by
// parsing HTML strings: text from the API can never become markup, and nothing needs an
// inline style or script (the Content-Security-Policy forbids both).

/**
 * Builds an element: `h('a', { href: '/x', class: 'button' }, 'Texte', child)`.
 * Attributes whose value is null, undefined or false are left out; `true` gives an
 * empty attribute; `on*` functions become event listeners.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs);
  append(el, children);
  return el;
}

/** Builds an SVG element, for charts. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttributes(el, attrs);
  append(el, children);
  return el;
}

function setAttributes(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') {
      // The CSP blocks style attributes: use a class of app.css instead.
      throw new Error('style attributes are not allowed');
    }
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class' && el instanceof HTMLElement) {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

/** Appends children: nodes, strings, numbers, arrays of them; null and false are skipped. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the children of `el` (same rules as `append`: null and false are skipped). */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let announceTimer = null;

/**
 * Says `message` to screen readers through the page's live region (and nowhere else:
 * visible results are drawn by each page). Repeated messages are read again.
 */
export function announce(message) {
  const region = document.getElementById('annonce');
  if (!region) return;
  region.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** A polite live region placed in a page, for the result of an action near it. */
export function liveRegion(className = '') {
  return h('div', { class: className, role: 'status', 'aria-live': 'polite' });
}

/** Shows a notice in `region`: kind is 'success', 'error', 'warning' or ''. */
export function notify(region, kind, ...content) {
  region.replaceChildren(h('div', { class: `notice ${kind}` }, ...content));
}

/** The API sends UTC times without a zone ("2026-11-23T09:30:00"): read them as UTC. */
export function parseTime(value) {
  if (!value) return null;
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long' });

/** "23 nov. 2026, 10:30" in the reader's time zone; "—" when absent. */
export function formatDateTime(value) {
  const date = parseTime(value);
  return date ? dateTime.format(date) : '—';
}

/** "23 novembre 2026" for a calendar day ("2026-11-23"). */
export function formatDay(value) {
  if (!value) return '—';
  const [year, month, day] = value.split('-').map(Number);
  return dateOnly.format(new Date(Date.UTC(year, month - 1, day, 12)));
}

/** How long ago, in words: "il y a 3 heures". */
export function ago(value) {
  const date = parseTime(value);
  if (!date) return '';
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat('fr-FR', { numeric: 'auto' });
  const units = [['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}

/** Today as YYYY-MM-DD in UTC (the API's days are UTC days). */
export function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

/** Adds `days` to a YYYY-MM-DD day. */
export function addDays(day, days) {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A definition list from [term, value] pairs; empty values are left out. */
export function facts(pairs) {
  const list = h('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    list.append(h('dt', null, term), h('dd', null, value));
  }
  return list;
}

/** A list of tags (themes). */
export function tags(items, label) {
  return h('ul', { class: 'tags', 'aria-label': label }, items.map((item) => h('li', null, item)));
}

/** Wraps a table so that it scrolls sideways on narrow screens, reachable by keyboard. */
export function scrollable(table, label) {
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

/** French plural: `plural(2, 'demande')` → "2 demandes". */
export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${count.toLocaleString('fr-FR')} ${count > 1 ? pluralForm : singular}`;
}
