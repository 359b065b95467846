// End-to-end test of the web client in a real browser (Debian's Chromium, driven by
// playwright-core). It builds nothing: `cargo build --bin entraide` comes first. It starts
// the real server on a fresh SQLite database in a temporary folder, creates the first
// staff member from the command line, reads every e-mail from the .eml files the server
// writes under <data_dir>/outbox/, and walks the whole story:
//
//   a volunteer applies → staff accept → an establishment asks for help → the volunteer
//   receives the proposal, signs in from the e-mailed link and accepts → records a
//   phone-call answer → the establishment rates the help → staff download the bilan.
//
// Steps whose endpoints the server does not offer are reported as skipped (the script
// asks the server's OpenAPI document), never silently passed. Screenshots of each page
// go to tests/e2e/artifacts/. Every page is also checked for accessibility basics
// (labels, one h1, language, focus ring, no overflow at 320 px) and for Content
// Security Policy violations or script errors; text contrast is measured too.
//
// Usage: node tests/e2e/run.mjs   (ENTRAIDE_BIN and CHROMIUM override the paths)

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const binary =
  process.env.ENTRAIDE_BIN ??
  join(process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, 'target'), 'debug/entraide');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(here, 'artifacts');
const started = Date.now();

const results = [];
let failed = 0;
let passed = 0;
let skipped = 0;

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs one step; a failure is recorded and stops the story (later steps depend on it). */
async function step(name, body) {
  log(`▶ ${name}`);
  try {
    const outcome = await body();
    if (outcome === SKIP) {
      skipped += 1;
      results.push(`SKIP ${name}`);
      log(`  – skipped: the server has no endpoint for it yet`);
      return;
    }
    passed += 1;
    results.push(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    results.push(`FAIL ${name}: ${error.message}`);
    log(`  ✗ ${error.stack ?? error.message}`);
    // What each person saw when it failed, to read the failure from the artefacts.
    for (const [label, page] of openPages) {
      await page.screenshot({ path: join(artifacts, `FAIL-${label}.png`), fullPage: true }).catch(() => {});
    }
    throw new StoryStopped();
  }
}

const openPages = new Map();

const SKIP = Symbol('skip');
class StoryStopped extends Error {}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor(what, probe, { timeout = 15000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, interval));
  }
}

// --- E-mails, read from the .eml files of the server's file transport. ---

function decodeWords(text) {
  return text.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind, data) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

function decodeQuotedPrintable(text) {
  const bytes = [];
  const source = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < source.length; i += 1) {
    if (source[i] === '=' && /^[0-9A-F]{2}$/i.test(source.slice(i + 1, i + 3))) {
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(source[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseEml(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const body = rest.join('\n\n');
  // The text/plain part of the multipart message.
  const plain = /Content-Type: text\/plain[^\n]*\r?\nContent-Transfer-Encoding: ([^\r\n]+)\r?\n\r?\n([\s\S]*?)\r?\n--/i.exec(body);
  let text = body;
  if (plain) {
    const encoding = plain[1].trim().toLowerCase();
    text = encoding === 'quoted-printable' ? decodeQuotedPrintable(plain[2]) : encoding === 'base64' ? Buffer.from(plain[2], 'base64').toString('utf8') : plain[2];
  }
  return { to: headers.to ?? '', subject: headers.subject ?? '', text };
}

class Mailbox {
  constructor(folder) {
    this.folder = folder;
    this.seen = new Set();
  }

  all() {
    let names = [];
    try {
      names = readdirSync(this.folder).filter((name) => name.endsWith('.eml'));
    } catch {
      return [];
    }
    return names
      .map((name) => ({ name, time: statSync(join(this.folder, name)).mtimeMs }))
      .sort((a, b) => a.time - b.time)
      .map(({ name }) => ({ name, ...parseEml(readFileSync(join(this.folder, name), 'utf8')) }));
  }

  /** Waits for a new e-mail to `to` whose subject matches `subject`; marks it read. */
  async next(to, subject, timeout = 15000) {
    const mail = await waitFor(`an e-mail to ${to} matching ${subject}`, () =>
      this.all().find((m) => !this.seen.has(m.name) && m.to.includes(to) && subject.test(m.subject)),
    { timeout });
    this.seen.add(mail.name);
    return mail;
  }
}

function linkIn(mail, pattern) {
  const links = mail.text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
  const link = links.find((candidate) => pattern.test(candidate));
  check(link, `no link matching ${pattern} in "${mail.subject}": ${links.join(', ')}`);
  return link;
}

// --- Pages: screenshots and checks. ---

const problems = [];

function watch(page, label) {
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|409|422)/.test(text)) {
      problems.push(`${label}: console error: ${text}`);
    }
    if (/Content.Security.Policy/i.test(text)) problems.push(`${label}: CSP violation: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: script error: ${error.message}`));
}

/** Accessibility basics every page must meet, measured in the page itself. */
async function audit(page, name) {
  const findings = await page.evaluate(() => {
    const out = [];
    if (document.documentElement.lang !== 'fr') out.push('html lang is not fr');
    const headings = document.querySelectorAll('main h1');
    if (headings.length !== 1) out.push(`${headings.length} h1 in main`);
    const ids = new Map();
    for (const element of document.querySelectorAll('[id]')) ids.set(element.id, (ids.get(element.id) ?? 0) + 1);
    for (const [id, count] of ids) if (count > 1) out.push(`duplicate id ${id}`);
    for (const control of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const labelled = control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
      if (!labelled) out.push(`control without label: ${control.outerHTML.slice(0, 80)}`);
    }
    for (const button of document.querySelectorAll('button, a[href]')) {
      const name = (button.textContent ?? '').trim() || button.getAttribute('aria-label');
      if (!name) out.push(`unnamed ${button.tagName.toLowerCase()}`);
    }
    for (const image of document.querySelectorAll('img')) if (!image.hasAttribute('alt')) out.push('img without alt');
    // Chromium's autofill leaves an empty style="" on inputs; only a real one counts.
    for (const element of document.querySelectorAll('[style]:not([style=""])')) out.push(`style attribute on ${element.outerHTML.slice(0, 200)}`);
    for (const reference of document.querySelectorAll('[aria-describedby]')) {
      for (const id of reference.getAttribute('aria-describedby').split(/\s+/)) {
        if (!document.getElementById(id)) out.push(`aria-describedby names missing #${id}`);
      }
    }
    if (!document.querySelector('[aria-live]')) out.push('no aria-live region');
    const shown = document.body.innerText;
    for (const leak of [/\bnull\b/, /\bundefined\b/, /\[object /, /\bNaN\b/]) {
      if (leak.test(shown)) out.push(`"${leak.source}" shown on the page`);
    }
    // WCAG AA contrast of every visible text: 4.5:1, or 3:1 for large text.
    const parse = (color) => {
      const match = /rgba?\(([^)]+)\)/.exec(color);
      if (!match) return null;
      const [r, g, b, a = 1] = match[1].split(',').map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }) => {
      const channel = (v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const backgroundOf = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const color = parse(getComputedStyle(e).backgroundColor);
        if (color && color.a > 0.5) return color;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    for (const element of document.querySelectorAll('body *')) {
      if (element.closest('svg') || element.closest('[disabled]')) continue;
      const text = [...element.childNodes].filter((node) => node.nodeType === 3).map((node) => node.textContent.trim()).join(' ').trim();
      if (!text) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || element.getClientRects().length === 0) continue;
      const foreground = parse(style.color);
      const [light, dark] = [luminance(foreground), luminance(backgroundOf(element))].sort((a, b) => b - a);
      const ratio = (light + 0.05) / (dark + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
      if (ratio < (large ? 3 : 4.5)) out.push(`contrast ${ratio.toFixed(2)}:1 for "${text.slice(0, 40)}"`);
    }
    return out;
  });
  for (const finding of findings) problems.push(`${name}: ${finding}`);
}

/** The focus ring is visible: tab to the first control of the page and read its style. */
async function focusRing(page, name) {
  await page.keyboard.press('Tab');
  const style = await page.evaluate(() => {
    const element = document.activeElement;
    const computed = getComputedStyle(element);
    return { tag: element.tagName, outline: computed.outlineStyle, width: computed.outlineWidth, text: element.textContent.trim().slice(0, 30) };
  });
  if (style.outline === 'none' || style.width === '0px') problems.push(`${name}: no visible focus on ${style.tag} ${style.text}`);
  return style;
}

async function shoot(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.locator('main[aria-busy="true"]').waitFor({ state: 'detached', timeout: 100 }).catch(() => {});
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  await audit(page, name);
}

/** Opens a page and waits until the router has drawn it. */
async function open(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => !document.querySelector('main')?.hasAttribute('aria-busy') && document.querySelector('main h1'));
}

async function narrow(context, url, name) {
  const page = await context.newPage();
  watch(page, `${name} (320 px)`);
  await page.setViewportSize({ width: 320, height: 700 });
  await open(page, url);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) problems.push(`${name}: ${overflow}px wider than a 320 px screen`);
  await shoot(page, `${name}-320px`);
  await page.close();
}

// --- The story. ---

async function main() {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  check(statSync(binary, { throwIfNoEntry: false }), `${binary} is missing: run cargo build --bin entraide first`);
  check(statSync(browserPath, { throwIfNoEntry: false }), `${browserPath} is missing: apt-get install chromium`);

  const work = mkdtempSync(join(tmpdir(), 'entraide-e2e-'));
  const dataDir = join(work, 'data');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    ENTRAIDE_DATA_DIR: dataDir,
    ENTRAIDE_PUBLIC_URL: base,
    ENTRAIDE_LOG: 'error',
    ENTRAIDE_MAIL_POLL_MS: '100',
    ENTRAIDE_WORKERS: '2',
  };
  delete env.DATABASE_URL;
  delete env.ENTRAIDE_SMTP_URL;
  const mailbox = new Mailbox(join(dataDir, 'outbox'));

  const server = spawn(binary, ['serve', '--bind', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const stopServer = () => {
    if (server.exitCode === null) server.kill('SIGTERM');
  };
  process.on('exit', stopServer);
  let browser;
  try {
    await waitFor('the server', async () => {
      const response = await fetch(`${base}/readyz`).catch(() => null);
      return response?.ok;
    }, { timeout: 30000 });
    log(`server ready on ${base}`);
    const spec = await (await fetch(`${base}/api-docs/openapi.json`)).json();
    const has = (method, path) => Boolean(spec.paths?.[path]?.[method]);

    const staffEmail = 'camille.martin@anap.fr';
    const staffOut = execFileSync(binary, ['staff', 'add', staffEmail, '--name', 'Camille Martin'], { env, encoding: 'utf8' });
    const staffLink = (staffOut.match(/https?:\/\/\S+#token=\S+/) ?? [])[0];
    check(staffLink, `no sign-in link in the output of entraide staff add: ${staffOut}`);

    // launch() gives the browser a fresh, temporary profile (user-data dir) of its own.
    browser = await chromium.launch({
      executablePath: browserPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // One browser context per person: their own sessionStorage, as on their own computer.
    const person = async (label) => {
      const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1100, height: 900 }, acceptDownloads: true });
      const page = await context.newPage();
      watch(page, label);
      openPages.set(label, page);
      return { context, page };
    };
    const visitor = await person('visitor');
    const volunteer = await person('volunteer');
    const staff = await person('staff');
    const establishment = await person('establishment');

    const volunteerEmail = 'claire.lefevre@chu-exemple.fr';
    const contactEmail = 'marc.dubois@ch-exemple.fr';
    let requestId = null;
    let reference = null;

    await step('public pages: home, directory, sign-in', async () => {
      const { page } = visitor;
      await open(page, `${base}/`);
      check((await page.textContent('h1')).includes("dispositif d'entraide"), 'home title');
      const ring = await focusRing(page, 'accueil');
      check(ring.text === 'Aller au contenu', `the first Tab reaches the skip link (got ${ring.text})`);
      await shoot(page, '01-accueil');
      await narrow(visitor.context, `${base}/`, '01-accueil');
      await open(page, `${base}/volontaires`);
      await shoot(page, '02-annuaire-vide');
      await open(page, `${base}/connexion`);
      await shoot(page, '03-connexion');
    });

    await step('a volunteer applies (errors shown next to the fields first)', async () => {
      const { page } = volunteer;
      await open(page, `${base}/candidater`);
      await page.getByRole('button', { name: 'Envoyer ma candidature' }).click();
      const summary = page.locator('.error-summary');
      await summary.waitFor();
      check(await summary.evaluate((element) => element === document.activeElement), 'the error summary takes the focus');
      const firstError = page.locator('.field-error:not([hidden])').first();
      check((await firstError.textContent()).length > 5, 'a French message next to a field');
      await shoot(page, '04-candidater-erreurs');
      await narrow(volunteer.context, `${base}/candidater`, '04-candidater');

      await page.getByLabel('Prénom et nom').fill('Claire Lefèvre');
      await page.getByLabel('Adresse e-mail professionnelle').fill(volunteerEmail);
      await page.getByLabel('Téléphone').fill('06 12 34 56 78');
      await page.getByLabel('Genre').selectOption('femme');
      await page.getByLabel('Fonction').selectOption('dsi');
      await page.getByLabel('Secteur de votre structure').selectOption('sanitaire');
      await page.getByLabel('Statut de votre structure').selectOption('public');
      await page.getByLabel('Département où vous travaillez').selectOption('92');
      await page.getByLabel('Votre établissement ou organisme').fill('CHU de Lyon');
      await page.getByLabel('Télétravail').check();
      await page.getByLabel("Plan de continuité d'activité (PCA)").check();
      await page.getByLabel('Présentation', { exact: true }).fill("DSI d'un CHU depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.");
      await page.getByLabel('Oui, publier ma présentation').check();
      // An invalid phone number: the API's message appears next to the phone field.
      await page.getByLabel('Téléphone').fill('06 12');
      await page.getByRole('button', { name: 'Envoyer ma candidature' }).click();
      const phoneError = page.locator('[data-path="/phone"] .field-error');
      await phoneError.waitFor();
      check(/téléphone/i.test(await phoneError.textContent()), 'phone error next to the phone field');
      await page.getByLabel('Téléphone').fill('06 12 34 56 78');
      await page.getByRole('button', { name: 'Envoyer ma candidature' }).click();
      await page.getByText('Merci, votre candidature est enregistrée').waitFor();
      await shoot(page, '05-candidature-envoyee');
      await mailbox.next(volunteerEmail, /candidature/i);
    });

    await step('staff sign in from the link of `entraide staff add` and accept the application', async () => {
      const { page } = staff;
      await page.goto(staffLink);
      await page.waitForURL(`${base}/equipe`);
      await page.getByRole('heading', { name: "Espace de l'équipe" }).waitFor();
      check(!page.url().includes('token'), 'the token left the address bar');
      check((await page.textContent('#session')).includes('Camille Martin'), 'the header names who is signed in');
      await shoot(page, '06-equipe');
      await open(page, `${base}/equipe/candidatures`);
      await page.getByRole('heading', { name: 'Claire Lefèvre' }).waitFor();
      await shoot(page, '07-candidatures');
      await page.getByRole('button', { name: 'Accepter' }).click();
      await page.getByText('Candidature acceptée').waitFor();
      await shoot(page, '08-candidature-acceptee');
      await mailbox.next(volunteerEmail, /accept/i);
    });

    await step('the directory lists the new volunteer, filtered by theme and region', async () => {
      const { page } = visitor;
      await open(page, `${base}/volontaires`);
      await page.getByLabel("Thème d'expertise").selectOption('teletravail');
      await page.getByLabel('Région').selectOption('11');
      await page.getByRole('link', { name: 'Claire Lefèvre' }).waitFor();
      check(page.url().includes('theme=teletravail') && page.url().includes('region=11'), 'filters kept in the address');
      await shoot(page, '09-annuaire-filtre');
      await page.getByRole('link', { name: 'Claire Lefèvre' }).click();
      await page.getByRole('heading', { name: 'Claire Lefèvre', level: 1 }).waitFor();
      check(await page.evaluate(() => document.activeElement?.tagName === 'H1'), 'the focus moves to the new page title');
      check(!(await page.textContent('main')).includes('@'), 'no e-mail address in the public profile');
      await shoot(page, '09-profil-public');
      await page.goBack();
      await page.getByLabel('Région').waitFor();
      await page.getByLabel('Région').selectOption('84');
      await page.getByText('Aucun volontaire ne correspond').waitFor();
    });

    await step('an establishment asks for help (FINESS checked, patient-data warning shown)', async () => {
      const { page } = establishment;
      await open(page, `${base}/demander-de-l-aide`);
      check(await page.getByText('Aucune donnée de patient ni de santé').isVisible(), 'warning visible');
      const finess = page.getByLabel('Numéro FINESS');
      await finess.fill('750712185');
      await page.getByRole('button', { name: 'Vérifier le numéro' }).click();
      const finessError = page.locator('[data-path="/establishment/finess"] .field-error');
      await finessError.waitFor();
      check(/clé/i.test(await finessError.textContent()), `FINESS key error shown: ${await finessError.textContent()}`);
      await shoot(page, '10-demande-finess-invalide');
      await finess.fill('750712184');
      await page.getByRole('button', { name: 'Vérifier le numéro' }).click();
      await page.getByText('Numéro valide').waitFor();
      await page.getByLabel("Nom de l'établissement").fill('Hôpital de démonstration');
      await page.getByLabel('Catégorie').selectOption('es');
      await page.getByLabel('Statut', { exact: true }).selectOption('public');
      await page.getByLabel('Prénom et nom').fill('Marc Dubois');
      await page.getByLabel('Adresse e-mail').fill(contactEmail);
      await page.getByLabel('Téléphone').fill('01 23 45 67 89');
      await page.getByLabel('Fonction').selectOption('rsi');
      await page.getByLabel('Thème principal').selectOption('teletravail');
      await page.getByLabel('Urgence').selectOption('high');
      await page.getByLabel('Votre besoin').fill('Nous devons équiper 40 agents administratifs pour le télétravail : choix du VPN et charte.');
      await page.getByRole('button', { name: 'Envoyer la demande' }).click();
      const done = page.getByRole('heading', { name: /^Demande DA-/ });
      await done.waitFor();
      reference = (await done.textContent()).match(/DA-\d{4}-\d+/)[0];
      await shoot(page, '11-demande-envoyee');
      const acknowledgement = await mailbox.next(contactEmail, new RegExp(reference));
      check(linkIn(acknowledgement, /\/connexion#token=/), 'acknowledgement carries a sign-in link');
      establishment.signInLink = linkIn(acknowledgement, /\/connexion#token=/);
    });

    await step('the establishment follows its request from the acknowledgement link', async () => {
      const { page } = establishment;
      await page.goto(establishment.signInLink);
      await page.waitForURL(`${base}/demandes`);
      const link = page.getByRole('link', { name: new RegExp(reference) });
      await link.waitFor();
      requestId = (await link.getAttribute('href')).split('/').pop();
      await shoot(page, '12-mes-demandes');
      if (!has('get', '/api/v1/cases/{id}')) return;
      await link.click();
      await page.getByRole('heading', { name: `Demande ${reference}` }).waitFor();
      await shoot(page, '13-suivi-demande');
    });

    await step('staff see the request on the board and its ranking with the reasons', async () => {
      const { page } = staff;
      if (has('get', '/api/v1/cases')) {
        await open(page, `${base}/equipe/demandes`);
        await page.getByRole('link', { name: new RegExp(reference) }).first().waitFor();
        await shoot(page, '14-tableau-demandes');
      }
      await open(page, `${base}/equipe/demandes/${requestId}`);
      // Ranked, or listed among the excluded with the reason (she was already asked).
      await page.getByText('Claire Lefèvre').first().waitFor();
      await shoot(page, '15-classement');
      await open(page, `${base}/equipe/propositions`);
      await page.getByRole('button', { name: 'Calculer une proposition' }).click();
      await page.getByRole('heading', { name: 'Aperçu' }).waitFor();
      await shoot(page, '16-proposition-groupee');
    });

    let proposalLink = null;
    await step('the volunteer receives the proposal by e-mail', async () => {
      if (!has('post', '/api/v1/proposals/{id}/accept')) return SKIP;
      const proposal = await mailbox.next(volunteerEmail, /Demande d'aide/i);
      proposalLink = linkIn(proposal, /\/volontaire\/propositions\/[^/\s]+\/accepter/);
      check(proposal.text.includes('Pourquoi vous'), 'the e-mail gives the matching reasons');
    });

    await step('the volunteer opens the link, signs in from the e-mailed link and accepts', async () => {
      if (!proposalLink) return SKIP;
      const { page } = volunteer;
      await page.goto(proposalLink);
      await page.getByRole('heading', { name: 'Connexion nécessaire' }).waitFor();
      await page.getByRole('link', { name: 'Me connecter' }).click();
      await page.getByLabel('Adresse e-mail').fill(volunteerEmail);
      await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
      await page.getByText('Si cette adresse est connue').waitFor();
      await shoot(page, '17-lien-demande');
      const signIn = await mailbox.next(volunteerEmail, /connexion/i);
      await page.goto(linkIn(signIn, /\/connexion#token=/));
      await page.waitForURL(proposalLink);
      await page.getByText('Pourquoi vous').waitFor();
      await shoot(page, '18-proposition');
      await page.getByRole('button', { name: 'Accepter' }).click();
      await page.getByText('la demande vous est confiée').waitFor();
      await shoot(page, '19-proposition-acceptee');
      await mailbox.next(volunteerEmail, /Mise en relation/i);
      await mailbox.next(contactEmail, /accepté/i);
      await open(page, `${base}/volontaire`);
      await page.getByRole('heading', { name: /Mes dossiers en cours \(1\)/ }).waitFor();
      await shoot(page, '20-espace-volontaire');
    });

    await step('the volunteer records a phone-call answer', async () => {
      if (!proposalLink) return SKIP;
      const { page } = volunteer;
      await open(page, `${base}/dossiers/${requestId}`);
      await page.getByRole('heading', { name: 'Enregistrer la réponse apportée' }).waitFor();
      await page.getByRole('button', { name: 'Enregistrer la réponse et clore' }).click();
      await page.locator('.error-summary[role="alert"]').waitFor();
      await shoot(page, '21-reponse-erreurs');
      await page.getByLabel('Appel téléphonique').check();
      await page.getByLabel('Résumé').fill("Appel d'une heure : choix du VPN, points de vigilance sur la charte de télétravail.");
      await page.getByLabel('Temps passé (en minutes)').fill('60');
      await page.getByRole('button', { name: 'Enregistrer la réponse et clore' }).click();
      await page.getByText('Réponse enregistrée').first().waitFor();
      await shoot(page, '22-reponse-enregistree');
    });

    await step('the establishment rates the help from the e-mailed link', async () => {
      if (!proposalLink) return SKIP;
      const { page } = establishment;
      const resolved = await mailbox.next(contactEmail, /utile/i);
      const ratingLink = linkIn(resolved, /\/dossiers\/[^/\s]+\/avis/);
      // Still signed in from the acknowledgement link, in this tab.
      await page.goto(ratingLink);
      await page.getByRole('heading', { name: 'Votre avis' }).waitFor();
      await page.getByLabel('5 — très utile').check();
      await page.getByLabel('Commentaire').fill('Très réactif, merci !');
      await page.getByRole('button', { name: 'Envoyer mon avis' }).click();
      await page.getByText('Merci pour votre avis').first().waitFor();
      await page.getByText('Utilité : 5 sur 5').waitFor();
      await shoot(page, '23-avis');
    });

    await step('the volunteer edits capacity and pauses', async () => {
      const { page } = volunteer;
      if (!proposalLink) {
        const signIn = await (async () => {
          await open(page, `${base}/connexion`);
          await page.getByLabel('Adresse e-mail').fill(volunteerEmail);
          await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
          return mailbox.next(volunteerEmail, /connexion/i);
        })();
        await page.goto(linkIn(signIn, /\/connexion#token=/));
        await page.waitForURL(`${base}/volontaire`);
      }
      await open(page, `${base}/volontaire/profil`);
      await page.getByLabel('Nombre de demandes que vous pouvez suivre en même temps').fill('30');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.locator('[data-path="/capacity"] .field-error:not([hidden])').waitFor();
      await shoot(page, '24-profil-erreur');
      await page.getByLabel('Nombre de demandes que vous pouvez suivre en même temps').fill('3');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Profil enregistré').waitFor();
      const inAWeek = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
      await page.getByLabel("En pause jusqu'au (inclus)").fill(inAWeek);
      await page.getByRole('button', { name: 'Faire une pause' }).click();
      await page.getByText('Vous êtes en pause').waitFor();
      await shoot(page, '25-profil');
      await page.getByRole('button', { name: 'Reprendre dès maintenant' }).click();
      await page.getByText('de nouveau disponible').waitFor();
    });

    await step('staff open the bilan with its four charts and download XLSX, CSV and HTML', async () => {
      if (!has('get', '/api/v1/bilan')) return SKIP;
      const { page } = staff;
      await open(page, `${base}/equipe/bilan`);
      await page.getByText('Figure 4').waitFor();
      // The default period is the scheme's first four weeks; this story happens today.
      const today = new Date().toISOString().slice(0, 10);
      const weekAgo = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
      await page.getByLabel('Du', { exact: true }).fill(today);
      await page.getByLabel('Au (inclus)').fill(weekAgo);
      await page.getByRole('button', { name: 'Afficher le bilan' }).click();
      await page.locator('[data-path="/to"] .field-error:not([hidden])').waitFor();
      await shoot(page, '26-bilan-periode-invalide');
      await page.getByLabel('Du', { exact: true }).fill(weekAgo);
      await page.getByLabel('Au (inclus)').fill(today);
      await page.getByRole('button', { name: 'Afficher le bilan' }).click();
      await page.locator('.figures li', { hasText: 'réponses apportées' }).locator('strong', { hasText: /^1$/ }).waitFor();
      check((await page.locator('figure.chart').count()) === 4, 'four figures');
      check(await page.locator('figure.chart svg title', { hasText: 'Appel téléphonique 1' }).count() === 1, 'figure 4 counts the phone call');
      check(page.url().includes(`from=${weekAgo}`), 'the period is kept in the address');
      await shoot(page, '26-bilan');
      for (const [format, extension] of [['xlsx', /\.xlsx$/], ['csv', /\.zip$/], ['html', /\.html$/]]) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-format="${format}"]`).click()]);
        check(extension.test(download.suggestedFilename()), `${format}: file name ${download.suggestedFilename()}`);
        const path = join(work, download.suggestedFilename());
        await download.saveAs(path);
        check(statSync(path).size > 100, `${format}: file is not empty`);
        log(`  downloaded ${download.suggestedFilename()} (${statSync(path).size} bytes)`);
      }
      await narrow(staff.context, `${base}/equipe/bilan`, '26-bilan').catch(() => {});
    });

    await step('staff reject an application with a reason (required, shown next to the field)', async () => {
      const applicant = {
        name: 'Zoé Martin',
        email: 'zoe.martin@exemple.fr',
        phone: '06 98 76 54 32',
        job_role: 'autre',
        origin_sector: 'autre',
        origin_status: 'prive_lucratif',
        department: '33',
        themes: ['achats-materiel'],
        presentation: 'Consultante.',
        publication_consent: false,
      };
      const response = await fetch(`${base}/api/v1/applications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(applicant) });
      check(response.status === 201, `application refused: ${response.status}`);
      const { page } = staff;
      await open(page, `${base}/equipe/candidatures`);
      await page.getByRole('heading', { name: 'Zoé Martin' }).waitFor();
      await page.getByRole('button', { name: 'Refuser…' }).click();
      await page.getByRole('button', { name: 'Confirmer le refus' }).click();
      await page.locator('[data-path="/reason"] .field-error:not([hidden])').waitFor();
      await page.getByLabel('Motif du refus').fill("Le dispositif recherche des profils ayant une expérience des systèmes d'information en établissement.");
      await page.getByRole('button', { name: 'Confirmer le refus' }).click();
      await page.getByText('Candidature refusée').waitFor();
      await shoot(page, '27-candidature-refusee');
      await mailbox.next(applicant.email, /bien reçu/i);
      const rejection = await mailbox.next(applicant.email, /^Votre candidature/i);
      check(rejection.text.includes("systèmes d'information"), 'the reason is e-mailed to the applicant');
    });

    await step('staff propose a waiting request to a named volunteer, and confirm a batch proposal for another', async () => {
      const { page } = staff;
      const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('entraide.session')).token);
      const api = async (method, path, body, auth = true) => {
        const response = await fetch(`${base}/api/v1${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const data = await response.json().catch(() => null);
        check(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
        return data;
      };
      // Two requests on a theme no volunteer offers yet: nobody can be asked, they wait.
      const ask = (name, email) => api('POST', '/requests', {
        establishment: { finess: '750712184', name: 'Hôpital de démonstration', kind: 'es', legal_status: 'public' },
        contact: { name, email, phone: '01 23 45 67 80', job_role: 'dsi' },
        themes: ['cybersecurite'],
        urgency: 'critical',
        description: 'Messagerie compromise : nous cherchons de l’aide pour la remise en état.',
      }, false);
      const named = await ask('Inès Roux', 'ines.roux@ch-exemple.fr');
      const batched = await ask('Paul Petit', 'paul.petit@ch-exemple.fr');
      await open(page, `${base}/equipe/demandes`);
      const firstGroup = page.locator('section.board-group').first();
      await firstGroup.getByRole('link', { name: new RegExp(named.reference) }).waitFor();
      check((await firstGroup.locator('h2').textContent()).startsWith('Reçue'), 'waiting requests come before the others');
      await shoot(page, '28-tableau-en-attente');
      // A volunteer who covers the theme joins.
      const application = await api('POST', '/applications', {
        name: 'Hugo Bernard',
        email: 'hugo.bernard@exemple.fr',
        phone: '07 11 22 33 44',
        job_role: 'rssi',
        origin_sector: 'sanitaire',
        origin_status: 'public',
        department: '75',
        themes: ['cybersecurite'],
        presentation: 'RSSI de GHT.',
        publication_consent: true,
        capacity: 3,
      }, false);
      await api('POST', `/applications/${application.id}/accept`, {});
      await open(page, `${base}/equipe/demandes/${named.id}`);
      await page.getByRole('button', { name: 'Proposer la demande à Hugo Bernard' }).click();
      await page.getByText('Demande proposée à Hugo Bernard').waitFor();
      await shoot(page, '29-proposition-nommee');
      await mailbox.next('hugo.bernard@exemple.fr', /Demande d'aide/i);
      await open(page, `${base}/equipe/propositions`);
      await page.getByRole('button', { name: 'Calculer une proposition' }).click();
      await page.getByRole('link', { name: new RegExp(batched.reference) }).waitFor();
      await shoot(page, '30-proposition-groupee-apercu');
      await page.getByRole('button', { name: /Confirmer et envoyer 1 proposition/ }).click();
      await page.getByText('1 proposition envoyée').waitFor();
      await mailbox.next('hugo.bernard@exemple.fr', /Demande d'aide/i);
    });

    await step('staff dead e-mails page', async () => {
      const { page } = staff;
      await open(page, `${base}/equipe/courriels`);
      await shoot(page, '31-courriels');
    });

    await step('signing out ends the session', async () => {
      const { page } = staff;
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL(`${base}/connexion`);
      await page.getByRole('heading', { name: 'Connexion', exact: true }).waitFor();
      await open(page, `${base}/equipe`);
      await page.getByRole('heading', { name: 'Connexion nécessaire' }).waitFor();
    });
  } catch (error) {
    if (!(error instanceof StoryStopped)) {
      failed += 1;
      results.push(`FAIL setup: ${error.message}`);
      console.error(error);
    }
  } finally {
    await browser?.close().catch(() => {});
    stopServer();
    rmSync(work, { recursive: true, force: true });
  }

  if (problems.length) {
    failed += 1;
    results.push(`FAIL page checks:\n  ${problems.join('\n  ')}`);
  } else {
    passed += 1;
    results.push('ok   page checks (labels, one h1, lang, ids, contrast, focus ring, 320 px, CSP, script errors)');
  }
  console.log(`\n${results.join('\n')}`);
  console.log(`\nScreenshots in ${artifacts}; ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
}

await main();
