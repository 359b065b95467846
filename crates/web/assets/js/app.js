// The client's router: every page of the site is served the same shell, and this module
// draws the page of the address. Links inside the site are followed without reloading;
// the back button works; the focus goes to each new page's title.

import { h, announce, append } from './dom.js';
import { ApiError, describe, post } from './api.js';
import * as session from './session.js';
import { homePage } from './pages/home.js';
import { directoryPage, publicVolunteerPage } from './pages/directory.js';
import { signInPage } from './pages/signin.js';
import { applyPage } from './pages/apply.js';
import { askPage } from './pages/ask.js';
import { myRequestsPage } from './pages/requester.js';
import { casePage, ratingPage } from './pages/case.js';
import { volunteerPage, profilePage, proposalPage } from './pages/volunteer.js';
import { staffHomePage, applicationsPage, deadMailPage } from './pages/staff.js';
import { boardPage, staffRequestPage, batchPage } from './pages/staff_requests.js';
import { bilanPage } from './pages/staff_bilan.js';

/** The pages, as served by crates/web (`PAGES` in src/lib.rs lists the same paths). */
const ROUTES = [
  ['/', homePage],
  ['/volontaires', directoryPage],
  ['/volontaires/:id', publicVolunteerPage],
  ['/connexion', signInPage],
  ['/candidater', applyPage],
  ['/demander-de-l-aide', askPage],
  ['/dossiers/:id', casePage],
  ['/dossiers/:id/avis', ratingPage],
  ['/demandes', myRequestsPage],
  ['/volontaire', volunteerPage],
  ['/volontaire/profil', profilePage],
  ['/volontaire/propositions/:id', proposalPage],
  ['/volontaire/propositions/:id/accepter', proposalPage],
  ['/volontaire/propositions/:id/decliner', proposalPage],
  ['/equipe', staffHomePage],
  ['/equipe/candidatures', applicationsPage],
  ['/equipe/demandes', boardPage],
  ['/equipe/demandes/:id', staffRequestPage],
  ['/equipe/propositions', batchPage],
  ['/equipe/courriels', deadMailPage],
  ['/equipe/bilan', bilanPage],
];

/** Paths this router never takes over: the API, its documentation and the files. */
const SERVER_PATHS = ['/api/', '/docs', '/static/', '/api-docs', '/healthz', '/readyz', '/metrics'];

function match(pathname) {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const parts = path.split('/');
  for (const [pattern, page] of ROUTES) {
    const wanted = pattern.split('/');
    if (wanted.length !== parts.length) continue;
    const params = {};
    const fits = wanted.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(parts[index]);
        return parts[index] !== '';
      }
      return segment === parts[index];
    });
    if (fits) return { page, params };
  }
  return null;
}

let renderCount = 0;

/** Opens `path` in the client (adding a history entry unless `replace`). */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render({ focus: true });
}

/**
 * Shown instead of a page that needs a role the visitor lacks: an invitation to sign
 * in, or a plain statement that the page is not theirs.
 */
function gate(role, roleName) {
  const user = session.user();
  if (!user) {
    session.rememberNext(location.pathname + location.search);
    return [
      h('h1', null, 'Connexion nécessaire'),
      h('p', null, `Cette page est réservée ${roleName}. Connectez-vous avec le lien que nous vous envoyons par e-mail.`),
      h('p', null, h('a', { class: 'button', href: '/connexion' }, 'Me connecter')),
    ];
  }
  if (!session.hasRole(role)) {
    return [
      h('h1', null, 'Accès réservé'),
      h('p', null, `Cette page est réservée ${roleName}. Vous êtes connecté·e avec l'adresse ${user.email}.`),
      h('p', null, h('a', { href: session.homeOf() }, 'Aller à mon espace')),
    ];
  }
  return null;
}

const ROLE_NAMES = {
  staff: "à l'équipe de l'ANAP",
  volunteer: 'aux volontaires',
  requester: 'aux établissements qui ont demandé de l’aide',
  case: 'aux personnes concernées par cette demande',
};

/** What a page failing to load shows. */
function failure(error) {
  if (error instanceof ApiError && error.status === 401) {
    session.rememberNext(location.pathname + location.search);
    return [
      h('h1', null, 'Session expirée'),
      h('p', null, 'Votre session a pris fin. Reconnectez-vous pour continuer.'),
      h('p', null, h('a', { class: 'button', href: '/connexion' }, 'Me reconnecter')),
    ];
  }
  if (error instanceof ApiError && error.status === 404) {
    return [h('h1', null, 'Introuvable'), h('p', null, "Cette page n'existe pas ou ne vous est pas accessible."), h('p', null, h('a', { href: '/' }, "Retour à l'accueil"))];
  }
  if (!(error instanceof ApiError)) console.error(error);
  return [h('h1', null, 'Erreur'), h('div', { class: 'notice error', role: 'alert' }, h('p', null, describe(error)))];
}

async function render({ focus = false } = {}) {
  renderCount += 1;
  const mine = renderCount;
  const main = document.getElementById('contenu');
  updateHeader();
  const found = match(location.pathname);
  const context = {
    params: found?.params ?? {},
    query: new URLSearchParams(location.search),
    navigate,
    gate: (role) => gate(role, ROLE_NAMES[role] ?? ''),
    /** False once the visitor has moved to another page: late results are dropped. */
    current: () => mine === renderCount,
  };
  main.setAttribute('aria-busy', 'true');
  let content;
  try {
    content = found
      ? await found.page(context)
      : [h('h1', null, 'Page introuvable'), h('p', null, h('a', { href: '/' }, "Retour à l'accueil"))];
  } catch (error) {
    content = failure(error);
  }
  if (mine !== renderCount) return;
  main.replaceChildren();
  append(main, content);
  main.removeAttribute('aria-busy');
  const title = main.querySelector('h1');
  document.title = title ? `${title.textContent} — entraide` : 'entraide';
  if (focus) {
    window.scrollTo(0, 0);
    if (title) {
      title.setAttribute('tabindex', '-1');
      title.focus();
    }
    announce(title ? title.textContent : 'Page chargée');
  }
}

/** Navigation links and the signed-in person, redrawn when the session changes. */
function updateHeader() {
  const user = session.user();
  const links = [
    ['/', 'Accueil'],
    ['/volontaires', 'Volontaires'],
    ['/demander-de-l-aide', "Demander de l'aide"],
  ];
  if (!session.hasRole('volunteer')) links.push(['/candidater', 'Proposer mon aide']);
  if (session.hasRole('requester')) links.push(['/demandes', 'Mes demandes']);
  if (session.hasRole('volunteer')) links.push(['/volontaire', 'Mon espace volontaire']);
  if (session.hasRole('staff')) links.push(['/equipe', 'Équipe']);
  if (!user) links.push(['/connexion', 'Connexion']);
  const here = location.pathname;
  const currentLink = links
    .map(([href]) => href)
    .filter((href) => here === href || (href !== '/' && here.startsWith(`${href}/`)))
    .sort((a, b) => b.length - a.length)[0];
  const nav = document.querySelector('#navigation ul');
  nav.replaceChildren(
    ...links.map(([href, label]) =>
      h('li', null, h('a', { href, 'aria-current': href === currentLink ? 'page' : null }, label)),
    ),
  );
  const status = document.getElementById('session');
  if (!user) {
    status.replaceChildren();
    return;
  }
  status.replaceChildren(
    h('span', null, 'Connecté·e : ', h('strong', null, user.name || user.email)),
    h('button', { type: 'button', class: 'button', onclick: signOut }, 'Se déconnecter'),
  );
}

async function signOut() {
  try {
    await post('/auth/sign-out');
  } catch {
    // The session is forgotten here whatever the server says: it may already be over.
  }
  session.clear();
  navigate('/connexion');
  announce('Vous êtes déconnecté·e.');
}

function isInternal(link) {
  if (!link || link.target || link.hasAttribute('download')) return false;
  const href = link.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//')) return false;
  return !SERVER_PATHS.some((prefix) => href.startsWith(prefix));
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a');
  if (!isInternal(link)) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});

window.addEventListener('popstate', () => render({ focus: true }));
session.onChange(updateHeader);
render();
