/**
 * The load cases: what each sends, and the status every response must have. Each case is a list of
 * requests the load generator sends round-robin over its connections.
 */
import type { LoadRequest } from '../lib/wrk.js';
import { passwordBody, rescopeBody, type Fixtures } from './fixtures.js';

export type CaseId = 'validate-same' | 'validate-other' | 'issue-token' | 'issue-password';

export const CASE_IDS: readonly CaseId[] = ['validate-same', 'validate-other', 'issue-token', 'issue-password'];

export interface LoadCase {
  id: CaseId;
  title: string;
  /** What one request does, for the report. */
  detail: string;
  expectStatus: 200 | 201;
  /** Password hashing dominates: report the KDF cost beside the figure. */
  kdfBound: boolean;
  requests(f: Fixtures): LoadRequest[];
}

const TOKENS_PATH = '/v3/auth/tokens';
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

export const CASES: Readonly<Record<CaseId, LoadCase>> = {
  'validate-same': {
    id: 'validate-same',
    title: 'validate (same token)',
    detail: 'GET /v3/auth/tokens, X-Auth-Token = X-Subject-Token, one token per user cycled (a user checking its own token)',
    expectStatus: 200,
    kdfBound: false,
    requests: (f) => f.tokens.map((t) => ({ method: 'GET', path: TOKENS_PATH, headers: { Accept: 'application/json', 'X-Auth-Token': t, 'X-Subject-Token': t } })),
  },
  'validate-other': {
    id: 'validate-other',
    title: 'validate (admin checks user token)',
    detail: 'GET /v3/auth/tokens, X-Auth-Token = admin project token, X-Subject-Token cycling through the pool of user tokens (a service validating callers)',
    expectStatus: 200,
    kdfBound: false,
    requests: (f) => f.tokens.map((t) => ({ method: 'GET', path: TOKENS_PATH, headers: { Accept: 'application/json', 'X-Auth-Token': f.adminToken, 'X-Subject-Token': t } })),
  },
  'issue-token': {
    id: 'issue-token',
    title: 'issue by token method',
    detail: 'POST /v3/auth/tokens, methods ["token"], rescoping a project token from the pool to the same project (catalog included)',
    expectStatus: 201,
    kdfBound: false,
    requests: (f) => f.tokens.map((t) => ({ method: 'POST', path: TOKENS_PATH, headers: JSON_HEADERS, body: rescopeBody(t, f.projectId) })),
  },
  'issue-password': {
    id: 'issue-password',
    title: 'issue by password',
    detail: 'POST /v3/auth/tokens, methods ["password"], project-scoped, cycling through the bench users (catalog included)',
    expectStatus: 201,
    kdfBound: true,
    requests: (f) => f.users.map((u) => ({ method: 'POST', path: TOKENS_PATH, headers: JSON_HEADERS, body: passwordBody(u, f.projectId) })),
  },
};

/**
 * Sends a case's first request once and checks the answer, so a wrong fixture fails loudly instead of
 * producing a fast table of errors.
 */
export async function checkCase(origin: string, c: LoadCase, f: Fixtures): Promise<void> {
  const r = c.requests(f)[0]!;
  const res = await fetch(`${origin}${r.path}`, { method: r.method, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) });
  const text = await res.text();
  if (res.status !== c.expectStatus || !text.includes('"token"')) {
    throw new Error(`${c.id}: expected ${c.expectStatus} with a token body, got ${res.status} ${text.slice(0, 300)}`);
  }
}
