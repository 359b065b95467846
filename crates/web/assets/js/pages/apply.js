// A professional applies as a volunteer. What is valid is the API's business: this page
// sends what was typed and shows each French message next to its field.

import { h, announce } from '../dom.js';
import { post } from '../api.js';
import { choices, form, input, numberOf, onSubmit, select, submit, textOf, valueOf } from '../forms.js';
import { reference, optionsOf, themeOptions, departmentGroups } from '../labels.js';

/** `/candidater` */
export async function applyPage() {
  const ref = await reference();
  const name = input({ name: 'name', label: 'Prénom et nom', required: true, autocomplete: 'name', maxlength: 100 });
  const email = input({
    name: 'email',
    label: 'Adresse e-mail professionnelle',
    type: 'email',
    required: true,
    autocomplete: 'email',
    spellcheck: 'false',
    hint: 'La réponse de l’équipe y sera envoyée ; vous vous connecterez avec elle.',
  });
  const phone = input({
    name: 'phone',
    label: 'Téléphone',
    type: 'tel',
    required: true,
    autocomplete: 'tel',
    hint: 'Transmis seulement aux établissements dont vous accepterez la demande. Exemple : 06 12 34 56 78.',
  });
  const gender = select({
    name: 'gender',
    label: 'Genre',
    options: optionsOf(ref.vocab.genders),
    placeholder: 'Ne pas répondre',
    hint: 'Sert uniquement aux décomptes du bilan.',
  });
  const jobRole = select({ name: 'job_role', label: 'Fonction', required: true, options: optionsOf(ref.vocab.job_roles) });
  const sector = select({ name: 'origin_sector', label: "Secteur de votre structure", required: true, options: optionsOf(ref.vocab.sectors) });
  const status = select({ name: 'origin_status', label: 'Statut de votre structure', required: true, options: optionsOf(ref.vocab.legal_statuses) });
  const department = select({
    name: 'department',
    label: 'Département où vous travaillez',
    required: true,
    groups: departmentGroups(ref.regions, ref.departments),
    hint: 'Votre région en découle ; elle sert à vous proposer des demandes proches.',
  });
  const organisation = input({
    name: 'own_organisation',
    label: 'Votre établissement ou organisme',
    maxlength: 200,
    autocomplete: 'organization',
    hint: "Jamais publié : il sert à ne pas vous proposer les demandes de votre propre structure.",
  });
  const themes = choices({
    name: 'themes',
    legend: "Thèmes sur lesquels vous proposez votre aide",
    required: true,
    options: themeOptions(ref.themes),
    hint: 'Cochez au moins un thème.',
  });
  const presentation = input({
    name: 'presentation',
    label: 'Présentation',
    multiline: true,
    required: true,
    maxlength: 2000,
    hint: 'Quelques lignes sur votre parcours et ce que vous pouvez apporter (2 000 caractères au plus). Publiée dans l’annuaire si vous l’acceptez.',
  });
  const capacity = input({
    name: 'capacity',
    label: 'Nombre de demandes que vous pouvez suivre en même temps',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    max: 10,
    value: 2,
    required: true,
  });
  const consent = choices({
    name: 'publication_consent',
    type: 'radio',
    legend: "Acceptez-vous que votre présentation figure dans l'annuaire public des volontaires ?",
    required: true,
    hint: "Sont publiés : nom, fonction, secteur, région, thèmes et présentation. Jamais votre adresse e-mail ni votre téléphone.",
    options: [
      { value: 'true', label: 'Oui, publier ma présentation' },
      { value: 'false', label: 'Non, ne pas la publier' },
    ],
  });

  const page = h('div');
  const element = form(
    { 'aria-labelledby': 'candidature-titre' },
    h('fieldset', { class: 'group' }, h('legend', null, 'Vous'), name, email, phone, gender),
    h('fieldset', { class: 'group' }, h('legend', null, 'Votre activité'), jobRole, sector, status, department, organisation),
    h('fieldset', { class: 'group' }, h('legend', null, 'Votre aide'), themes, presentation, capacity, consent),
    h('div', { class: 'actions' }, submit('Envoyer ma candidature')),
  );
  onSubmit(element, async () => {
    const body = {
      name: textOf(name),
      email: textOf(email).trim(),
      phone: textOf(phone),
      gender: valueOf(gender),
      job_role: valueOf(jobRole),
      origin_sector: valueOf(sector),
      origin_status: valueOf(status),
      department: valueOf(department),
      own_organisation: valueOf(organisation),
      themes: themes.values(),
      presentation: textOf(presentation),
      capacity: numberOf(capacity),
      publication_consent: consent.values().length ? consent.values()[0] === 'true' : undefined,
    };
    const application = await post('/applications', body, { auth: false });
    const done = h(
      'div',
      { class: 'notice success', tabindex: '-1' },
      h('h2', null, 'Merci, votre candidature est enregistrée'),
      h('p', null, `Un e-mail de confirmation vient d'être envoyé à ${application.email}. L'équipe de l'ANAP examine votre candidature et vous répondra par e-mail.`),
      h('p', null, h('a', { href: '/' }, "Retour à l'accueil")),
    );
    page.replaceChildren(done);
    done.focus();
    announce('Votre candidature est enregistrée.');
  });
  page.append(element);
  return [
    h('h1', { id: 'candidature-titre' }, 'Proposer mon aide'),
    h(
      'p',
      null,
      "Vous êtes DSI, RSI, RSSI, directeur ou chef de projet dans un établissement sanitaire ou médico-social, et vous pouvez consacrer un peu de temps à aider d'autres structures ? Présentez-vous : l'équipe de l'ANAP examine chaque candidature.",
    ),
    h('p', { class: 'muted' }, 'Tous les champs sont obligatoires, sauf ceux marqués « facultatif ».'),
    page,
  ];
}
