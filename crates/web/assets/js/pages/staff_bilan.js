// The bilan: the period report of the scheme, with the four figures of the 2020 report,
// the period picker and the downloads (XLSX, CSV, HTML). Every number comes from
// `GET /api/v1/bilan?format=json`; the downloads are the API's own files.

import { h, liveRegion, notify, plural, formatDay, formatDateTime } from '../dom.js';
import { download, get, describe } from '../api.js';
import { form, input, onSubmit, submit, choices, showErrors } from '../forms.js';
import { figure } from '../charts.js';

const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

function share(value) {
  return value === null || value === undefined ? '—' : percent.format(value);
}

function hours(value) {
  if (value === null || value === undefined) return '—';
  return value < 48 ? `${decimal.format(value)} h` : `${decimal.format(value / 24)} j`;
}

function keyFigures(bilan) {
  const item = (value, label) => h('li', null, h('strong', null, String(value)), label);
  return h(
    'ul',
    { class: 'figures', 'aria-label': 'Chiffres clés' },
    item(bilan.volunteers.applications_received, ' candidatures reçues'),
    item(bilan.volunteers.accepted, ' volontaires retenus'),
    item(bilan.volunteers.distinct_regions, ' régions représentées'),
    item(bilan.requests.received, " demandes d'aide reçues"),
    item(bilan.requests.handled, ' demandes traitées'),
    item(bilan.requests.volunteers_involved, ' volontaires mobilisés'),
    item(bilan.answers.answered, ' réponses apportées'),
    item(bilan.requests.unmatched_at_end, ' demandes sans volontaire'),
  );
}

function followUp(bilan) {
  const f = bilan.follow_up;
  const rows = [
    ['Délai jusqu’à la première proposition', f.time_to_first_proposal],
    ['Délai jusqu’à l’acceptation', f.time_to_acceptance],
    ['Délai jusqu’à la réponse', f.time_to_resolution],
  ];
  return [
    h('h2', null, 'Suivi des demandes'),
    h(
      'div',
      { class: 'table-scroll', role: 'region', 'aria-label': 'Délais', tabindex: '0' },
      h(
        'table',
        null,
        h('caption', null, 'Délais depuis le dépôt de la demande'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Délai'), h('th', { scope: 'col', class: 'num' }, 'Demandes'), h('th', { scope: 'col', class: 'num' }, 'Médiane'), h('th', { scope: 'col', class: 'num' }, '90 % en moins de'))),
        h('tbody', null, rows.map(([label, delay]) => h('tr', null, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, String(delay.count)), h('td', { class: 'num' }, hours(delay.median_hours)), h('td', { class: 'num' }, hours(delay.p90_hours))))),
      ),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Propositions acceptées'),
      h('dd', null, share(f.proposal_acceptance_rate)),
      h('dt', null, 'Demandes résolues'),
      h('dd', null, `${f.resolved} (${share(f.resolved_share)})`),
      h('dt', null, 'Utilité moyenne'),
      h('dd', null, f.rating_mean === null ? 'pas encore d’avis' : `${decimal.format(f.rating_mean)} sur 5`),
      h('dt', null, 'Charge par volontaire'),
      h('dd', null, f.load_mean === null ? '—' : `${decimal.format(f.load_mean)} demande(s) en moyenne, ${f.load_max} au plus`),
    ),
  ];
}

function report(bilan) {
  const v = bilan.volunteers;
  const r = bilan.requests;
  const a = bilan.answers;
  const tools = a.tools.length
    ? [h('h3', null, 'Outils envoyés'), h('ul', null, a.tools.map((tool) => h('li', null, `${tool.name} : ${plural(tool.count, 'demande')}`)))]
    : [];
  return h(
    'div',
    null,
    h('p', null, `Du ${formatDay(bilan.period.from)} au ${formatDay(bilan.period.to)} (${plural(bilan.period.days, 'jour')}) ; produit le ${formatDateTime(bilan.generated_at)}.`),
    bilan.masking.public && bilan.masking.note ? h('p', { class: 'notice warning' }, bilan.masking.note) : null,
    keyFigures(bilan),
    h('h2', null, 'Les personnes proposant leur aide'),
    figure(
      'Figure 1 : Profil des volontaires',
      [
        ['Genre', v.gender],
        ['Fonction', v.job_role],
        ['Secteur d’origine', v.origin_sector],
        ['Structure publique ou privée', v.public_private],
        ['Région', v.region],
      ],
      `${plural(v.accepted, 'volontaire retenu', 'volontaires retenus')}, de ${plural(v.distinct_regions, 'région')}.`,
    ),
    figure('Figure 2 : Thèmes d’expertise proposés par les volontaires', [['Thèmes d’expertise', v.themes]], 'Un volontaire peut proposer plusieurs thèmes : les parts peuvent dépasser 100 % au total.'),
    h('h2', null, 'Les établissements ayant sollicité de l’aide'),
    h('p', null, `${plural(r.received, "demande d'aide reçue", "demandes d'aide reçues")}, dont ${r.handled} traitée(s) par ${plural(r.volunteers_involved, 'volontaire')} ; ${plural(r.establishments, 'établissement')} demandeur(s).`),
    figure('Figure 3 : Thèmes des demandes d’aide', [['Thèmes des demandes', r.themes]], 'Une demande peut porter sur plusieurs thèmes.'),
    h('h2', null, 'Les réponses apportées'),
    figure('Figure 4 : Type de réponse apportée aux sollicitations', [['Types de réponse', a.answer_types]], '« Non renseigné » : aucune réponse enregistrée pour l’instant.'),
    ...tools,
    ...followUp(bilan),
  );
}

/** `/equipe/bilan?from=&to=&public=` */
export async function bilanPage(ctx) {
  const gate = ctx.gate('staff');
  if (gate) return gate;
  const from = input({ name: 'from', plain: true, label: 'Du', type: 'date', path: '/from', value: ctx.query.get('from') ?? '' });
  const to = input({ name: 'to', plain: true, label: 'Au (inclus)', type: 'date', path: '/to', value: ctx.query.get('to') ?? '' });
  const masked = choices({
    name: 'public',
    plain: true,
    legend: 'Diffusion',
    path: '/public',
    options: [{ value: 'true', label: 'Bilan public : masquer les petits effectifs' }],
    checked: ctx.query.get('public') === 'true' ? ['true'] : [],
  });
  const status = liveRegion();
  const downloads = liveRegion();
  const content = h('div');

  const query = (format) => ({
    from: from.control.value,
    to: to.control.value,
    public: masked.values().length ? 'true' : undefined,
    format,
  });

  async function load() {
    const bilan = await get('/bilan', query('json'));
    if (!ctx.current()) return;
    from.control.value = bilan.period.from;
    to.control.value = bilan.period.to;
    const address = new URLSearchParams({ from: bilan.period.from, to: bilan.period.to });
    if (bilan.masking.public) address.set('public', 'true');
    history.replaceState(null, '', `/equipe/bilan?${address}`);
    content.replaceChildren(report(bilan));
    status.textContent = `Bilan du ${formatDay(bilan.period.from)} au ${formatDay(bilan.period.to)} affiché.`;
  }

  const picker = form(
    { class: 'filters', 'aria-label': 'Période du bilan' },
    from,
    to,
    masked,
    h('div', { class: 'actions' }, submit('Afficher le bilan')),
  );
  onSubmit(picker, load);

  const formats = [
    ['xlsx', 'Télécharger (Excel, XLSX)', 'bilan.xlsx'],
    ['csv', 'Télécharger (CSV, archive ZIP)', 'bilan.zip'],
    ['html', 'Télécharger le rapport (HTML, imprimable en PDF)', 'bilan.html'],
  ];
  const buttons = formats.map(([format, label, fallback]) => {
    const button = h('button', { type: 'button', class: 'secondary', 'data-format': format }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      notify(downloads, '', h('p', null, 'Préparation du fichier…'));
      try {
        const file = await download('/bilan', query(format), fallback);
        notify(downloads, 'success', h('p', null, `Fichier ${file.name} téléchargé (${Math.max(1, Math.round(file.size / 1024))} Ko).`));
      } catch (error) {
        notify(downloads, 'error', h('p', null, describe(error)));
      } finally {
        button.disabled = false;
      }
    });
    return button;
  });

  try {
    await load();
  } catch (error) {
    // Shown once the page is in the document, so that the summary can take the focus.
    setTimeout(() => showErrors(picker, error), 0);
  }
  return [
    h('p', null, h('a', { href: '/equipe' }, "← Espace de l'équipe")),
    h('h1', null, 'Bilan du dispositif'),
    h('p', null, "Le bilan suit la structure de celui de 2020 : les volontaires, les établissements demandeurs, les réponses apportées, avec ses quatre figures. Sans période choisie, il couvre les quatre premières semaines du dispositif."),
    picker,
    status,
    h('h2', null, 'Télécharger'),
    h('div', { class: 'actions' }, buttons),
    downloads,
    content,
  ];
}
