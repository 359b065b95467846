// A volunteer's space: open proposals with the request, the establishment and why they
// were chosen (Accept / Decline), their cases, and their profile (capacity, pause).

import { h, announce, liveRegion, notify, facts, tags, formatDateTime, formatDay, ago, plural, todayUtc, addDays } from '../dom.js';
import { get, post, api, describe } from '../api.js';
import { choices, form, input, numberOf, onSubmit, submit, textOf, valueOf } from '../forms.js';
import { reference, labelOf, regionName, departmentName, themeOptions, REQUEST_STATES, stateLabel, PROPOSAL_STATES } from '../labels.js';

/**
 * One proposal with its actions. `mode` is 'accept' or 'decline' when the volunteer
 * came from the e-mail's link of that name: that action is then put forward.
 */
function proposalCard(proposal, ref, { mode = null, headingLevel = 'h3' } = {}) {
  const { request } = proposal;
  const result = liveRegion();
  const pending = proposal.status === 'pending';
  const card = h(
    'article',
    { class: 'card', 'aria-labelledby': `proposition-${proposal.id}` },
    h(headingLevel, { id: `proposition-${proposal.id}` }, `${request.establishment.name} — ${request.reference}`),
    h(
      'p',
      null,
      h('span', { class: `badge ${pending ? 'wait' : 'off'}` }, PROPOSAL_STATES[proposal.status] ?? proposal.status),
      pending ? ` · réponse attendue avant le ${formatDateTime(proposal.expires_at)}` : '',
    ),
    facts([
      ['Établissement', `${request.establishment.name} (${labelOf(ref.vocab.establishment_kinds, request.establishment.kind)}, ${labelOf(ref.vocab.legal_statuses, request.establishment.legal_status)})`],
      ['Lieu', `${departmentName(ref.departments, request.establishment.department)}, ${regionName(ref.regions, request.establishment.region)}`],
      ['Urgence', labelOf(ref.vocab.urgencies, request.urgency)],
      ['Déposée', `${formatDateTime(request.created_at)} (${ago(request.created_at)})`],
    ]),
    tags(request.themes.map((theme) => theme.label), 'Thèmes de la demande'),
    h('p', null, request.description),
    proposal.reasons.length
      ? [h('p', null, h('strong', null, 'Pourquoi vous : ')), h('ul', { class: 'reasons' }, proposal.reasons.map((reason) => h('li', null, reason)))]
      : null,
  );
  if (pending) {
    const accept = h('button', { type: 'button' }, 'Accepter');
    const declineToggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, 'Décliner…');
    const reason = input({ name: 'reason', label: 'Pourquoi déclinez-vous ?', multiline: true, rows: 2, maxlength: 1000, hint: 'Facultatif ; aide l’équipe à mieux vous proposer les demandes.' });
    const declineForm = form({ hidden: true, 'aria-label': `Décliner la demande ${request.reference}` }, reason, h('div', { class: 'actions' }, submit('Confirmer : je décline', { class: 'danger' })));
    const actions = h('div', { class: 'actions' }, accept, declineToggle);
    const openDecline = () => {
      declineForm.hidden = false;
      declineToggle.setAttribute('aria-expanded', 'true');
      reason.control.focus();
    };
    declineToggle.addEventListener('click', () => {
      if (declineForm.hidden) openDecline();
      else {
        declineForm.hidden = true;
        declineToggle.setAttribute('aria-expanded', 'false');
      }
    });
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      try {
        await post(`/proposals/${proposal.id}/accept`);
        actions.remove();
        declineForm.remove();
        notify(
          result,
          'success',
          h('p', null, h('strong', null, 'Merci, la demande vous est confiée. '), 'Les coordonnées de la personne à contacter vous sont envoyées par e-mail et figurent dans le dossier.'),
          h('p', null, h('a', { href: `/dossiers/${request.id}` }, `Ouvrir le dossier ${request.reference}`)),
        );
        announce(`Demande ${request.reference} acceptée.`);
      } catch (error) {
        accept.disabled = false;
        notify(result, 'error', h('p', null, describe(error)));
      }
    });
    onSubmit(declineForm, async () => {
      await post(`/proposals/${proposal.id}/decline`, { reason: valueOf(reason) });
      actions.remove();
      declineForm.remove();
      notify(result, 'success', h('p', null, 'Vous avez décliné cette demande ; elle est proposée à un autre volontaire. Merci de votre réponse.'));
      announce(`Demande ${request.reference} déclinée.`);
    });
    card.append(actions, declineForm);
    if (mode === 'accept') {
      card.insertBefore(h('p', { class: 'notice' }, 'Vous avez choisi d’accepter cette demande depuis l’e-mail : confirmez avec le bouton « Accepter ».'), actions);
      setTimeout(() => accept.focus(), 0);
    } else if (mode === 'decline') {
      setTimeout(openDecline, 0);
    }
  } else if (proposal.status === 'accepted') {
    card.append(h('p', null, h('a', { href: `/dossiers/${request.id}` }, `Ouvrir le dossier ${request.reference}`)));
  }
  card.append(result);
  return card;
}

function caseCard(view, ref) {
  const { request } = view;
  return h(
    'li',
    { class: 'card' },
    h('h3', null, h('a', { href: `/dossiers/${request.id}` }, `${request.reference} — ${request.establishment.name}`)),
    h('p', null, h('span', { class: `badge ${REQUEST_STATES[request.status]?.badge ?? 'off'}` }, stateLabel(request.status)), view.accepted_at ? ` · acceptée ${ago(view.accepted_at)}` : ''),
    facts([
      ['Contact', `${request.contact.name}, ${request.contact.phone}`],
      ['Lieu', regionName(ref.regions, request.establishment.region)],
    ]),
    tags(request.themes.map((theme) => theme.label), 'Thèmes'),
    request.status === 'accepted' ? h('p', null, h('a', { href: `/dossiers/${request.id}` }, 'Enregistrer la réponse apportée')) : null,
  );
}

function items(list) {
  return Array.isArray(list) ? list : list?.items ?? [];
}

/** `/volontaire` */
export async function volunteerPage(ctx) {
  const gate = ctx.gate('volunteer');
  if (gate) return gate;
  const [ref, me, proposals, cases] = await Promise.all([
    reference(),
    get('/volunteers/me'),
    get('/proposals', { status: 'pending', per_page: 200 }),
    get('/cases', { per_page: 200 }),
  ]);
  const open = items(proposals).filter((proposal) => proposal.status === 'pending');
  const myCases = items(cases);
  const current = myCases.filter((view) => ['accepted'].includes(view.request.status));
  const past = myCases.filter((view) => !['accepted'].includes(view.request.status));
  const availability = me.active
    ? me.available
      ? h('span', { class: 'badge ok' }, 'Disponible')
      : h('span', { class: 'badge off' }, me.paused_until ? `En pause jusqu'au ${formatDay(me.paused_until)} inclus` : 'Indisponible')
    : h('span', { class: 'badge alert' }, 'Désactivé par l’équipe');
  return [
    h('h1', null, 'Mon espace volontaire'),
    h(
      'p',
      null,
      availability,
      ` · ${plural(me.capacity, 'demande')} à la fois au plus · `,
      h('a', { href: '/volontaire/profil' }, 'Modifier mon profil, ma capacité ou faire une pause'),
    ),
    h('h2', null, `Propositions en attente (${open.length})`),
    open.length
      ? h('div', { class: 'stack' }, open.map((proposal) => proposalCard(proposal, ref)))
      : h('p', null, "Aucune proposition en attente. Vous recevrez un e-mail dès qu'une demande correspondra à votre profil."),
    h('h2', null, `Mes dossiers en cours (${current.length})`),
    current.length ? h('ul', { class: 'cards' }, current.map((view) => caseCard(view, ref))) : h('p', null, 'Aucun dossier en cours.'),
    past.length ? [h('h2', null, `Dossiers terminés (${past.length})`), h('ul', { class: 'cards' }, past.map((view) => caseCard(view, ref)))] : null,
  ];
}

/** `/volontaire/propositions/{id}`, with `/accepter` or `/decliner` from the e-mail. */
export async function proposalPage(ctx) {
  const gate = ctx.gate('volunteer');
  if (gate) return gate;
  const [ref, proposal] = await Promise.all([reference(), get(`/proposals/${encodeURIComponent(ctx.params.id)}`)]);
  const mode = location.pathname.endsWith('/accepter') ? 'accept' : location.pathname.endsWith('/decliner') ? 'decline' : null;
  return [
    h('p', null, h('a', { href: '/volontaire' }, '← Mon espace volontaire')),
    h('h1', null, `Proposition : ${proposal.request.reference}`),
    proposalCard(proposal, ref, { mode, headingLevel: 'h2' }),
  ];
}

/** `/volontaire/profil` */
export async function profilePage(ctx) {
  const gate = ctx.gate('volunteer');
  if (gate) return gate;
  const [ref, me] = await Promise.all([reference(), get('/volunteers/me')]);
  const name = input({ name: 'name', label: 'Prénom et nom', required: true, autocomplete: 'name', maxlength: 100, value: me.name });
  const phone = input({ name: 'phone', label: 'Téléphone', type: 'tel', required: true, autocomplete: 'tel', value: me.phone });
  const themes = choices({ name: 'themes', legend: "Thèmes d'expertise", required: true, options: themeOptions(ref.themes), checked: me.themes.map((theme) => theme.id) });
  // A theme retired since the volunteer chose it stays on the profile: keep it offered.
  for (const theme of me.themes) {
    if (!ref.themes.some((offered) => offered.id === theme.id)) {
      const box = h('input', { type: 'checkbox', id: `theme-retire-${theme.id}`, name: 'themes', value: theme.id, checked: true });
      themes.boxes.push(box);
      themes.querySelector('.choices').append(h('div', { class: 'choice' }, box, h('label', { for: box.id }, `${theme.label} (thème retiré)`)));
    }
  }
  const presentation = input({ name: 'presentation', label: 'Présentation', multiline: true, required: true, maxlength: 2000, value: me.presentation });
  const capacity = input({
    name: 'capacity',
    label: 'Nombre de demandes que vous pouvez suivre en même temps',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    max: 10,
    required: true,
    value: me.capacity,
  });
  const consent = choices({
    name: 'publication_consent',
    legend: 'Annuaire public',
    path: '/publication_consent',
    options: [{ value: 'true', label: 'Publier ma présentation dans l’annuaire des volontaires' }],
    checked: me.publication_consent ? ['true'] : [],
  });
  const saved = liveRegion();
  const profileForm = form(
    { 'aria-labelledby': 'profil-titre' },
    name,
    phone,
    themes,
    presentation,
    capacity,
    consent,
    h('div', { class: 'actions' }, submit('Enregistrer')),
    saved,
  );
  onSubmit(profileForm, async () => {
    await api('PATCH', '/volunteers/me', {
      body: {
        name: textOf(name),
        phone: textOf(phone),
        themes: themes.values(),
        presentation: textOf(presentation),
        capacity: numberOf(capacity),
        publication_consent: consent.values().length > 0,
      },
    });
    notify(saved, 'success', h('p', null, 'Profil enregistré.'));
  });

  const pausedUntil = input({
    name: 'paused_until',
    label: "En pause jusqu'au (inclus)",
    type: 'date',
    min: todayUtc(),
    max: addDays(todayUtc(), 365),
    value: me.paused_until ?? '',
    hint: "Pendant la pause, aucune demande ne vous est proposée. Jusqu'à un an.",
  });
  const pauseResult = liveRegion();
  const resume = h('button', { type: 'button', class: 'secondary' }, 'Reprendre dès maintenant');
  resume.hidden = !me.paused_until;
  const pauseForm = form({ 'aria-labelledby': 'pause-titre' }, pausedUntil, h('div', { class: 'actions' }, submit('Faire une pause'), resume), pauseResult);
  onSubmit(pauseForm, async () => {
    const updated = await api('PATCH', '/volunteers/me', { body: { paused_until: pausedUntil.control.value || undefined } });
    resume.hidden = !updated.paused_until;
    notify(pauseResult, 'success', h('p', null, updated.paused_until ? `Vous êtes en pause jusqu'au ${formatDay(updated.paused_until)} inclus.` : 'Vous êtes disponible.'));
  });
  resume.addEventListener('click', async () => {
    try {
      await api('PATCH', '/volunteers/me', { body: { paused_until: null } });
      pausedUntil.control.value = '';
      resume.hidden = true;
      notify(pauseResult, 'success', h('p', null, 'Vous êtes de nouveau disponible.'));
      pauseForm.querySelector('button[type="submit"]').focus();
    } catch (error) {
      notify(pauseResult, 'error', h('p', null, describe(error)));
    }
  });

  return [
    h('p', null, h('a', { href: '/volontaire' }, '← Mon espace volontaire')),
    h('h1', { id: 'profil-titre' }, 'Mon profil'),
    me.active ? null : h('p', { class: 'notice warning' }, 'L’équipe a désactivé votre profil : vous pouvez le consulter, plus le modifier.'),
    h('p', { class: 'muted' }, `Adresse e-mail : ${me.email} (pour la changer, écrivez à l'équipe). Département : ${departmentName(ref.departments, me.department)}.`),
    profileForm,
    h('h2', { id: 'pause-titre' }, 'Pause'),
    pauseForm,
  ];
}
