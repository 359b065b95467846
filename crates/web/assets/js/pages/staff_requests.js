// Staff steer the requests: the board by state (unmatched and stalled first), one
// request's ranking of volunteers with the reasons and a button to propose a named
// volunteer, and the batch proposal (preview, then confirm).

import { h, replace, announce, liveRegion, notify, facts, tags, formatDateTime, ago, plural, scrollable } from '../dom.js';
import { get, post, describe } from '../api.js';
import { choices, form, input, onSubmit, submit } from '../forms.js';
import { reference, labelOf, regionName, departmentName, REQUEST_STATES, stateLabel } from '../labels.js';

const score = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The order of the board: what needs staff first. */
const BOARD_ORDER = ['unmatched', 'submitted', 'proposed', 'accepted', 'resolved', 'closed', 'cancelled'];

function stateBadge(state) {
  return h('span', { class: `badge ${REQUEST_STATES[state]?.badge ?? 'off'}` }, stateLabel(state));
}

function requestLine(item, ref) {
  const request = item.request ?? item;
  return h(
    'li',
    { class: 'card' },
    h('h3', null, h('a', { href: `/equipe/demandes/${request.id}` }, `${request.reference} — ${request.establishment.name}`)),
    h(
      'p',
      null,
      stateBadge(request.status),
      ' ',
      item.stalled ? h('span', { class: 'badge alert' }, 'En retard') : null,
      ' ',
      `Urgence ${labelOf(ref.vocab.urgencies, request.urgency).toLowerCase()} · ${labelOf(ref.vocab.establishment_kinds, request.establishment.kind)} · ${regionName(ref.regions, request.establishment.region)} · reçue ${ago(request.created_at)}`,
    ),
    tags(request.themes.map((theme) => theme.label), 'Thèmes'),
    item.volunteer ? h('p', null, `Prise en charge par ${item.volunteer.name}`) : null,
  );
}

/** Every case of the staff list that passes the filters (all pages, 4,000 at most). */
async function loadCases(filters) {
  const items = [];
  for (let page = 1; page <= 20; page += 1) {
    const list = await get('/cases', { ...filters, page, per_page: 200 });
    items.push(...list.items);
    if (items.length >= list.total || list.items.length === 0) break;
  }
  return items;
}

/** `/equipe/demandes` */
export async function boardPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const ref = await reference();
  const age = input({
    name: 'older_than_days',
    plain: true,
    label: 'Reçues depuis au moins (jours)',
    path: '?older_than_days',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    value: ctx.query.get('older_than_days') ?? '',
  });
  const attention = choices({
    name: 'attention',
    plain: true,
    legend: 'Sélection',
    path: '?attention',
    options: [{ value: 'true', label: 'Seulement celles qui demandent une action (sans volontaire ou en retard)' }],
    checked: ctx.query.get('attention') === 'true' ? ['true'] : [],
  });
  const filters = form({ class: 'filters', role: 'search', 'aria-label': 'Filtrer les demandes' }, age, attention, h('div', { class: 'actions' }, submit('Filtrer')));
  onSubmit(filters, async () => {
    const query = new URLSearchParams();
    if (age.control.value) query.set('older_than_days', age.control.value);
    if (attention.values().length) query.set('attention', 'true');
    // Checked by the API first, so that a bad value is shown next to its field.
    await get('/cases', { older_than_days: query.get('older_than_days'), attention: query.get('attention'), per_page: 1 });
    ctx.navigate(`/equipe/demandes${query.toString() ? `?${query}` : ''}`);
  });
  const items = await loadCases({ older_than_days: ctx.query.get('older_than_days'), attention: ctx.query.get('attention') });
  const groups = new Map(BOARD_ORDER.map((state) => [state, []]));
  for (const item of items) {
    const state = item.request.status;
    if (!groups.has(state)) groups.set(state, []);
    groups.get(state).push(item);
  }
  // Within a state, stalled cases first, then the oldest.
  for (const list of groups.values()) {
    list.sort((a, b) => Number(b.stalled) - Number(a.stalled) || a.request.created_at.localeCompare(b.request.created_at));
  }
  const stalled = items.filter((item) => item.stalled);
  const sections = [];
  if (stalled.length) {
    sections.push(
      h(
        'section',
        { class: 'board-group', 'aria-labelledby': 'groupe-retard' },
        h('h2', { id: 'groupe-retard' }, 'En retard ', h('span', { class: 'count' }, `(${stalled.length})`)),
        h('p', { class: 'muted' }, 'Acceptées depuis une semaine sans réponse, ou reçues depuis une heure sans proposition.'),
        h('ul', { class: 'cards' }, stalled.map((item) => requestLine(item, ref))),
      ),
    );
  }
  const empty = [];
  for (const [state, list] of groups) {
    if (!list.length) {
      empty.push(stateLabel(state).toLowerCase());
      continue;
    }
    const open = !['closed', 'cancelled'].includes(state);
    const body = h('ul', { class: 'cards' }, list.map((item) => requestLine(item, ref)));
    const heading = [stateLabel(state), ' ', h('span', { class: 'count' }, `(${list.length})`)];
    sections.push(
      open
        ? h('section', { class: 'board-group', 'aria-labelledby': `groupe-${state}` }, h('h2', { id: `groupe-${state}` }, heading), body)
        : h('section', { class: 'board-group' }, h('details', null, h('summary', null, h('h2', null, heading)), body)),
    );
  }
  return [
    h('p', null, h('a', { href: '/equipe' }, "← Espace de l'équipe")),
    h('h1', null, 'Tableau des demandes'),
    h('p', null, `${plural(items.length, 'demande')}${ctx.query.toString() ? ' correspondant aux filtres' : ' en tout'}. Les demandes sans volontaire et en retard viennent en premier.`),
    h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: '/equipe/propositions' }, 'Proposition groupée')),
    filters,
    sections,
    empty.length ? h('p', { class: 'muted' }, `Aucune demande dans les états : ${empty.join(', ')}.`) : null,
  ];
}

function components(match) {
  const parts = [
    ['Thèmes', 'themes'],
    ['Secteur', 'sector'],
    ['Région', 'region'],
    ['Statut', 'status'],
    ['Disponibilité', 'capacity'],
    ['Charge récente', 'recent_load'],
  ];
  return parts.map(([label, key]) => `${label} ${score.format(match.contributions[key])}`).join(' · ');
}

/** `/equipe/demandes/{id}`: the request, its ranking and the named proposal. */
export async function staffRequestPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const id = encodeURIComponent(ctx.params.id);
  const [ref, request, ranking] = await Promise.all([
    reference(),
    get(`/requests/${id}`),
    get(`/requests/${id}/matches`, { limit: 20, explain: 'excluded' }),
  ]);
  const result = liveRegion();
  const canPropose = ['submitted', 'proposed', 'unmatched'].includes(request.status);

  const rows = ranking.matches.map((match) => {
    const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `Proposer la demande à ${match.name}` }, 'Proposer');
    button.disabled = !canPropose;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await post(`/requests/${id}/proposals`, { volunteer_id: match.volunteer_id });
        notify(result, 'success', h('p', null, `Demande proposée à ${match.name}, qui la reçoit par e-mail.`));
        announce(`Demande proposée à ${match.name}.`);
      } catch (error) {
        button.disabled = false;
        notify(result, 'error', h('p', null, describe(error)));
      }
    });
    return h(
      'tr',
      null,
      h('td', { class: 'num' }, String(match.rank)),
      h('th', { scope: 'row' }, match.name),
      h('td', { class: 'num' }, score.format(match.total)),
      h('td', null, h('ul', { class: 'reasons' }, match.reasons.map((reason) => h('li', null, reason))), h('p', { class: 'muted' }, components(match))),
      h('td', null, button),
    );
  });
  const table = h(
    'table',
    null,
    h('caption', null, `Classement : ${ranking.eligible} volontaire(s) éligible(s) sur ${ranking.considered}`),
    h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'num' }, 'Rang'), h('th', { scope: 'col' }, 'Volontaire'), h('th', { scope: 'col', class: 'num' }, 'Score'), h('th', { scope: 'col' }, 'Pourquoi'), h('th', { scope: 'col' }, 'Action'))),
    h('tbody', null, rows),
  );
  const excluded = ranking.excluded.length
    ? h(
        'details',
        null,
        h('summary', null, `Volontaires exclus (${ranking.excluded.length})`),
        h('ul', null, ranking.excluded.map((item) => h('li', null, h('strong', null, item.name), ' : ', item.reasons.map((reason) => reason.message).join(' ; ')))),
      )
    : null;
  return [
    h('p', null, h('a', { href: '/equipe/demandes' }, '← Tableau des demandes')),
    h('h1', null, `Demande ${request.reference}`),
    h('p', null, stateBadge(request.status), ' ', h('a', { href: `/dossiers/${request.id}` }, 'Voir le dossier complet')),
    facts([
      ['Établissement', `${request.establishment.name} (FINESS ${request.establishment.finess})`],
      ['Catégorie', `${labelOf(ref.vocab.establishment_kinds, request.establishment.kind)}, ${labelOf(ref.vocab.legal_statuses, request.establishment.legal_status)}`],
      ['Lieu', `${departmentName(ref.departments, request.establishment.department)}, ${regionName(ref.regions, request.establishment.region)}`],
      ['Urgence', labelOf(ref.vocab.urgencies, request.urgency)],
      ['Reçue', formatDateTime(request.created_at)],
      ['Contact', `${request.contact.name}, ${request.contact.email}, ${request.contact.phone}`],
    ]),
    tags(request.themes.map((theme) => theme.label), 'Thèmes'),
    h('p', null, request.description),
    h('h2', null, 'Volontaires classés'),
    canPropose ? null : h('p', { class: 'notice' }, `La demande est « ${stateLabel(request.status)} » : elle ne peut plus être proposée.`),
    result,
    ranking.matches.length ? scrollable(table, 'Classement des volontaires') : h('p', null, 'Aucun volontaire éligible.'),
    excluded,
  ];
}

/** `/equipe/propositions`: the batch proposal, previewed, then confirmed. */
export async function batchPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const preview = h('div');
  const result = liveRegion();
  const compute = h('button', { type: 'button' }, 'Calculer une proposition');

  async function requestsById() {
    const byId = new Map();
    for (const status of ['submitted', 'unmatched', 'proposed']) {
      const page = await get('/requests', { status, per_page: 200 });
      for (const request of page.items) byId.set(request.id, request);
    }
    return byId;
  }

  compute.addEventListener('click', async () => {
    compute.disabled = true;
    result.replaceChildren();
    try {
      const [proposal, requests] = await Promise.all([post('/assignments/propose', {}), requestsById()]);
      const name = (id) => {
        const request = requests.get(id);
        return request ? `${request.reference} — ${request.establishment.name}` : id;
      };
      const confirm = h('button', { type: 'button' }, `Confirmer et envoyer ${plural(proposal.assignments.length, 'proposition')}`);
      confirm.addEventListener('click', async () => {
        confirm.disabled = true;
        try {
          const body = { assignments: proposal.assignments.map((item) => ({ request_id: item.request_id, volunteer_id: item.volunteer_id })) };
          const done = await post('/assignments/confirm', body);
          const count = Array.isArray(done?.proposals) ? done.proposals.length : proposal.assignments.length;
          notify(result, 'success', h('p', null, `${plural(count, 'proposition envoyée', 'propositions envoyées')} aux volontaires par e-mail.`));
          announce('Propositions envoyées.');
        } catch (error) {
          confirm.disabled = false;
          notify(result, 'error', h('p', null, describe(error)));
        }
      });
      const table = h(
        'table',
        null,
        h('caption', null, `${plural(proposal.assignments.length, 'demande servie', 'demandes servies')} par ${plural(proposal.volunteers_used, 'volontaire')}`),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Demande'), h('th', { scope: 'col' }, 'Volontaire'), h('th', { scope: 'col', class: 'num' }, 'Score'), h('th', { scope: 'col' }, 'Pourquoi'))),
        h(
          'tbody',
          null,
          proposal.assignments.map((item) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, h('a', { href: `/equipe/demandes/${item.request_id}` }, name(item.request_id))),
              h('td', null, item.name, item.batch_cases > 1 ? ` (${item.batch_cases} demandes)` : ''),
              h('td', { class: 'num' }, score.format(item.total)),
              h('td', null, h('ul', { class: 'reasons' }, item.reasons.map((reason) => h('li', null, reason)))),
            ),
          ),
        ),
      );
      replace(preview,
        h('h2', null, 'Aperçu'),
        h('p', null, `Score total ${score.format(proposal.total_score)} ; pénalité d'équité ${score.format(proposal.fairness_penalty)}. Rien n'est envoyé tant que vous n'avez pas confirmé.`),
        proposal.assignments.length ? scrollable(table, 'Proposition groupée') : h('p', null, 'Aucune demande ne peut être servie.'),
        proposal.unserved.length
          ? [h('h3', null, 'Demandes non servies'), h('ul', null, proposal.unserved.map((item) => h('li', null, h('a', { href: `/equipe/demandes/${item.request_id}` }, name(item.request_id)), ' : ', item.message)))]
          : null,
        proposal.assignments.length ? h('div', { class: 'actions' }, confirm) : null,
      );
      announce(`Aperçu : ${plural(proposal.assignments.length, 'demande servie', 'demandes servies')}, ${proposal.unserved.length} non servie(s).`);
    } catch (error) {
      notify(result, 'error', h('p', null, describe(error)));
    } finally {
      compute.disabled = false;
    }
  });
  return [
    h('p', null, h('a', { href: '/equipe' }, "← Espace de l'équipe")),
    h('h1', null, 'Proposition groupée'),
    h('p', null, "Pour toutes les demandes qui attendent un volontaire, le service cherche la meilleure répartition : un volontaire par demande, dans la limite de la capacité de chacun, en répartissant la charge. Vous voyez d'abord l'aperçu ; rien n'est envoyé avant votre confirmation."),
    h('div', { class: 'actions' }, compute),
    result,
    preview,
  ];
}
