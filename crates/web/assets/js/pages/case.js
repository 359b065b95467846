// A case: one help request and what happened after it arrived. The same page serves its
// requester (state, who took it and when, the rating), the volunteer holding it (the
// contact, the answer to record) and staff (everything, with the history). E-mails
// link here: `/dossiers/{id}` and `/dossiers/{id}/avis` for the rating.

import { h, append, announce, liveRegion, notify, facts, tags, formatDateTime, ago, plural } from '../dom.js';
import { ApiError, get, post } from '../api.js';
import { choices, form, input, numberOf, onSubmit, submit, textOf, valueOf } from '../forms.js';
import { reference, labelOf, regionName, departmentName, REQUEST_STATES, stateLabel } from '../labels.js';
import * as session from '../session.js';

const CANCELLABLE = ['submitted', 'proposed', 'accepted', 'unmatched'];

/** The signed-in volunteer's id, or null. */
async function myVolunteerId() {
  if (!session.hasRole('volunteer')) return null;
  try {
    return (await get('/volunteers/me')).id;
  } catch (error) {
    if (error instanceof ApiError && [403, 404].includes(error.status)) return null;
    throw error;
  }
}

function stateSection(view, ref) {
  const { request } = view;
  const state = REQUEST_STATES[request.status];
  let who;
  if (view.volunteer) {
    who = [
      h('h2', null, 'Qui s’en occupe'),
      facts([
        ['Volontaire', view.volunteer.name],
        ['Fonction', labelOf(ref.vocab.job_roles, view.volunteer.job_role)],
        ['Structure', view.volunteer.organisation],
        ['E-mail', h('a', { href: `mailto:${view.volunteer.email}` }, view.volunteer.email)],
        ['Téléphone', h('a', { href: `tel:${view.volunteer.phone}` }, view.volunteer.phone)],
        ['A accepté', view.accepted_at ? `${formatDateTime(view.accepted_at)} (${ago(view.accepted_at)})` : null],
        ['A répondu', view.resolved_at ? formatDateTime(view.resolved_at) : null],
        ['Close', view.closed_at ? formatDateTime(view.closed_at) : null],
      ]),
    ];
  } else if (['submitted', 'proposed'].includes(request.status)) {
    who = [
      h('h2', null, 'Qui s’en occupe'),
      h(
        'p',
        null,
        view.pending_proposals > 0
          ? `Pas encore de volontaire : la demande est proposée à ${plural(view.pending_proposals, 'volontaire')}, qui peu${view.pending_proposals > 1 ? 'vent' : 't'} l’accepter.`
          : 'Pas encore de volontaire : la demande va être proposée aux volontaires.',
      ),
    ];
  }
  return [
    h('p', null, h('span', { class: `badge ${state?.badge ?? 'off'}` }, stateLabel(request.status)), view.stalled ? [' ', h('span', { class: 'badge alert' }, 'En retard')] : null),
    state ? h('p', null, state.hint) : null,
    who,
  ];
}

function answerSection(view) {
  if (!view.answer) return null;
  const { answer } = view;
  return [
    h('h2', null, 'Réponse apportée'),
    h(
      'ul',
      null,
      answer.items.map((item) =>
        h(
          'li',
          null,
          item.label,
          item.tool_name ? ` : ${item.tool_name}` : '',
          item.tool_link ? [' (', h('a', { href: item.tool_link, rel: 'noopener noreferrer' }, 'lien'), ')'] : null,
        ),
      ),
    ),
    h('p', null, answer.summary),
    h('p', { class: 'muted' }, `Temps passé : ${plural(answer.time_spent_minutes, 'minute')} ; enregistrée le ${formatDateTime(answer.created_at)}.`),
  ];
}

function ratingSection(view) {
  if (!view.rating) return null;
  return [
    h('h2', null, 'Avis de l’établissement'),
    h('p', null, `Utilité : ${view.rating.rating} sur 5.`),
    view.rating.comment ? h('blockquote', null, view.rating.comment) : null,
  ];
}

function historySection(transitions) {
  if (!transitions?.length) return null;
  return [
    h('h2', null, 'Historique'),
    h(
      'ol',
      null,
      transitions.map((step) =>
        h(
          'li',
          null,
          `${formatDateTime(step.at)} : ${step.from ? `${stateLabel(step.from)} → ` : ''}${stateLabel(step.to)}`,
          step.actor_user_id ? '' : ' (automatique)',
          step.reason ? ` — ${step.reason}` : '',
        ),
      ),
    ),
  ];
}

/** The volunteer records how they helped; the case becomes resolved. */
function answerForm(view, ref, done) {
  const id = view.request.id;
  const types = choices({
    name: 'types',
    legend: 'Comment avez-vous aidé ?',
    path: '/answers',
    required: true,
    options: ref.vocab.answer_types.map((item) => ({ value: item.code, label: item.label })),
    hint: 'Cochez tout ce qui s’applique.',
  });
  const toolName = input({ name: 'tool_name', label: "Nom de l'outil envoyé", path: '/answers/-/tool_name', maxlength: 200, hint: 'Par exemple : charte de télétravail, PCA type.' });
  const toolLink = input({ name: 'tool_link', label: "Lien vers l'outil", path: '/answers/-/tool_link', type: 'url', maxlength: 500, autocomplete: 'url', hint: 'Facultatif ; commence par https://.' });
  const toolFields = h('div', { hidden: true }, toolName, toolLink);
  const toolBox = types.boxes.find((box) => box.value === 'envoi_outil');
  const syncTool = () => {
    toolFields.hidden = !toolBox?.checked;
  };
  toolBox?.addEventListener('change', syncTool);
  const summary = input({
    name: 'summary',
    label: 'Résumé',
    multiline: true,
    rows: 4,
    required: true,
    maxlength: 2000,
    hint: 'Ce qui a été fait et conseillé, sans aucune donnée de patient ni de santé.',
  });
  const minutes = input({ name: 'time_spent_minutes', label: 'Temps passé (en minutes)', type: 'number', inputmode: 'numeric', min: 1, required: true });
  const element = form({ 'aria-labelledby': 'reponse-titre' }, types, toolFields, summary, minutes, h('div', { class: 'actions' }, submit('Enregistrer la réponse et clore')));
  onSubmit(element, async () => {
    const answers = types.values().map((type) =>
      type === 'envoi_outil' ? { type, tool_name: valueOf(toolName), tool_link: valueOf(toolLink) } : { type },
    );
    // The API names the tool's fields by their place in the list: follow it.
    const toolIndex = answers.findIndex((item) => item.type === 'envoi_outil');
    toolName.dataset.path = `/answers/${toolIndex}/tool_name`;
    toolLink.dataset.path = `/answers/${toolIndex}/tool_link`;
    // Nothing typed is sent as 0, so that the API checks every field at once and says
    // what it expects, rather than stopping at a missing key.
    await post(`/requests/${id}/answer`, { answers, summary: textOf(summary), time_spent_minutes: numberOf(minutes) ?? 0 });
    announce('Réponse enregistrée : la demande est résolue.');
    done('Réponse enregistrée. L’établissement est invité par e-mail à dire si l’aide lui a été utile.');
  });
  return [h('h2', { id: 'reponse-titre' }, 'Enregistrer la réponse apportée'), element];
}

/** The requester says whether the help was useful. */
function ratingForm(view, done) {
  const id = view.request.id;
  const rating = choices({
    name: 'rating',
    type: 'radio',
    legend: "L'aide reçue vous a-t-elle été utile ?",
    path: '/rating',
    required: true,
    options: [
      { value: '5', label: '5 — très utile' },
      { value: '4', label: '4 — utile' },
      { value: '3', label: '3 — assez utile' },
      { value: '2', label: '2 — peu utile' },
      { value: '1', label: '1 — pas utile' },
    ],
  });
  const comment = input({ name: 'comment', label: 'Commentaire', multiline: true, rows: 3, maxlength: 2000 });
  const element = form({ 'aria-labelledby': 'avis-titre', id: 'avis' }, rating, comment, h('div', { class: 'actions' }, submit('Envoyer mon avis')));
  onSubmit(element, async () => {
    const chosen = rating.values()[0];
    await post(`/requests/${id}/rating`, { rating: chosen === undefined ? undefined : Number(chosen), comment: valueOf(comment) });
    announce('Merci pour votre avis.');
    done('Merci pour votre avis : il aide l’ANAP à améliorer le dispositif.');
  });
  return [h('h2', { id: 'avis-titre' }, 'Votre avis'), element];
}

/** The requester or staff cancel a request no one has helped yet. */
function cancelForm(view, done) {
  const reason = input({ name: 'reason', label: 'Motif', multiline: true, rows: 2, maxlength: 1000 });
  const element = form({ 'aria-label': 'Annuler la demande' }, reason, h('div', { class: 'actions' }, submit('Annuler la demande', { class: 'danger' })));
  onSubmit(element, async () => {
    await post(`/requests/${view.request.id}/cancel`, { reason: valueOf(reason) });
    announce('Demande annulée.');
    done('La demande est annulée.');
  });
  return h('details', null, h('summary', null, 'Annuler la demande'), element);
}

/** Staff close a resolved case without waiting for the rating, or reopen a request. */
function staffForms(view, done) {
  const id = view.request.id;
  const forms = [];
  if (view.request.status === 'resolved') {
    const reason = input({ name: 'close_reason', label: 'Motif', path: '/reason', multiline: true, rows: 2, maxlength: 1000 });
    const element = form({ 'aria-label': 'Clore la demande' }, reason, h('div', { class: 'actions' }, submit('Clore sans attendre l’avis')));
    onSubmit(element, async () => {
      await post(`/requests/${id}/close`, { reason: valueOf(reason) });
      done('La demande est close.');
    });
    forms.push(h('details', null, h('summary', null, 'Clore la demande'), element));
  }
  if (REOPENABLE[view.request.status]) {
    const reason = input({ name: 'reopen_reason', label: 'Motif', path: '/reason', multiline: true, rows: 2, required: true, maxlength: 1000, hint: REOPENABLE[view.request.status] });
    const element = form({ 'aria-label': 'Rouvrir la demande' }, reason, h('div', { class: 'actions' }, submit('Rouvrir la demande')));
    onSubmit(element, async () => {
      await post(`/requests/${id}/reopen`, { reason: textOf(reason) });
      done('La demande est rouverte.');
    });
    forms.push(h('details', null, h('summary', null, 'Rouvrir la demande'), element));
  }
  return forms.length ? [h('h2', null, "Actions de l'équipe"), forms] : null;
}

/** What reopening does, by state (the API's rules, told to staff before they act). */
const REOPENABLE = {
  accepted: 'Le volontaire est libéré (et prévenu par e-mail) ; la demande est proposée à d’autres volontaires.',
  resolved: 'Le dossier revient à son volontaire, qui enregistre une nouvelle réponse ; l’avis est effacé.',
  closed: 'Le dossier revient à son volontaire, qui enregistre une nouvelle réponse ; l’avis est effacé.',
  cancelled: 'La demande est de nouveau proposée aux volontaires.',
  unmatched: 'La demande est proposée aux volontaires qui n’ont pas encore été sollicités.',
};

async function loadView(id) {
  const [view, history] = await Promise.all([
    get(`/cases/${id}`),
    get(`/requests/${id}/transitions`).catch((error) => {
      if (error instanceof ApiError && [403, 404].includes(error.status)) return null;
      throw error;
    }),
  ]);
  return { view, history };
}

async function draw(ctx, { focusRating = false } = {}) {
  const id = encodeURIComponent(ctx.params.id);
  const [ref, { view, history }, volunteerId] = await Promise.all([reference(), loadView(id), myVolunteerId()]);
  const { request } = view;
  const container = h('div');
  const message = liveRegion();

  const refresh = async (text) => {
    const fresh = await draw(ctx);
    container.replaceWith(fresh);
    notify(fresh.querySelector('.case-message'), 'success', h('p', null, text));
    fresh.querySelector('h1')?.focus();
  };

  const isStaff = session.hasRole('staff');
  const isHolder = Boolean(volunteerId && view.volunteer && view.volunteer.id === volunteerId);
  const isRequester = session.user()?.email === request.contact.email;
  const actions = [];
  if (isHolder && request.status === 'accepted') actions.push(answerForm(view, ref, refresh));
  if (isRequester && ['resolved', 'closed'].includes(request.status) && !view.rating) actions.push(ratingForm(view, refresh));
  if ((isRequester || isStaff) && CANCELLABLE.includes(request.status) && !isHolder) actions.push(cancelForm(view, refresh));
  if (isStaff) actions.push(staffForms(view, refresh));

  message.classList.add('case-message');
  append(container, [
    isStaff ? h('p', null, h('a', { href: `/equipe/demandes/${request.id}` }, '← Classement des volontaires'), ' · ', h('a', { href: '/equipe/demandes' }, 'Tableau des demandes')) : null,
    h('h1', { tabindex: '-1' }, `Demande ${request.reference}`),
    message,
    stateSection(view, ref),
    h('h2', null, 'La demande'),
    facts([
      ['Établissement', request.establishment.name],
      ['Catégorie', `${labelOf(ref.vocab.establishment_kinds, request.establishment.kind)}, ${labelOf(ref.vocab.legal_statuses, request.establishment.legal_status)}`],
      ['Lieu', `${departmentName(ref.departments, request.establishment.department)}, ${regionName(ref.regions, request.establishment.region)}`],
      ['Urgence', labelOf(ref.vocab.urgencies, request.urgency)],
      ['Déposée', formatDateTime(request.created_at)],
      ['Contact', `${request.contact.name} (${labelOf(ref.vocab.job_roles, request.contact.job_role)})`],
      ['E-mail', h('a', { href: `mailto:${request.contact.email}` }, request.contact.email)],
      ['Téléphone', h('a', { href: `tel:${request.contact.phone}` }, request.contact.phone)],
      ['Motif d’annulation', request.cancel_reason],
    ]),
    tags(request.themes.map((theme) => theme.label), 'Thèmes'),
    h('p', null, request.description),
    answerSection(view),
    ratingSection(view),
    actions,
    historySection(history),
  ]);
  if (focusRating) {
    setTimeout(() => container.querySelector('#avis input')?.focus(), 0);
  }
  return container;
}

/** `/dossiers/{id}` */
export async function casePage(ctx) {
  if (!session.user()) return ctx.gate('case');
  return draw(ctx);
}

/** `/dossiers/{id}/avis`: the same page, the rating form first in focus. */
export async function ratingPage(ctx) {
  if (!session.user()) return ctx.gate('case');
  return draw(ctx, { focusRating: true });
}
