// Reference data from the API (vocabularies, themes, regions, departments), fetched
// once per page load, and the French words for the states the API reports by code.

import { get } from './api.js';

const cache = new Map();

function once(key, load) {
  if (!cache.has(key)) {
    const promise = load().catch((error) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

/** `GET /vocabularies`: sectors, kinds, statuses, job roles, genders, urgencies, answer types. */
export const vocabularies = () => once('vocabularies', () => get('/vocabularies', null, { auth: false }));
/** `GET /themes`: the offered themes, in display order. */
export const themes = () => once('themes', () => get('/themes', null, { auth: false }));
/** `GET /regions`. */
export const regions = () => once('regions', () => get('/regions', null, { auth: false }));
/** `GET /departments`. */
export const departments = () => once('departments', () => get('/departments', null, { auth: false }));

/** Everything at once, for forms. */
export async function reference() {
  const [vocab, themeList, regionList, departmentList] = await Promise.all([
    vocabularies(),
    themes(),
    regions(),
    departments(),
  ]);
  return { vocab, themes: themeList, regions: regionList, departments: departmentList };
}

/** The label of `code` in a list of `{ code, label }`; the code itself when unknown. */
export function labelOf(list, code) {
  if (code === null || code === undefined) return 'Non renseigné';
  return list?.find((item) => item.code === code)?.label ?? code;
}

/** Options for a select from `{ code, label }` items. */
export function optionsOf(list) {
  return list.map((item) => ({ value: item.code, label: item.label }));
}

/** Options for a select from themes. */
export function themeOptions(themeList) {
  return themeList.map((theme) => ({ value: theme.id, label: theme.label }));
}

/** The region's name. */
export function regionName(regionList, code) {
  return regionList?.find((region) => region.code === code)?.name ?? code;
}

/** "Rhône (69)". */
export function departmentName(departmentList, code) {
  const department = departmentList?.find((item) => item.code === code);
  return department ? `${department.name} (${department.code})` : code;
}

/** Departments grouped by region, for a select with optgroups. */
export function departmentGroups(regionList, departmentList) {
  return regionList.map((region) => ({
    label: region.name,
    options: departmentList
      .filter((department) => department.region === region.code)
      .map((department) => ({ value: department.code, label: `${department.name} (${department.code})` })),
  }));
}

/** French names of the states of a help request, and what each means for its reader. */
export const REQUEST_STATES = {
  submitted: { label: 'Reçue', hint: 'La demande est enregistrée ; elle va être proposée aux volontaires.', badge: 'wait' },
  proposed: { label: 'Proposée aux volontaires', hint: 'Des volontaires ont reçu la demande et peuvent l’accepter.', badge: 'wait' },
  accepted: { label: 'Prise en charge', hint: 'Un volontaire a accepté la demande et prend contact.', badge: 'ok' },
  resolved: { label: 'Réponse apportée', hint: 'Le volontaire a indiqué comment il a aidé ; votre avis est attendu.', badge: 'ok' },
  closed: { label: 'Close', hint: 'La demande est terminée.', badge: 'off' },
  cancelled: { label: 'Annulée', hint: 'La demande a été annulée.', badge: 'off' },
  unmatched: { label: 'Sans volontaire', hint: 'Aucun volontaire n’a accepté à temps ; l’équipe de l’ANAP prend le relais.', badge: 'alert' },
};

/** The French name of a request state. */
export function stateLabel(state) {
  return REQUEST_STATES[state]?.label ?? state;
}

/** French names of the states of a proposal. */
export const PROPOSAL_STATES = {
  pending: 'En attente de réponse',
  accepted: 'Acceptée',
  declined: 'Déclinée',
  expired: 'Expirée',
  withdrawn: 'Retirée',
};

/** French names of the states of an application. */
export const APPLICATION_STATES = {
  pending: 'En attente',
  accepted: 'Acceptée',
  rejected: 'Refusée',
};
