// The signed-in session. The token lives in sessionStorage: it is gone when the tab
// closes, and other sites cannot read it. The API stays the judge of what it allows;
// roles here only choose which links and pages to show.

import { parseTime } from './dom.js';

const KEY = 'entraide.session';
const NEXT_KEY = 'entraide.apres-connexion';
const EVENT = 'entraide:session';

/** The stored session, or null when there is none or it has expired. */
export function current() {
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    stored = null;
  }
  if (!stored || !stored.token) return null;
  const expires = parseTime(stored.expires_at);
  if (expires && expires.getTime() <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return stored;
}

/** Keeps a session created by `POST /api/v1/auth/session`. */
export function save(created) {
  sessionStorage.setItem(
    KEY,
    JSON.stringify({ token: created.access_token, expires_at: created.expires_at, user: created.user }),
  );
  window.dispatchEvent(new Event(EVENT));
}

/** Replaces the user of the session (after `GET /api/v1/auth/me`). */
export function updateUser(user) {
  const session = current();
  if (!session) return;
  session.user = user;
  sessionStorage.setItem(KEY, JSON.stringify(session));
  window.dispatchEvent(new Event(EVENT));
}

/** Forgets the session (after sign-out, or when the API says it is no longer valid). */
export function clear() {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event(EVENT));
}

/** The bearer token, or null. */
export function token() {
  return current()?.token ?? null;
}

/** The signed-in person ({ id, email, name, roles }), or null. */
export function user() {
  return current()?.user ?? null;
}

/** Whether the signed-in person holds `role` (staff, volunteer, requester). */
export function hasRole(role) {
  return Boolean(user()?.roles?.includes(role));
}

/** Calls `listener` whenever someone signs in or out. */
export function onChange(listener) {
  window.addEventListener(EVENT, listener);
}

/**
 * Remembers the page to open after signing in. It is kept in localStorage because the
 * e-mailed link usually opens in a new tab; it is a path of this site, never a token.
 */
export function rememberNext(path) {
  if (isLocalPath(path)) localStorage.setItem(NEXT_KEY, path);
}

/** The remembered page, forgotten as it is read. */
export function takeNext() {
  const path = localStorage.getItem(NEXT_KEY);
  localStorage.removeItem(NEXT_KEY);
  return isLocalPath(path) ? path : null;
}

/** A path of this site ("/x"), not another site ("//x", "http:..."). */
function isLocalPath(path) {
  return typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

/** The page where each role starts. */
export function homeOf(roles = user()?.roles ?? []) {
  if (roles.includes('staff')) return '/equipe';
  if (roles.includes('volunteer')) return '/volontaire';
  if (roles.includes('requester')) return '/demandes';
  return '/';
}
