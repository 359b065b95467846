// Home page: what the scheme is, who it is for, and where to start. The figures are
// those of the ANAP's 4-week report of the 2020 scheme (30 April 2020).

import { h } from '../dom.js';
import * as session from '../session.js';

/** `/` */
export async function homePage() {
  const user = session.user();
  return [
    h('h1', null, "Un dispositif d'entraide entre établissements et professionnels volontaires"),
    h(
      'p',
      { class: 'lead' },
      "entraide met en relation les établissements de santé (ES), les établissements et services médico-sociaux (ESMS) et les structures ambulatoires en difficulté avec des professionnels volontaires qui peuvent les aider : directeurs et responsables des systèmes d'information, RSSI, directeurs, chefs de projet.",
    ),
    user
      ? h('p', { class: 'notice' }, 'Vous êtes connecté·e. ', h('a', { href: session.homeOf() }, 'Aller à mon espace'))
      : null,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button', href: '/demander-de-l-aide' }, "Demander de l'aide"),
      h('a', { class: 'button secondary', href: '/candidater' }, 'Proposer mon aide'),
      h('a', { class: 'button secondary', href: '/volontaires' }, 'Voir les volontaires'),
    ),
    h('h2', null, "D'où vient le dispositif"),
    h(
      'p',
      null,
      "Au printemps 2020, pendant la crise sanitaire du COVID-19, l'ANAP (Agence nationale d'appui à la performance des établissements de santé et médico-sociaux) a mis en place un dispositif exceptionnel d'entraide autour du numérique, pour faciliter la mise en relation des établissements en difficulté avec des professionnels volontaires pour les soutenir. entraide reprend ce dispositif sous forme de service, pour que la prochaine crise commence avec un outil prêt à servir.",
    ),
    h('h3', null, 'Après quatre semaines, en 2020'),
    h(
      'ul',
      { class: 'figures' },
      h('li', null, h('strong', null, '72'), 'candidatures de volontaires reçues'),
      h('li', null, h('strong', null, '37'), 'volontaires retenus, venus de 12 régions'),
      h('li', null, h('strong', null, '26'), "demandes d'aide traitées"),
      h('li', null, h('strong', null, '11'), 'volontaires mobilisés sur ces demandes'),
    ),
    h(
      'p',
      null,
      "Les demandes sont venues de 17 établissements de santé, 8 structures médico-sociales et 1 structure ambulatoire. Elles portaient surtout sur la mise en place du télétravail, mais aussi sur la télémédecine. L'aide a pris le plus souvent la forme d'un appel téléphonique ; trois demandes ont donné lieu à l'envoi d'un outil (charte de télétravail, plan de continuité d'activité type…).",
    ),
    h('h2', null, 'Comment ça marche'),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'home-es' },
        h('h3', { id: 'home-es' }, 'Vous êtes un établissement'),
        h(
          'ol',
          { class: 'steps' },
          h('li', null, "Décrivez votre besoin (télétravail, PCA, télémédecine, cybersécurité…) avec votre numéro FINESS."),
          h('li', null, "Les volontaires dont l'expertise correspond reçoivent votre demande ; le premier qui accepte vous contacte."),
          h('li', null, "Suivez votre demande en ligne, puis dites-nous si l'aide vous a été utile."),
        ),
        h('p', null, h('a', { href: '/demander-de-l-aide' }, "Demander de l'aide")),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'home-vol' },
        h('h3', { id: 'home-vol' }, 'Vous êtes un professionnel'),
        h(
          'ol',
          { class: 'steps' },
          h('li', null, 'Présentez votre parcours et vos thèmes d’expertise ; l’équipe de l’ANAP examine votre candidature.'),
          h('li', null, 'Recevez les demandes qui correspondent à votre profil, avec les raisons du choix, et acceptez-les ou déclinez-les.'),
          h('li', null, 'Indiquez comment vous avez aidé. Vous choisissez combien de demandes suivre à la fois, et pouvez faire une pause.'),
        ),
        h('p', null, h('a', { href: '/candidater' }, 'Proposer mon aide')),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'home-staff' },
        h('h3', { id: 'home-staff' }, "L'équipe de l'ANAP"),
        h(
          'ol',
          { class: 'steps' },
          h('li', null, 'Examine les candidatures des volontaires.'),
          h('li', null, "Suit chaque demande jusqu'à sa clôture, et intervient quand personne n'a accepté."),
          h('li', null, 'Publie le bilan du dispositif : profils des volontaires, thèmes, réponses apportées.'),
        ),
      ),
    ),
    h('h2', null, 'Vos données'),
    h(
      'p',
      null,
      "La description d'une demande ne doit contenir aucune donnée de patient ni aucune donnée de santé : seulement le besoin organisationnel ou technique. Les coordonnées des volontaires ne sont jamais publiées ; elles ne sont transmises qu'à l'établissement dont ils acceptent la demande.",
    ),
    h('p', null, 'Pas de mot de passe : ', h('a', { href: '/connexion' }, 'connectez-vous'), ' avec un lien envoyé à votre adresse e-mail.'),
  ];
}
