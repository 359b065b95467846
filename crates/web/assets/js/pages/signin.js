// Sign-in by e-mailed link. The link is `/connexion#token=…`: the token sits after `#`
// so that it never reaches a server log; this page exchanges it for a session at once
// and removes it from the address bar and the history.

import { h, announce, liveRegion, notify } from '../dom.js';
import { ApiError, post } from '../api.js';
import * as session from '../session.js';
import { form, input, onSubmit, submit, textOf } from '../forms.js';

const ROLE_LABELS = { staff: "Équipe de l'ANAP", volunteer: 'Volontaire', requester: 'Établissement demandeur' };

const SPACES = [
  ['staff', '/equipe', "Espace de l'équipe"],
  ['volunteer', '/volontaire', 'Mon espace volontaire'],
  ['requester', '/demandes', 'Mes demandes'],
];

function signInForm(intro) {
  const result = liveRegion();
  const email = input({
    name: 'email',
    label: 'Adresse e-mail',
    type: 'email',
    required: true,
    autocomplete: 'email',
    spellcheck: 'false',
    hint: 'Celle de votre candidature de volontaire, de votre demande d’aide, ou de votre compte de l’équipe.',
  });
  const element = form({ 'aria-labelledby': 'connexion-titre' }, email, h('div', { class: 'actions' }, submit('Recevoir un lien de connexion')));
  onSubmit(element, async () => {
    const answer = await post('/auth/sign-in', { email: textOf(email) }, { auth: false });
    notify(
      result,
      'success',
      h('p', null, answer.message),
      h('p', null, "Ouvrez le lien reçu sur cet appareil. Pensez à regarder dans les courriers indésirables."),
    );
  });
  return [intro, h('h2', { id: 'connexion-titre' }, 'Recevoir un lien de connexion'), element, result];
}

/** `/connexion` and `/connexion#token=…` */
export async function signInPage(ctx) {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) {
    // The token works once: it leaves the address bar before anything else happens.
    history.replaceState(null, '', '/connexion');
    try {
      const created = await post('/auth/session', { token }, { auth: false });
      session.save(created);
      const next = session.takeNext() ?? session.homeOf(created.user.roles);
      queueMicrotask(() => {
        ctx.navigate(next, { replace: true });
        announce(`Vous êtes connecté·e avec l'adresse ${created.user.email}.`);
      });
      return [h('h1', null, 'Connexion réussie'), h('p', null, h('a', { href: next }, 'Continuer'))];
    } catch (error) {
      const expired = error instanceof ApiError && error.status === 401;
      return [
        h('h1', null, 'Connexion'),
        ...signInForm(
          h(
            'div',
            { class: 'notice error', role: 'alert' },
            h(
              'p',
              null,
              expired
                ? "Ce lien de connexion n'est plus valable : il a déjà servi, ou il a plus de 15 minutes. Demandez-en un nouveau ci-dessous."
                : "La connexion n'a pas abouti. Demandez un nouveau lien ci-dessous.",
            ),
          ),
        ),
      ];
    }
  }

  const user = session.user();
  if (user) {
    const spaces = SPACES.filter(([role]) => user.roles.includes(role));
    return [
      h('h1', null, 'Vous êtes connecté·e'),
      h(
        'dl',
        { class: 'facts' },
        user.name ? [h('dt', null, 'Nom'), h('dd', null, user.name)] : null,
        h('dt', null, 'Adresse e-mail'),
        h('dd', null, user.email),
        h('dt', null, 'Rôles'),
        h('dd', null, user.roles.map((role) => ROLE_LABELS[role] ?? role).join(', ') || 'Aucun'),
      ),
      spaces.length ? h('ul', null, spaces.map(([, href, label]) => h('li', null, h('a', { href }, label)))) : null,
      h(
        'p',
        null,
        'La session dure 8 heures au plus et se termine quand vous fermez cet onglet. Pour la terminer maintenant, utilisez « Se déconnecter » en haut de la page.',
      ),
    ];
  }

  return [
    h('h1', null, 'Connexion'),
    ...signInForm(
      h(
        'p',
        null,
        "Pas de mot de passe : indiquez votre adresse e-mail et nous vous envoyons un lien de connexion, valable 15 minutes et utilisable une seule fois.",
      ),
    ),
  ];
}
