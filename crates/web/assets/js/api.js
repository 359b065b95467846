// The REST API under /api/v1, as any client uses it: JSON in and out, a bearer token
// when signed in, and RFC 9457 problem details for every error.

import * as session from './session.js';

/** An error answer of the API, with its problem details. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem?.detail || problem?.title || `Erreur ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
  }

  /** The field errors ({ path, code, message }) of a validation problem. */
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }

  /** The problem's stable code (`validation_failed`, `not_found`, ...). */
  get code() {
    return this.problem.code ?? null;
  }
}

/** The query string of `params`, leaving out empty values. */
export function queryString(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Sends a request to the API; resolves with the parsed body, rejects with an ApiError. */
export async function api(method, path, { body, query, auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  const token = auth ? session.token() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await send(`/api/v1${path}${queryString(query)}`, init);
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) throw failure(response, data, Boolean(token));
  return data;
}

/** GET shorthand. */
export function get(path, query, options = {}) {
  return api('GET', path, { ...options, query });
}

/** POST shorthand. */
export function post(path, body = {}, options = {}) {
  return api('POST', path, { ...options, body });
}

/**
 * Downloads a file the API produces (the bilan): the bearer token must go in a header,
 * so a plain link cannot do; the file is fetched, then saved under the server's name.
 */
export async function download(path, query, fallbackName) {
  const headers = {};
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await send(`/api/v1${path}${queryString(query)}`, { headers, cache: 'no-store' });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw failure(response, data, Boolean(token));
  }
  const blob = await response.blob();
  const name = fileName(response.headers.get('content-disposition')) ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name, size: blob.size, type: blob.type };
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, {
      title: 'Serveur injoignable',
      detail: "Le serveur ne répond pas. Vérifiez votre connexion à Internet, puis réessayez.",
    });
  }
}

function failure(response, data, hadToken) {
  // A session the API no longer accepts (expired, signed out elsewhere, revoked) is
  // forgotten, so that the pages offer to sign in again.
  if (response.status === 401 && hadToken) session.clear();
  const problem = data && typeof data === 'object' ? data : { title: `Erreur ${response.status}` };
  return new ApiError(response.status, problem, response.headers.get('retry-after'));
}

/** The file name of a Content-Disposition header. */
function fileName(disposition) {
  if (!disposition) return null;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (extended) return decodeURIComponent(extended[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** A French sentence for an error, for places without fields to attach it to. */
export function describe(error) {
  if (!(error instanceof ApiError)) return "Une erreur inattendue s'est produite. Rechargez la page et réessayez.";
  const { problem } = error;
  const parts = [];
  if (problem.title) parts.push(problem.title);
  if (problem.detail && problem.detail !== problem.title) parts.push(problem.detail);
  for (const fieldError of error.errors) parts.push(fieldError.message);
  if (error.status === 429 && error.retryAfter) {
    const minutes = Math.max(1, Math.ceil(Number(error.retryAfter) / 60));
    parts.push(`Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`);
  }
  return parts.join(' — ');
}
