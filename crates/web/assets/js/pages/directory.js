// The public directory of volunteers, filtered by theme and region.

import { h, replace, announce, liveRegion, notify, tags, plural } from '../dom.js';
import { get, describe } from '../api.js';
import { select } from '../forms.js';
import { reference, labelOf, regionName, themeOptions } from '../labels.js';

const PER_PAGE = 20;

function volunteerCard(volunteer, ref) {
  return h(
    'li',
    { class: 'card' },
    h('h2', null, h('a', { href: `/volontaires/${volunteer.id}` }, volunteer.name)),
    h(
      'p',
      null,
      `${labelOf(ref.vocab.job_roles, volunteer.job_role)} · ${labelOf(ref.vocab.sectors, volunteer.origin_sector)} · ${regionName(ref.regions, volunteer.region)}`,
    ),
    h('p', null, volunteer.available ? h('span', { class: 'badge ok' }, 'Disponible') : h('span', { class: 'badge off' }, 'En pause')),
    tags(volunteer.themes.map((theme) => theme.label), "Thèmes d'expertise"),
    h('p', null, volunteer.presentation),
  );
}

/** `/volontaires?theme=&region=&page=` */
export async function directoryPage(ctx) {
  const ref = await reference();
  const theme = select({
    name: 'theme',
    plain: true,
    label: "Thème d'expertise",
    options: themeOptions(ref.themes),
    placeholder: 'Tous les thèmes',
    value: ctx.query.get('theme') ?? '',
  });
  const region = select({
    name: 'region',
    plain: true,
    label: 'Région',
    options: ref.regions.map((item) => ({ value: item.code, label: item.name })),
    placeholder: 'Toutes les régions',
    value: ctx.query.get('region') ?? '',
  });
  const status = liveRegion();
  const results = h('div');
  let page = Number(ctx.query.get('page') ?? '1') || 1;

  async function load({ announceIt }) {
    const query = { theme: theme.control.value, region: region.control.value, page, per_page: PER_PAGE };
    const address = new URLSearchParams();
    if (query.theme) address.set('theme', query.theme);
    if (query.region) address.set('region', query.region);
    if (page > 1) address.set('page', String(page));
    const search = address.toString();
    history.replaceState(null, '', `/volontaires${search ? `?${search}` : ''}`);
    results.setAttribute('aria-busy', 'true');
    try {
      const list = await get('/volunteers', query, { auth: false });
      if (!ctx.current()) return;
      const pages = Math.max(1, Math.ceil(list.total / list.per_page));
      const summary = list.total === 0 ? 'Aucun volontaire ne correspond à ces critères.' : `${plural(list.total, 'volontaire')} — page ${list.page} sur ${pages}.`;
      status.textContent = summary;
      const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
      if (page > 1) {
        pager.append(h('button', { type: 'button', class: 'secondary', onclick: () => { page -= 1; load({ announceIt: true }); } }, 'Page précédente'));
      }
      if (page < pages) {
        pager.append(h('button', { type: 'button', class: 'secondary', onclick: () => { page += 1; load({ announceIt: true }); } }, 'Page suivante'));
      }
      replace(results,
        list.items.length ? h('ul', { class: 'cards', 'aria-label': 'Volontaires' }, list.items.map((item) => volunteerCard(item, ref))) : null,
        pages > 1 ? pager : null,
      );
      if (announceIt) announce(summary);
    } catch (error) {
      notify(status, 'error', h('p', null, describe(error)));
    } finally {
      results.removeAttribute('aria-busy');
    }
  }

  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filtrer les volontaires' },
    theme,
    region,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filtrer')),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page = 1;
    load({ announceIt: true });
  });
  // Changing a filter applies it at once; the button stays for those who expect one.
  for (const control of [theme.control, region.control]) {
    control.addEventListener('change', () => {
      page = 1;
      load({ announceIt: true });
    });
  }
  await load({ announceIt: false });
  return [
    h('h1', null, 'Les volontaires'),
    h(
      'p',
      null,
      "Des professionnels du numérique en santé et dans le médico-social proposent leur aide. Leur présentation est publiée avec leur accord ; leurs coordonnées ne le sont jamais : pour être mis en relation, ",
      h('a', { href: '/demander-de-l-aide' }, "déposez une demande d'aide"),
      '.',
    ),
    filters,
    status,
    results,
  ];
}

/** `/volontaires/{id}`: one volunteer of the directory. */
export async function publicVolunteerPage(ctx) {
  const [ref, volunteer] = await Promise.all([reference(), get(`/volunteers/${encodeURIComponent(ctx.params.id)}`)]);
  return [
    h('p', null, h('a', { href: '/volontaires' }, '← Tous les volontaires')),
    h('h1', null, volunteer.name),
    h(
      'p',
      null,
      `${labelOf(ref.vocab.job_roles, volunteer.job_role)} · ${labelOf(ref.vocab.sectors, volunteer.origin_sector)} · ${regionName(ref.regions, volunteer.region)}`,
    ),
    h('p', null, volunteer.available ? h('span', { class: 'badge ok' }, 'Disponible') : h('span', { class: 'badge off' }, 'En pause')),
    h('h2', null, "Thèmes d'expertise"),
    tags(volunteer.themes.map((theme) => theme.label), "Thèmes d'expertise"),
    h('h2', null, 'Présentation'),
    h('p', null, volunteer.presentation),
  ];
}
