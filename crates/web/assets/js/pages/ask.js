// An establishment asks for help. The FINESS number is checked by the API as soon as it
// is typed: a known establishment is recognised (its register facts are reused), a
// valid new one asks for its name, kind and status, an invalid one gets the API's
// precise message next to the field.

import { h, announce, liveRegion, notify } from '../dom.js';
import { ApiError, get, post, describe } from '../api.js';
import { choices, clearFieldError, form, input, onSubmit, select, showFieldError, submit, textOf, valueOf } from '../forms.js';
import { reference, labelOf, optionsOf, themeOptions, departmentGroups, departmentName, regionName } from '../labels.js';
import * as session from '../session.js';

/** `/demander-de-l-aide` */
export async function askPage() {
  const ref = await reference();
  const finess = input({
    name: 'finess',
    label: 'Numéro FINESS',
    path: '/establishment/finess',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 12,
    hint: "9 caractères, celui de l'établissement ou de son entité juridique. Exemple : 750712184.",
  });
  const check = h('button', { type: 'button', class: 'secondary' }, 'Vérifier le numéro');
  const checkResult = liveRegion();
  const estName = input({ name: 'establishment_name', label: "Nom de l'établissement", path: '/establishment/name', required: true, maxlength: 200 });
  const kind = select({ name: 'kind', label: 'Catégorie', path: '/establishment/kind', required: true, options: optionsOf(ref.vocab.establishment_kinds) });
  const legalStatus = select({ name: 'legal_status', label: 'Statut', path: '/establishment/legal_status', required: true, options: optionsOf(ref.vocab.legal_statuses) });
  const department = select({
    name: 'department',
    label: 'Département',
    path: '/establishment/department',
    groups: departmentGroups(ref.regions, ref.departments),
    placeholder: 'Celui du numéro FINESS',
    hint: 'Déduit du numéro FINESS si vous ne le précisez pas.',
  });
  const newEstablishment = h('div', null, estName, kind, legalStatus, department);
  let known = null;
  let checked = null;
  let checks = 0;

  // Runs on "change" and on the button: the same number is checked once, and only the
  // answer for the latest number is shown.
  async function checkFiness() {
    const number = textOf(finess).trim();
    if (number === checked) return;
    checked = number;
    checks += 1;
    const mine = checks;
    clearFieldError(finess);
    known = null;
    newEstablishment.hidden = false;
    if (!number) {
      checkResult.replaceChildren();
      return;
    }
    try {
      const found = await get(`/establishments/${encodeURIComponent(number)}`, null, { auth: false });
      if (mine !== checks) return;
      known = found;
      newEstablishment.hidden = true;
      notify(
        checkResult,
        'success',
        h('p', null, h('strong', null, 'Établissement reconnu : '), known.name),
        h(
          'p',
          null,
          `${labelOf(ref.vocab.establishment_kinds, known.kind)} · ${labelOf(ref.vocab.legal_statuses, known.legal_status)} · ${departmentName(ref.departments, known.department)}, ${regionName(ref.regions, known.region)}`,
        ),
      );
    } catch (error) {
      if (mine !== checks) return;
      if (error instanceof ApiError && error.status === 404) {
        notify(
          checkResult,
          '',
          h('p', null, "Numéro valide. Cet établissement n'a pas encore demandé d'aide : indiquez ci-dessous son nom, sa catégorie et son statut."),
        );
      } else if (error instanceof ApiError && error.status === 422) {
        checkResult.replaceChildren();
        for (const fieldError of error.errors) showFieldError(finess, fieldError.message);
        announce(error.errors.map((fieldError) => fieldError.message).join(' '));
      } else {
        // Network trouble: let the person try the same number again.
        checked = null;
        notify(checkResult, 'error', h('p', null, describe(error)));
      }
    }
  }
  check.addEventListener('click', checkFiness);
  finess.control.addEventListener('change', checkFiness);
  finess.append(h('div', { class: 'actions' }, check), checkResult);

  const contactName = input({ name: 'contact_name', label: 'Prénom et nom', path: '/contact/name', required: true, autocomplete: 'name', maxlength: 120 });
  const contactEmail = input({
    name: 'contact_email',
    label: 'Adresse e-mail',
    path: '/contact/email',
    type: 'email',
    required: true,
    autocomplete: 'email',
    spellcheck: 'false',
    hint: 'Vous y recevrez la confirmation et un lien pour suivre la demande.',
  });
  const contactPhone = input({ name: 'contact_phone', label: 'Téléphone', path: '/contact/phone', type: 'tel', required: true, autocomplete: 'tel', hint: 'Le volontaire vous appellera à ce numéro. Exemple : 01 23 45 67 89.' });
  const contactRole = select({ name: 'contact_role', label: 'Fonction', path: '/contact/job_role', required: true, options: optionsOf(ref.vocab.job_roles) });

  const mainTheme = select({ name: 'main_theme', label: 'Thème principal', path: '/themes', required: true, options: themeOptions(ref.themes) });
  const otherThemes = choices({
    name: 'other_themes',
    legend: 'Autres thèmes concernés',
    path: '/autres-themes',
    options: themeOptions(ref.themes),
  });
  const urgency = select({ name: 'urgency', label: 'Urgence', path: '/urgency', required: true, options: optionsOf(ref.vocab.urgencies), placeholder: null, value: 'normal' });
  const warning = h(
    'div',
    { class: 'notice warning', id: 'avertissement-donnees' },
    h('p', null, h('strong', null, 'Aucune donnée de patient ni de santé. '), "Décrivez uniquement le besoin organisationnel ou technique : pas de nom de patient ou de résident, pas d'information médicale."),
  );
  const description = input({
    name: 'description',
    label: 'Votre besoin',
    path: '/description',
    multiline: true,
    required: true,
    maxlength: 4000,
    hint: "Ce qui se passe, ce que vous avez déjà essayé, l'échéance (4 000 caractères au plus).",
  });
  description.control.setAttribute('aria-describedby', `avertissement-donnees ${description.control.getAttribute('aria-describedby')}`);
  description.insertBefore(warning, description.querySelector('label'));

  const page = h('div');
  const element = form(
    { 'aria-labelledby': 'demande-titre' },
    h('fieldset', { class: 'group' }, h('legend', null, 'Votre établissement'), finess, newEstablishment),
    h('fieldset', { class: 'group' }, h('legend', null, 'La personne à contacter'), contactName, contactEmail, contactPhone, contactRole),
    h('fieldset', { class: 'group' }, h('legend', null, 'Votre demande'), mainTheme, otherThemes, urgency, description),
    h('div', { class: 'actions' }, submit('Envoyer la demande')),
  );
  onSubmit(element, async () => {
    const main = valueOf(mainTheme);
    const others = otherThemes.values().filter((theme) => theme !== main);
    const body = {
      establishment: {
        finess: textOf(finess).trim(),
        // A known establishment is reused as registered; the API ignores these then.
        name: known ? known.name : textOf(estName),
        kind: known ? known.kind : valueOf(kind),
        legal_status: known ? known.legal_status : valueOf(legalStatus),
        department: known ? undefined : valueOf(department),
      },
      contact: {
        name: textOf(contactName),
        email: textOf(contactEmail).trim(),
        phone: textOf(contactPhone),
        job_role: valueOf(contactRole),
      },
      themes: main ? [main, ...others] : others,
      urgency: valueOf(urgency),
      description: textOf(description),
    };
    const created = await post('/requests', body, { auth: false });
    const follow = session.hasRole('requester') ? h('p', null, h('a', { href: `/demandes/${created.id}` }, 'Suivre la demande')) : null;
    const done = h(
      'div',
      { class: 'notice success', tabindex: '-1' },
      h('h2', null, `Demande ${created.reference} enregistrée`),
      h('p', null, `Un e-mail de confirmation vient d'être envoyé à ${created.contact.email}, avec un lien personnel pour suivre la demande.`),
      h('p', null, "Elle est proposée dès maintenant aux volontaires dont l'expertise correspond. Dès que l'un d'eux l'aura acceptée, vous recevrez ses coordonnées par e-mail."),
      follow,
    );
    page.replaceChildren(done);
    done.focus();
    announce(`Demande ${created.reference} enregistrée.`);
  });
  page.append(element);
  return [
    h('h1', { id: 'demande-titre' }, "Demander de l'aide"),
    h(
      'p',
      null,
      "Votre établissement de santé, médico-social ou votre structure ambulatoire rencontre une difficulté numérique (télétravail, continuité d'activité, télémédecine, cybersécurité…) ? Décrivez-la : elle sera proposée aux volontaires les plus proches de votre besoin.",
    ),
    h('p', { class: 'muted' }, 'Tous les champs sont obligatoires, sauf ceux marqués « facultatif ».'),
    page,
  ];
}
