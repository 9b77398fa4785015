/**
 * Turns the route table (identity-routes.ts) into hostile requests: broken and mistyped bodies, odd
 * ids, wrong methods, bad and missing tokens, odd queries, wrong content types, oversized bodies and
 * malformed HTTP. Deterministic for a given seed and fixture set.
 */
import { brokenBodies, HOSTILE_IDS, HOSTILE_VALUES, nestedObject, Rng, tamperedTokens } from './hostile.js';
import { fill, placeholders, ROUTES, type Caller, type RouteSpec } from './identity-routes.js';

/** What a case must get: an exact status from a list, any 4xx, or anything but a 5xx. */
export type Expect = 'any' | '4xx' | readonly number[];

export interface HostileCase {
  family: string;
  label: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Raw bytes for the socket instead of an HTTP request built by node:http. */
  raw?: string | Buffer;
  halfClose?: boolean;
  /** Sent after all others: it may create an object under an odd id that other cases probe. */
  late?: boolean;
  expect: Expect;
  /** Which known limit the case probes (nul, long, deep, …), for the bug list. */
  tags: string[];
}

/** Families whose routes may not exist yet: they must answer a Keystone 404, so any 4xx will do. */
export const OPTIONAL_FAMILIES: ReadonlySet<string> = new Set(['credentials', 'policies', 'federation', 'oauth1', 'endpoint filter', 'limits', 'domain config']);

export interface CaseInputs {
  /**
   * Placeholder values: fixture ids, names, secrets and tokens (ADMIN_TOKEN, SYSTEM_TOKEN,
   * MEMBER_TOKEN, and SUBJECT_TOKEN / DELETE_SUBJECT_TOKEN, throwaway tokens to validate and revoke).
   */
  values: Readonly<Record<string, string>>;
  /** A valid token the server did not issue (another deployment's key). */
  foreignToken: string;
  /** A token of this server that was revoked. */
  revokedToken: string;
  /** A valid token of a user that may not act on the member's things. */
  otherUserToken: string;
  seed: number;
}

const INVALID_JSON = new Set(['truncated half', 'truncated last byte', 'trailing garbage', 'two documents', 'single quotes', 'trailing comma', 'comment', 'NaN literal', 'raw NUL byte', 'garbage', 'unterminated string']);
const WRONG_TOP_LEVEL = new Set(['top-level null', 'top-level array', 'top-level number', 'top-level string', 'top-level true', 'deep nesting']);
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];
/** Methods no Keystone route has: safe to probe on routes whose full method list we do not know. */
const NEVER_ROUTED = ['OPTIONS', 'TRACE', 'PROPFIND'];
/**
 * A tampered token the server once accepted (Node's base64url decoder drops a stray last character):
 * never sent to a route that would delete something with it, so a regression shows as a wrong status
 * on the other routes rather than as lost fixtures.
 */
export const MALLEABLE_TOKEN_LABEL = 'appended char';

/** Every path of an object tree, as key lists (array elements by index); the root is []. */
function fieldPaths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...fieldPaths(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...fieldPaths(v, [...prefix, k]));
  return out;
}

const SENTINEL = '__HOSTILE_VALUE__';

/** The body with the value at `path` replaced by raw JSON text (or removed when text is undefined). */
function replaceAt(body: unknown, path: Array<string | number>, text: string | undefined): string {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (text === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
    return JSON.stringify(copy);
  }
  node[last] = SENTINEL;
  return JSON.stringify(copy).replace(`"${SENTINEL}"`, () => text);
}

export function buildCases(inputs: CaseInputs): HostileCase[] {
  const rng = new Rng(inputs.seed);
  const cases: HostileCase[] = [];
  let uniq = 0;
  const values = (): Record<string, string> => ({ ...inputs.values, UNIQ: `c${++uniq}`, RANDOM: rng.hex(16) });
  const tokenOf = (caller: Caller): Record<string, string> => {
    switch (caller) {
      case 'admin': return { 'x-auth-token': inputs.values.ADMIN_TOKEN! };
      case 'system': return { 'x-auth-token': inputs.values.SYSTEM_TOKEN! };
      case 'member': return { 'x-auth-token': inputs.values.MEMBER_TOKEN! };
      case 'none': return {};
    }
  };
  const add: Add = (r, c) => {
    const strict = !OPTIONAL_FAMILIES.has(r.family);
    const { expect = 'any', tags = [], headers, method, ...rest } = c;
    cases.push({
      ...rest,
      family: r.family,
      method: method ?? r.method,
      headers: headers ?? { ...tokenOf(r.caller ?? 'admin'), ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      // Routes that may not exist answer 404 before looking at tokens or bodies.
      expect: !strict && expect !== 'any' ? '4xx' : expect,
      tags: [...tags, ...(strict ? [] : ['optional-family'])],
    });
  };

  const firstBodyRoute = new Set<string>();
  const allowed = new Map<string, Set<string>>();
  for (const r of ROUTES) {
    const key = r.path.replace(/\{\{[A-Z_0-9]+\}\}/g, '*').replace(/new-\*|prg-\*|idp-\*|map-\*/g, '*');
    if (!allowed.has(key)) allowed.set(key, new Set());
    allowed.get(key)!.add(r.method);
  }

  for (const r of ROUTES) {
    const v = values();
    const path = fill(r.path, v);

    // Odd ids in every id segment; a creatable last segment may legitimately succeed.
    const names = placeholders(r.path).filter((n) => n !== 'UNIQ');
    const creatable = r.idMayCreate ? [r.path.split('/').pop()!] : [];
    for (const segment of [...names.map((n) => `{{${n}}}`), ...creatable]) {
      for (const id of HOSTILE_IDS) {
        const mutated = fill(r.path.replace(segment, id.encoded.replace(/\{/g, '%7B')), values());
        add(r, {
          label: `${r.method} ${r.path} with ${segment} = ${id.label}`,
          path: mutated,
          ...(r.body !== undefined ? { body: fill(JSON.stringify(r.body), values()) } : {}),
          expect: creatable.includes(segment) ? 'any' : '4xx',
          tags: id.tags ?? [],
          ...(creatable.includes(segment) ? { late: true } : {}),
        });
      }
    }

    // Refused callers: none, broken, foreign, revoked, other user. Never for public routes.
    if (r.caller !== 'none' && (r.method === 'GET' || r.destructive || r.body !== undefined)) {
      const body = r.body !== undefined ? fill(JSON.stringify(r.body), v) : undefined;
      const json: Record<string, string> = body !== undefined ? { 'content-type': 'application/json' } : {};
      const realToken = tokenOf(r.caller ?? 'admin')['x-auth-token']!;
      const variants: Array<[string, Record<string, string | string[]>, Expect]> = [
        ['no token', {}, [401]],
        ['empty token', { 'x-auth-token': '' }, [401]],
        ['garbage token', { 'x-auth-token': 'garbage' }, [401]],
        ['duplicated token header', { 'x-auth-token': [realToken, realToken] }, [401]],
        ['foreign-key token', { 'x-auth-token': inputs.foreignToken }, [401]],
        ['revoked token', { 'x-auth-token': inputs.revokedToken }, [401]],
        ...rng.sample(tamperedTokens(realToken, rng).filter((t) => !r.destructive || t.label !== MALLEABLE_TOKEN_LABEL), 3).map((t): [string, Record<string, string>, Expect] => [`tampered token (${t.label})`, { 'x-auth-token': t.token }, [401]]),
      ];
      // Another tenant's user may read its own lists; it must not reach the member's named things.
      if (names.length > 0 && (r.caller === 'member' || r.destructive)) variants.push(['another tenant\'s user', { 'x-auth-token': inputs.otherUserToken }, '4xx']);
      for (const [label, headers, expect] of variants) {
        add(r, { label: `${r.method} ${r.path} with ${label}`, path, headers: { ...headers, ...json }, ...(body !== undefined ? { body } : {}), expect });
      }
    }

    if (r.body === undefined) continue;
    const valid = fill(JSON.stringify(r.body), v);
    const strictBad: Expect = [400];

    const bodyMayBeAbsent = new Set(r.optionalBody ? ['top-level null', 'only whitespace', 'empty object'] : ['empty object']);
    for (const b of brokenBodies(valid)) {
      const expect: Expect = bodyMayBeAbsent.has(b.label) ? 'any'
        : INVALID_JSON.has(b.label) || WRONG_TOP_LEVEL.has(b.label) ? strictBad
          : b.label === 'only whitespace' ? '4xx' : 'any';
      add(r, { label: `${r.method} ${r.path} body ${b.label}`, path, body: typeof b.text === 'string' ? b.text : b.text, expect });
    }

    // Every field of the body, wrapper included: removed, and replaced by values of other types.
    for (const fieldPath of fieldPaths(r.body).slice(1)) {
      const where = fieldPath.join('.');
      add(r, { label: `${r.method} ${r.path} without ${where}`, path: fill(r.path, values()), body: fill(replaceAt(r.body, fieldPath, undefined), values()) });
      for (const hv of rng.sample(HOSTILE_VALUES, 9)) {
        add(r, {
          label: `${r.method} ${r.path} with ${where} = ${hv.label}`,
          path: fill(r.path, values()),
          body: fill(replaceAt(r.body, fieldPath, hv.text), values()),
          tags: [...hv.tags],
        });
      }
    }
    const wrapper = Object.keys(r.body as object)[0]!;
    add(r, { label: `${r.method} ${r.path} with an unknown field`, path: fill(r.path, values()), body: fill(JSON.stringify({ ...(r.body as object), zz_unknown: { a: 1 } }), values()) });
    if (typeof (r.body as Record<string, unknown>)[wrapper] === 'object' && !Array.isArray((r.body as Record<string, unknown>)[wrapper])) {
      const inner = { ...((r.body as Record<string, Record<string, unknown>>)[wrapper]), zz_unknown: 'x', links: { self: 'http://evil' }, id: 'chosen-by-client' };
      add(r, { label: `${r.method} ${r.path} with unknown and read-only fields`, path: fill(r.path, values()), body: fill(JSON.stringify({ [wrapper]: inner }), values()) });
    }

    // Once per family: sizes and content types on its first route with a body.
    if (firstBodyRoute.has(r.family)) continue;
    firstBodyRoute.add(r.family);
    // Oversized bodies go over raw sockets: the server may answer 413 and close while the body is
    // still being written, and node:http would then report our write error instead of its answer.
    const padded = (bytes: number): string => replaceAt(r.body, [wrapper], JSON.stringify({ pad: 'p'.repeat(bytes) }));
    const head = (framing: string): string => `${r.method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(tokenOf(r.caller ?? 'admin')).map(([k, t]) => `${k}: ${t}\r\n`).join('')}Content-Type: application/json\r\nConnection: close\r\n${framing}\r\n`;
    for (const [label, bytes] of [['113 KiB', 113 * 1024], ['3 MiB', 3 * 1024 * 1024]] as const) {
      const big = padded(bytes);
      add(r, { label: `${r.method} ${r.path} body of ${label}`, path, raw: head(`Content-Length: ${Buffer.byteLength(big)}\r\n`) + big, expect: [413] });
    }
    const chunked = padded(3 * 1024 * 1024);
    add(r, { label: `${r.method} ${r.path} chunked body of 3 MiB`, path, raw: `${head('Transfer-Encoding: chunked\r\n')}${Buffer.byteLength(chunked).toString(16)}\r\n${chunked}\r\n0\r\n\r\n`, expect: [413] });
    add(r, { label: `${r.method} ${r.path} deeply nested extra field`, path: fill(r.path, values()), body: fill(replaceAt(r.body, [wrapper, 'zz_deep'], nestedObject(5000)), values()), tags: ['deep'] });
    const ct = (label: string, type: string | undefined, body: string, expect: Expect): void => {
      const headers: Record<string, string> = { ...tokenOf(r.caller ?? 'admin') };
      if (type !== undefined) headers['content-type'] = type;
      add(r, { label: `${r.method} ${r.path} ${label}`, path: fill(r.path, values()), headers, body: fill(body, values()), expect });
    };
    ct('as text/plain', 'text/plain', JSON.stringify(r.body), 'any');
    ct('without content type', undefined, JSON.stringify(r.body), 'any');
    ct('as utf-16 json', 'application/json; charset=utf-16', JSON.stringify(r.body), 'any');
    ct('as a form', 'application/x-www-form-urlencoded', 'a=b&c=d', strictBad);
    ct('as multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--', strictBad);
    ct('as xml', 'application/xml', '<project><name>x</name></project>', strictBad);
  }

  // Wrong methods on every path (never one the path supports, so nothing is deleted by accident).
  const seen = new Set<string>();
  for (const r of ROUTES) {
    const key = r.path.replace(/\{\{[A-Z_0-9]+\}\}/g, '*').replace(/new-\*|prg-\*|idp-\*|map-\*/g, '*');
    if (seen.has(key)) continue;
    seen.add(key);
    const ok = allowed.get(key)!;
    for (const m of OPTIONAL_FAMILIES.has(r.family) ? NEVER_ROUTED : ALL_METHODS) {
      if (ok.has(m) || (m === 'HEAD' && ok.has('GET'))) continue;
      add(r, { label: `${m} ${r.path} (method not supported)`, method: m, path: fill(r.path, values()), headers: tokenOf(r.caller ?? 'admin'), expect: '4xx' });
    }
  }

  addTokenCases(inputs, rng, add);
  addQueryCases(inputs, add);
  addWireCases(inputs, add);
  return cases;
}

type Add = (r: RouteSpec, c: Omit<HostileCase, 'family' | 'method' | 'headers' | 'tags' | 'expect'> & Partial<Pick<HostileCase, 'method' | 'headers' | 'tags' | 'expect'>>) => void;

/** Subject tokens (validate, check, revoke) and the full tampered set on one protected route. */
function addTokenCases(inputs: CaseInputs, rng: Rng, add: Add): void {
  const admin = inputs.values.ADMIN_TOKEN!;
  const member = inputs.values.MEMBER_TOKEN!;
  const tampered = tamperedTokens(member, rng);
  for (const method of ['GET', 'HEAD', 'DELETE']) {
    // Throwaway subjects: a revocation that should not happen must not spoil the other cases.
    const subject = method === 'DELETE' ? inputs.values.DELETE_SUBJECT_TOKEN! : inputs.values.SUBJECT_TOKEN!;
    const subjects: Array<[string, Record<string, string | string[]>, number]> = [
      ['no subject token', {}, 400],
      ['empty subject token', { 'x-subject-token': '' }, 400],
      ['foreign-key subject', { 'x-subject-token': inputs.foreignToken }, 404],
      ['revoked subject', { 'x-subject-token': inputs.revokedToken }, 404],
      ['duplicated subject header', { 'x-subject-token': [subject, subject] }, 404],
      ...tamperedTokens(subject, rng).map((t): [string, Record<string, string>, number] => [`tampered subject (${t.label})`, { 'x-subject-token': t.token }, 404]),
    ];
    const r: RouteSpec = { family: 'auth', method, path: '/v3/auth/tokens' };
    for (const [label, headers, status] of subjects) {
      add(r, { label: `${method} /v3/auth/tokens with ${label}`, path: '/v3/auth/tokens', headers: { 'x-auth-token': admin, ...headers }, expect: [status] });
    }
  }
  const projects: RouteSpec = { family: 'projects', method: 'GET', path: '/v3/projects' };
  for (const t of tamperedTokens(admin, rng)) {
    add(projects, { label: `GET /v3/projects with tampered admin token (${t.label})`, path: '/v3/projects', headers: { 'x-auth-token': t.token }, expect: [401] });
  }
  // Tampered, foreign and revoked tokens inside an auth request (token method): Keystone answers 404
  // (the token is not found), not 401.
  const auth: RouteSpec = { family: 'auth', method: 'POST', path: '/v3/auth/tokens', caller: 'none' };
  const tokenAuth = (id: string): string => JSON.stringify({ auth: { identity: { methods: ['token'], token: { id } } } });
  for (const [label, id] of [...tampered.map((t) => [t.label, t.token] as const), ['foreign-key', inputs.foreignToken] as const, ['revoked', inputs.revokedToken] as const]) {
    add(auth, { label: `POST /v3/auth/tokens with a token method token (${label})`, path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body: tokenAuth(id), expect: [404] });
  }
}

/** Odd query strings on list routes, role_assignments filters and OS-REVOKE `since`. */
function addQueryCases(inputs: CaseInputs, add: Add): void {
  const lists = ROUTES.filter((r) => r.method === 'GET' && placeholders(r.path).length === 0 && r.path.startsWith('/v3/') && !r.path.startsWith('/v3/auth'));
  const odd: Array<[string, string, string[]]> = [
    ['NUL in a filter', 'name=a%00b', ['nul']],
    ['long filter', `name=${'n'.repeat(5000)}`, ['long']],
    ['bad boolean', 'enabled=maybe', []],
    ['array syntax', 'name[]=x&name[]=y', []],
    ['repeated filter', 'name=a&name=b', []],
    ['negative limit', 'limit=-1&marker=zzz', []],
    ['bad percent escape', '%zz=1&name=%zz', []],
    ['inexact filters', 'name__icontains=%25&name__startswith=&name__endswith=%00', ['nul']],
    ['many parameters', Array.from({ length: 1500 }, (_, i) => `p${i}=${i}`).join('&'), []],
    ['traversal in a filter', 'domain_id=..%2F..%2F&parent_id=%2F', []],
    ['unicode filter', `name=${encodeURIComponent('ünï😀')}`, []],
    ['empty filters', 'name=&domain_id=&enabled=&type=&interface=', []],
  ];
  for (const r of lists) {
    for (const [label, q, tags] of odd) {
      add(r, { label: `GET ${r.path}?… ${label}`, path: `${r.path}?${q}`, tags, expect: 'any' });
    }
  }
  const ra: RouteSpec = { family: 'role_assignments', method: 'GET', path: '/v3/role_assignments' };
  const P = inputs.values.P!;
  const raQueries: Array<[string, Expect, string[]]> = [
    ['effective&group.id=x', [400], []],
    ['include_subtree=true', [400], []],
    [`include_subtree=true&scope.project.id=${P}`, 'any', []],
    [`scope.project.id=${P}&scope.domain.id=default`, [400], []],
    ['user.id=a&group.id=b', [400], []],
    ['scope.system=all', 'any', []],
    ['scope.OS-INHERIT:inherited_to=projects', 'any', []],
    ['role.id=%00', 'any', ['nul']],
    ['include_names=yes&effective=true', 'any', []],
    [`user.id=${'u'.repeat(5000)}`, 'any', ['long']],
    [`scope.project.id=${'p'.repeat(5000)}&include_subtree=1`, 'any', ['long']],
    ['effective=&include_names=&user.id=', 'any', []],
    ['scope.project.id=..%2F..%2F', 'any', []],
    ['scope.domain.id=%3C%3Ckeystone.domain.root%3E%3E', 'any', []],
    ['effective=true&scope.system=all&user.id=x', 'any', []],
    ['role.id=a&role.id=b&user.id=c&user.id=d', 'any', []],
  ];
  for (const [q, expect, tags] of raQueries) add(ra, { label: `GET /v3/role_assignments?${q.slice(0, 60)}`, path: `/v3/role_assignments?${q}`, expect, tags });

  const revoke: RouteSpec = { family: 'OS-REVOKE', method: 'GET', path: '/v3/OS-REVOKE/events', caller: 'system' };
  for (const since of ['garbage', '', '0', '-1', '9999-99-99T99:99:99Z', '2020-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 'NaN', '1e308', '%00']) {
    add(revoke, { label: `GET /v3/OS-REVOKE/events?since=${since}`, path: `/v3/OS-REVOKE/events?since=${since}`, expect: 'any', tags: since === '%00' ? ['nul'] : [] });
  }
  const users: RouteSpec = { family: 'users', method: 'GET', path: '/v3/users' };
  for (const q of ['lt:', 'xx:2020-01-01', 'gt:garbage', 'lte:2020-01-01T00:00:00Z', 'neq:9999-99-99', 'lt:2020-01-01T00:00:00Z,gt:2010-01-01']) {
    add(users, { label: `GET /v3/users?password_expires_at=${q}`, path: `/v3/users?password_expires_at=${encodeURIComponent(q)}`, expect: 'any' });
  }
}

/** Requests no ordinary client sends: broken framing and request lines, huge or odd headers. */
function addWireCases(inputs: CaseInputs, add: Add): void {
  const r: RouteSpec = { family: 'http', method: 'GET', path: '/v3/projects' };
  const token = inputs.values.ADMIN_TOKEN!;
  const get = (extra = ''): string => `GET /v3/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\n${extra}`;
  const post = (headers: string, body: string): string => `POST /v3/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
  const wire: Array<[string, string | Buffer, boolean?]> = [
    ['plain request', `${get()}Connection: close\r\n\r\n`],
    ['duplicate conflicting Content-Length', post('Content-Length: 2\r\nContent-Length: 30\r\n', '{}')],
    ['Content-Length and Transfer-Encoding', post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n')],
    ['bad chunk size', post('Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n')],
    ['negative Content-Length', post('Content-Length: -5\r\n', '{}')],
    ['body shorter than Content-Length', post('Content-Length: 100\r\n', '{"project":'), true],
    ['header without colon', `${get('NoColonHere\r\n')}\r\n`],
    ['space before colon', `${get('X-Foo : bar\r\n')}\r\n`],
    ['obsolete line folding', `${get('X-Foo: a\r\n  folded\r\n')}\r\n`],
    ['non-latin-1 bytes in token', Buffer.concat([Buffer.from('GET /v3/projects HTTP/1.1\r\nHost: x\r\nX-Auth-Token: '), Buffer.from('tök€n😀', 'utf8'), Buffer.from('\r\nConnection: close\r\n\r\n')])],
    ['NUL in a header', `${get('X-Foo: a\u0000b\r\n')}\r\n`],
    ['32 KiB header', `${get(`X-Big: ${'b'.repeat(32 * 1024)}\r\n`)}\r\n`],
    ['many headers', `${get(Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${i}\r\n`).join(''))}\r\n`],
    ['bad request line', 'GARBAGE\r\n\r\n'],
    ['unknown method', `FOO /v3/projects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['HTTP/0.9 request', 'GET /v3\r\n\r\n'],
    ['HTTP/1.0 without Host', `GET /v3/projects HTTP/1.0\r\nX-Auth-Token: ${token}\r\n\r\n`],
    ['HTTP version 9.9', 'GET /v3 HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['absolute-form target', `GET http://127.0.0.1/v3/projects HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`],
    ['asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'],
    ['Upgrade to websocket', `GET /v3 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
    ['Expect 100-continue', post('Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n', '{}')],
    ['unsupported Expect', post('Content-Length: 2\r\nExpect: something-else\r\nConnection: close\r\n', '{}')],
    ['path without leading slash', 'GET v3/projects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['raw space in path', `GET /v3/projects/a b HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`],
    ['8 KiB URL', `GET /v3/projects?${'q'.repeat(8 * 1024)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`],
    ['64 KiB URL', `GET /v3/projects?${'q'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`],
  ];
  for (const [label, raw, halfClose] of wire) {
    add(r, { label: `wire: ${label}`, path: '/v3/projects', raw, ...(halfClose ? { halfClose } : {}), expect: label === 'plain request' ? [200] : 'any', headers: {} });
  }
}
