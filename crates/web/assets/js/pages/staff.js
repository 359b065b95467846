// Staff: their home, the review of applications, and the e-mails that could not be sent.

import { h, announce, liveRegion, notify, facts, tags, formatDateTime, plural, ago } from '../dom.js';
import { get, post, describe } from '../api.js';
import { form, input, onSubmit, select, submit, textOf } from '../forms.js';
import { reference, labelOf, regionName, departmentName, APPLICATION_STATES } from '../labels.js';

/** `/equipe` */
export async function staffHomePage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const count = async (path, query) => (await get(path, { ...query, per_page: 1 })).total;
  const [pending, unmatched, submitted, proposed, accepted, resolved] = await Promise.all([
    count('/applications', { status: 'pending' }),
    count('/requests', { status: 'unmatched' }),
    count('/requests', { status: 'submitted' }),
    count('/requests', { status: 'proposed' }),
    count('/requests', { status: 'accepted' }),
    count('/requests', { status: 'resolved' }),
  ]);
  const tile = (number, label, href, link) =>
    h('li', null, h('strong', null, String(number)), label, h('br'), h('a', { href }, link));
  return [
    h('h1', null, "Espace de l'équipe"),
    h(
      'ul',
      { class: 'figures', 'aria-label': 'À traiter' },
      tile(pending, ' candidature(s) à examiner', '/equipe/candidatures', 'Examiner les candidatures'),
      tile(unmatched, ' demande(s) sans volontaire', '/equipe/demandes', 'Voir le tableau des demandes'),
      tile(submitted + proposed, ' demande(s) en attente d’un volontaire', '/equipe/propositions', 'Proposition groupée'),
      tile(accepted + resolved, ' demande(s) en cours', '/equipe/demandes', 'Voir le tableau des demandes'),
    ),
    h(
      'ul',
      null,
      h('li', null, h('a', { href: '/equipe/candidatures' }, 'Candidatures des volontaires')),
      h('li', null, h('a', { href: '/equipe/demandes' }, 'Tableau des demandes'), ' : sans volontaire et en retard d’abord'),
      h('li', null, h('a', { href: '/equipe/propositions' }, 'Proposition groupée'), ' : un volontaire par demande en attente, en un clic'),
      h('li', null, h('a', { href: '/equipe/courriels' }, 'E-mails en échec')),
      h('li', null, h('a', { href: '/equipe/bilan' }, 'Bilan du dispositif'), ' : graphiques et téléchargements'),
    ),
  ];
}

function applicationCard(application, ref, onChange) {
  const status = liveRegion();
  const state = APPLICATION_STATES[application.status] ?? application.status;
  const card = h(
    'li',
    { class: 'card', 'aria-labelledby': `candidature-${application.id}` },
    h('h2', { id: `candidature-${application.id}` }, application.name),
    h('p', null, h('span', { class: `badge ${application.status === 'pending' ? 'wait' : application.status === 'accepted' ? 'ok' : 'off'}` }, state), ' ', h('span', { class: 'muted' }, `reçue ${ago(application.created_at)}`)),
    facts([
      ['E-mail', application.email],
      ['Téléphone', application.phone],
      ['Fonction', labelOf(ref.vocab.job_roles, application.job_role)],
      ['Secteur', labelOf(ref.vocab.sectors, application.origin_sector)],
      ['Statut', labelOf(ref.vocab.legal_statuses, application.origin_status)],
      ['Département', `${departmentName(ref.departments, application.department)}, ${regionName(ref.regions, application.region)}`],
      ['Structure', application.own_organisation],
      ['Capacité', plural(application.capacity, 'demande') + ' à la fois'],
      ['Annuaire', application.publication_consent ? 'Accepte la publication' : 'Refuse la publication'],
      ['Décision', application.decided_at ? formatDateTime(application.decided_at) : null],
      ['Motif du refus', application.rejection_reason],
    ]),
    tags(application.themes.map((theme) => theme.label), "Thèmes d'expertise"),
    h('p', null, application.presentation),
  );
  if (application.status === 'pending') {
    const accept = h('button', { type: 'button' }, 'Accepter');
    const rejectToggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, 'Refuser…');
    const reason = input({
      name: 'reason',
      label: 'Motif du refus',
      multiline: true,
      rows: 3,
      required: true,
      maxlength: 2000,
      hint: 'Envoyé au candidat par e-mail : écrivez-le pour lui.',
    });
    const rejectForm = form({ hidden: true, 'aria-label': `Refuser la candidature de ${application.name}` }, reason, h('div', { class: 'actions' }, submit('Confirmer le refus', { class: 'danger' })));
    rejectToggle.addEventListener('click', () => {
      rejectForm.hidden = !rejectForm.hidden;
      rejectToggle.setAttribute('aria-expanded', String(!rejectForm.hidden));
      if (!rejectForm.hidden) reason.control.focus();
    });
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      try {
        const updated = await post(`/applications/${application.id}/accept`);
        announce(`Candidature de ${application.name} acceptée.`);
        onChange(card, updated, `Candidature acceptée : ${application.name} est désormais volontaire et en est informé·e par e-mail.`);
      } catch (error) {
        accept.disabled = false;
        notify(status, 'error', h('p', null, describe(error)));
      }
    });
    onSubmit(rejectForm, async () => {
      const updated = await post(`/applications/${application.id}/reject`, { reason: textOf(reason) });
      announce(`Candidature de ${application.name} refusée.`);
      onChange(card, updated, `Candidature refusée ; le motif a été envoyé à ${application.email}.`);
    });
    card.append(h('div', { class: 'actions' }, accept, rejectToggle), rejectForm);
  }
  card.append(status);
  return card;
}

/** `/equipe/candidatures?status=` */
export async function applicationsPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const ref = await reference();
  const statusFilter = select({
    name: 'status',
    plain: true,
    label: 'Candidatures',
    options: [
      { value: 'pending', label: 'En attente' },
      { value: 'accepted', label: 'Acceptées' },
      { value: 'rejected', label: 'Refusées' },
    ],
    placeholder: 'Toutes',
    value: ctx.query.has('status') ? ctx.query.get('status') : 'pending',
  });
  const summary = liveRegion();
  const list = h('ul', { class: 'stack list-plain', 'aria-label': 'Candidatures' });

  function replaced(card, updated, message) {
    const fresh = applicationCard(updated, ref, replaced);
    card.replaceWith(fresh);
    notify(fresh.querySelector('[role="status"]'), 'success', h('p', null, message));
  }

  async function load() {
    const status = statusFilter.control.value;
    history.replaceState(null, '', `/equipe/candidatures?status=${encodeURIComponent(status)}`);
    try {
      const page = await get('/applications', { status, per_page: 200 });
      if (!ctx.current()) return;
      summary.textContent = page.total === 0 ? 'Aucune candidature.' : `${plural(page.total, 'candidature')}${page.total > page.items.length ? ` (les ${page.items.length} plus récentes affichées)` : ''}.`;
      list.replaceChildren(...page.items.map((application) => applicationCard(application, ref, replaced)));
    } catch (error) {
      notify(summary, 'error', h('p', null, describe(error)));
    }
  }
  statusFilter.control.addEventListener('change', load);
  await load();
  return [
    h('p', null, h('a', { href: '/equipe' }, "← Espace de l'équipe")),
    h('h1', null, 'Candidatures des volontaires'),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filtrer les candidatures' }, statusFilter),
    summary,
    list,
  ];
}

/** `/equipe/courriels` */
export async function deadMailPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  return [
    h('p', null, h('a', { href: '/equipe' }, "← Espace de l'équipe")),
    h('h1', null, 'E-mails en échec'),
    h(
      'p',
      null,
      "Un e-mail que le serveur de messagerie refuse définitivement, ou qui échoue trop de fois, est marqué « en échec » et reste visible ; il ne bloque jamais les autres.",
    ),
    h(
      'div',
      { class: 'notice warning' },
      h('p', null, "L'API ne donne pas encore la liste des e-mails en échec : cette page ne peut donc pas l'afficher. En attendant, sur le serveur :"),
      h(
        'ul',
        null,
        h('li', null, h('code', null, 'entraide outbox list --status dead'), ' : les e-mails en échec ;'),
        h('li', null, h('code', null, 'entraide outbox retry ID'), ' : renvoyer un e-mail ;'),
        h('li', null, h('code', null, 'entraide outbox retry --all-dead'), ' : tout renvoyer, une fois la messagerie réparée.'),
      ),
    ),
  ];
}
