// An establishment's contact person follows their requests.

import { h, tags, ago, plural } from '../dom.js';
import { get } from '../api.js';
import { REQUEST_STATES, stateLabel } from '../labels.js';

/** `/demandes` */
export async function myRequestsPage(ctx) {
  const gate = ctx.gate('requester');
  if (gate) return gate;
  const page = await get('/requests', { per_page: 200 });
  const items = page.items.map((request) =>
    h(
      'li',
      { class: 'card' },
      h('h2', null, h('a', { href: `/dossiers/${request.id}` }, `${request.reference} — ${request.establishment.name}`)),
      h('p', null, h('span', { class: `badge ${REQUEST_STATES[request.status]?.badge ?? 'off'}` }, stateLabel(request.status)), ' ', h('span', { class: 'muted' }, `déposée ${ago(request.created_at)}`)),
      h('p', null, REQUEST_STATES[request.status]?.hint ?? ''),
      tags(request.themes.map((theme) => theme.label), 'Thèmes'),
    ),
  );
  return [
    h('h1', null, 'Mes demandes d’aide'),
    h('p', null, page.total ? `${plural(page.total, 'demande')}.` : "Vous n'avez pas encore déposé de demande."),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '/demander-de-l-aide' }, 'Déposer une nouvelle demande')),
    items.length ? h('ul', { class: 'cards', 'aria-label': 'Mes demandes' }, items) : null,
  ];
}
