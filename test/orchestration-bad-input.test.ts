/**
 * Bad input through Heat's REST API (issue 6, must-show 5): every malformed template, environment and
 * parameter set of hostileTemplates() (src/orchestration/hot/hostile.ts) sent to POST /stacks, POST
 * /validate, POST /stacks/preview, and as updates of a live stack (PUT, PATCH and their previews), plus
 * API-level cases: broken JSON, bodies of the wrong type, unknown stack names and ids, bad query
 * parameters, oversize bodies. The service is the real one (routes, engine, store on SQLite, identity
 * validating tokens) built in-process by src/orchestration/testing.ts.
 *
 * Each must get a 4xx in Heat's error body ({explanation, code, error: {message, type, traceback},
 * title}) whose message names the problem (the case's pattern: what is wrong and where); no 5xx; the
 * live stack is unchanged afterwards and no stack was created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestOrchestration, type Response, type TestOrchestration } from '../src/orchestration/testing.js';
import { hostileTemplates, type HostileCase } from '../src/orchestration/hot/hostile.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One request and what its refusal must say. */
interface ApiCase {
  name: string;
  method: Method;
  url: string;
  /** A JSON value, or raw text sent as it is (for broken JSON). */
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** Acceptable statuses (default 400). */
  status?: readonly number[];
  expect: RegExp;
}

interface Failure { name: string; why: string }

const LIVE_TEMPLATE = { heat_template_version: '2021-04-16', parameters: { p: { type: 'string', default: 'x' } }, resources: { r: { type: 'OS::Heat::None' } } };

/**
 * Cases refused only because a required parameter has no value: Heat's /validate checks parameters with
 * validate_value=False, so it accepts them (create and update still refuse them).
 */
function missingValueOnly(c: HostileCase): boolean {
  return /^required parameter (missing|given null)$/.test(c.name);
}

/** A case's body as JSON text, or undefined for the in-process-only cases (a cyclic object). */
function jsonOf(body: unknown): string | undefined {
  try { return JSON.stringify(body); } catch { return undefined; }
}

function bodyOf(c: HostileCase, name?: string): Record<string, unknown> {
  return {
    ...(name ? { stack_name: name } : {}),
    template: c.template,
    ...(c.files ? { files: c.files } : {}),
    ...(c.environment !== undefined ? { environment: c.environment } : {}),
    ...(c.parameters ? { parameters: c.parameters } : {}),
  };
}

/** What a Heat error body must look like, and that its message matches. */
function checkFault(r: Response, allowed: readonly number[], expect: RegExp): string | undefined {
  if (r.statusCode >= 500) return `got ${r.statusCode} ${r.body.slice(0, 300)}`;
  if (!allowed.includes(r.statusCode)) return `expected ${allowed.join('/')}, got ${r.statusCode} ${r.body.slice(0, 300)}`;
  let body: { explanation?: unknown; code?: unknown; title?: unknown; error?: { message?: unknown; type?: unknown; traceback?: unknown } };
  try { body = JSON.parse(r.body); } catch { return `not JSON: ${r.body.slice(0, 200)}`; }
  if (body.code !== r.statusCode || typeof body.title !== 'string' || typeof body.explanation !== 'string'
    || typeof body.error?.message !== 'string' || typeof body.error.type !== 'string' || body.error.traceback !== null) {
    return `not Heat's error body: ${r.body.slice(0, 300)}`;
  }
  if (!expect.test(body.error.message)) return `message ${JSON.stringify(body.error.message.slice(0, 300))} does not match ${String(expect)}`;
  return undefined;
}

/** Broken JSON, wrong body types, bad field types, unknown stacks, bad query parameters, oversize bodies. */
function apiCases(P: string, live: { name: string; id: string }): ApiCase[] {
  const stacks = `/v1/${P}/stacks`;
  const liveUrl = `${stacks}/${live.name}/${live.id}`;
  const okTemplate = { heat_template_version: '2021-04-16' };
  const out: ApiCase[] = [];
  const bodyTargets: Array<[string, Method, string]> = [
    ['create', 'POST', stacks], ['preview', 'POST', `${stacks}/preview`], ['validate', 'POST', `/v1/${P}/validate`],
    ['update', 'PUT', liveUrl], ['patch', 'PATCH', liveUrl], ['update preview', 'PUT', `${liveUrl}/preview`], ['patch preview', 'PATCH', `${liveUrl}/preview`],
  ];
  const brokenJson = ['{', '{"stack_name": ', '{"template": {"heat_template_version": "2021-04-16"}', '[1, 2', 'nul', '{"a":1}}', "{'single': 'quotes'}", '{"a": NaN}', '\u0000', '{"a": "\\x"}'];
  const wrongBodies: unknown[] = [[], [1, 2], 'a string', 42, true, null];
  for (const [label, method, url] of bodyTargets) {
    for (const [i, raw] of brokenJson.entries()) out.push({ name: `${label}: broken JSON #${i}`, method, url, raw, expect: /JSON|body/i });
    for (const b of wrongBodies) out.push({ name: `${label}: body ${JSON.stringify(b)}`, method, url, raw: JSON.stringify(b), expect: /body must be a JSON object|JSON|body/i });
    for (const t of [42, true, ['heat_template_version'], 1.5]) {
      out.push({ name: `${label}: template ${JSON.stringify(t)}`, method, url, body: { stack_name: 'bi-x', template: t }, expect: /template must be a map or YAML\/JSON text/ });
    }
    for (const p of [['a'], 'p=1', 7]) out.push({ name: `${label}: parameters ${JSON.stringify(p)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, parameters: p }, expect: /"parameters" must be a map/ });
    for (const e of [['a'], 7, true]) out.push({ name: `${label}: environment ${JSON.stringify(e)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, environment: e }, expect: /environment must be a map or YAML\/JSON text/ });
    for (const f of [['a'], 'f', 3]) out.push({ name: `${label}: files ${JSON.stringify(f)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, files: f }, expect: /"files" must be a map/ });
    out.push({ name: `${label}: a file that is not text`, method, url, body: { stack_name: 'bi-x', template: okTemplate, files: { 'a.yaml': 3 } }, expect: /"files\.a\.yaml" must be a string/ });
    out.push({ name: `${label}: environment_files naming a missing file`, method, url, body: { stack_name: 'bi-x', template: okTemplate, environment_files: ['env.yaml'] }, expect: /Environment file env\.yaml is not in "files"/ });
    out.push({ name: `${label}: template_url only`, method, url, body: { stack_name: 'bi-x', template_url: 'http://127.0.0.1:9/t.yaml' }, expect: /template_url/ });
    // 5 MiB: past the service's 4 MiB body limit (Heat's max_json_body_size is 1 MiB).
    out.push({ name: `${label}: oversize body`, method, url, raw: JSON.stringify({ stack_name: 'bi-x', template: okTemplate, pad: 'x'.repeat(5 * 1024 * 1024) }), status: [400, 413], expect: /too large|exceeds|size/i });
    out.push({ name: `${label}: wrong content type`, method, url, raw: 'stack_name=bi-x', contentType: 'application/x-www-form-urlencoded', status: [400, 415], expect: /content[- ]type|media type|JSON|body/i });
  }
  for (const method of ['POST'] as const) {
    const url = method === 'POST' ? stacks : '';
    out.push({ name: 'create: no template', method, url, body: { stack_name: 'bi-x' }, expect: /No template specified/ });
    out.push({ name: 'create: no stack name', method, url, body: { template: okTemplate }, expect: /No stack name specified/ });
    out.push({ name: 'create: empty stack name', method, url, body: { stack_name: '', template: okTemplate }, expect: /No stack name specified/ });
    for (const n of ['1abc', '_a', 'a b', 'a/b', 'ä', 'a'.repeat(256), 'a;b', 'a?b', '-a', '.a']) {
      out.push({ name: `create: stack name ${JSON.stringify(n.slice(0, 20))}${n.length > 20 ? '…' : ''}`, method, url, body: { stack_name: n, template: okTemplate }, expect: /Invalid stack name/ });
    }
    for (const n of [5, true, ['a'], { a: 1 }]) out.push({ name: `create: stack name ${JSON.stringify(n)}`, method, url, body: { stack_name: n, template: okTemplate }, expect: /Invalid stack name/ });
    out.push({ name: 'create: existing stack name', method, url, body: { stack_name: live.name, template: okTemplate }, status: [409], expect: new RegExp(`${live.name}.*already exists`) });
    for (const t of [-1, 0, 'soon', 1.5, [1], true]) out.push({ name: `create: timeout_mins ${JSON.stringify(t)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, timeout_mins: t }, expect: /timeout_mins|timeout/i });
    for (const t of [5, { a: 1 }, [1, 2]]) out.push({ name: `create: tags ${JSON.stringify(t)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, tags: t }, expect: /"tags" must be a list of strings/ });
    for (const d of ['maybe', 3, ['t']]) out.push({ name: `create: disable_rollback ${JSON.stringify(d)}`, method, url, body: { stack_name: 'bi-x', template: okTemplate, disable_rollback: d }, expect: /disable_rollback/ });
  }
  // Unknown stacks: every stack path answers 404 naming the stack.
  const ghostId = '00000000-0000-4000-8000-000000000000';
  const ghosts: Array<[string, string]> = [['unknown name', 'bi-ghost'], ['unknown id', ghostId], ['name with another id', `${live.name}/${ghostId}`], ['unknown name, live id', `bi-ghost/${ghostId}`]];
  for (const [label, path] of ghosts) {
    for (const [method, sub, body] of [
      ['GET', '', undefined], ['PUT', '', { template: okTemplate }], ['PATCH', '', { parameters: {} }], ['DELETE', '', undefined],
      ['PUT', '/preview', { template: okTemplate }], ['GET', '/resources', undefined], ['GET', '/events', undefined], ['GET', '/template', undefined],
      ['GET', '/outputs', undefined], ['POST', '/actions', { check: null }], ['GET', '/resources/r', undefined], ['GET', '/export', undefined],
    ] as const) {
      out.push({ name: `${label}: ${method} ${sub || '/'}`, method, url: `${stacks}/${path}${sub}`, ...(body ? { body } : {}), status: [404], expect: /Stack .* could not be found|could not be found/ });
    }
  }
  out.push({ name: 'unknown resource of the live stack', method: 'GET', url: `${liveUrl}/resources/ghost`, status: [404], expect: /ghost/ });
  out.push({ name: 'events of an unknown resource', method: 'GET', url: `${liveUrl}/resources/ghost/events`, status: [404], expect: /ghost/ });
  out.push({ name: 'unknown output', method: 'GET', url: `${liveUrl}/outputs/ghost`, status: [404], expect: /ghost/ });
  out.push({ name: 'unknown resource type', method: 'GET', url: `/v1/${P}/resource_types/OS::Ghost::Thing`, status: [404], expect: /OS::Ghost::Thing/ });
  out.push({ name: 'unknown template version', method: 'GET', url: `/v1/${P}/template_versions/heat_template_version.1999-01-01/functions`, status: [404], expect: /1999-01-01/ });
  // Actions: an unknown action, two at once, a body that is not a map.
  for (const [label, body, expect] of [
    ['unknown action', { explode: null }, /explode/], ['two actions', { suspend: null, resume: null }, /one action|Multiple actions|action/i],
    ['empty action body', {}, /action/i], ['action body a list', ['suspend'], /body must be a JSON object|action/i],
  ] as const) out.push({ name: `actions: ${label}`, method: 'POST', url: `${liveUrl}/actions`, body, expect });
  out.push({ name: 'resource signal on a resource that takes none', method: 'POST', url: `${liveUrl}/resources/r/signal`, body: {}, expect: /signal/i });
  for (const [label, body, expect] of [
    ['mark_unhealthy not a bool', { mark_unhealthy: 'perhaps' }, /mark_unhealthy/], ['unknown key', { colour: 'red' }, /colour/],
    ['mark_unhealthy missing', { resource_status_reason: 'why' }, /mark_unhealthy/],
  ] as const) out.push({ name: `mark unhealthy: ${label}`, method: 'PATCH', url: `${liveUrl}/resources/r`, body, expect });
  // Query parameters.
  const queries: Array<[string, string, RegExp]> = [
    ['limit=abc', stacks, /limit/], ['limit=-1', stacks, /limit/], ['limit=1.5', stacks, /limit/], ['sort_dir=sideways', stacks, /sort direction/i],
    ['sort_keys=colour', stacks, /colour|sort key/i], ['marker=ghost', stacks, /marker/i], ['show_deleted=maybe', stacks, /show_deleted/],
    ['with_count=perhaps', stacks, /with_count/], ['show_nested=sure', stacks, /show_nested/], ['global_tenant=yes-ish', stacks, /global_tenant/],
    ['resolve_outputs=nah', liveUrl, /resolve_outputs/], ['nested_depth=deep', `${liveUrl}/resources`, /nested_depth/], ['nested_depth=-2', `${liveUrl}/resources`, /nested_depth/],
    ['with_detail=kinda', `${liveUrl}/resources`, /with_detail/], ['limit=ten', `${liveUrl}/events`, /limit/], ['sort_dir=up', `${liveUrl}/events`, /sort direction/i],
    ['marker=ghost', `${liveUrl}/events`, /marker|ghost/i], ['nested_depth=x', `${liveUrl}/events`, /nested_depth/],
    ['template_type=xml', `/v1/${P}/resource_types/OS::Heat::None/template`, /template_type|xml/], ['with_description=hmm', `/v1/${P}/resource_types`, /with_description/],
  ];
  for (const [q, url, expect] of queries) out.push({ name: `GET ${url.replace(P, '{p}').replace(live.id, '{id}')}?${q}`, method: 'GET', url: `${url}?${q}`, expect });
  return out;
}

describe('orchestration API: bad input', { timeout: 10 * 60_000 }, () => {
  let t: TestOrchestration;
  let P: string;
  let live: { name: string; id: string };
  let liveBefore: string;
  before(async () => {
    t = await createTestOrchestration();
    P = t.adminProject;
    const created = await t.ok(201, 'POST', `/v1/${P}/stacks`, { stack_name: 'bi-live', template: LIVE_TEMPLATE });
    live = { name: 'bi-live', id: created.stack.id };
    await t.settle(P, live.name, live.id);
    liveBefore = JSON.stringify((await t.ok(200, 'GET', `/v1/${P}/stacks/${live.name}/${live.id}/template`)));
  });
  after(async () => { await t?.close(); });

  const counts = new Map<string, { sent: number; refused: number; status: Map<number, number> }>();
  const tally = (group: string, r: Response, ok: boolean): void => {
    const c = counts.get(group) ?? { sent: 0, refused: 0, status: new Map() };
    c.sent++;
    if (ok) c.refused++;
    c.status.set(r.statusCode, (c.status.get(r.statusCode) ?? 0) + 1);
    counts.set(group, c);
  };
  const failures: Failure[] = [];
  let fiveXX = 0;

  /** Sends raw text (or JSON) with the admin's token. */
  const send = async (method: Method, url: string, opts: { body?: unknown; raw?: string; contentType?: string }): Promise<Response> => {
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': t.identity.adminToken };
    if (payload !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await t.service.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    return Object.assign(res, { json: () => (res.body ? JSON.parse(res.body) : undefined) });
  };

  it('refuses every hostile template, environment and parameter set on create, preview, validate and update', async (ctx) => {
    const cases = hostileTemplates();
    const liveUrl = `/v1/${P}/stacks/${live.name}/${live.id}`;
    const targets: Array<{ group: string; method: Method; url: (i: number) => string; named: boolean; skip?: (c: HostileCase) => boolean }> = [
      { group: 'POST /stacks', method: 'POST', url: () => `/v1/${P}/stacks`, named: true },
      { group: 'POST /stacks/preview', method: 'POST', url: () => `/v1/${P}/stacks/preview`, named: true },
      { group: 'POST /validate', method: 'POST', url: () => `/v1/${P}/validate`, named: false, skip: missingValueOnly },
      { group: 'PUT /stacks/{name}/{id}', method: 'PUT', url: () => liveUrl, named: false },
      { group: 'PATCH /stacks/{name}/{id}', method: 'PATCH', url: () => liveUrl, named: false },
      { group: 'PUT …/preview', method: 'PUT', url: () => `${liveUrl}/preview`, named: false },
    ];
    const unsendable = new Set<string>();
    for (const target of targets) {
      for (const [i, c] of cases.entries()) {
        if (target.skip?.(c)) continue;
        const raw = jsonOf(bodyOf(c, target.named ? `bi-${i}` : undefined));
        // A cyclic object has no JSON form; its wire twins are the recursive YAML alias cases.
        if (raw === undefined) { unsendable.add(c.name); continue; }
        const r = await send(target.method, target.url(i), { raw });
        if (r.statusCode >= 500) fiveXX++;
        const why = checkFault(r, [400], c.expect);
        tally(target.group, r, why === undefined);
        if (why) failures.push({ name: `${target.group}: ${c.name}`, why });
      }
    }
    if (unsendable.size > 0) ctx.diagnostic(`not sendable as JSON (checked in-process by hot/hostile.test.ts): ${[...unsendable].join(', ')}`);
  });

  it('refuses broken JSON, wrong body types, unknown stacks, bad query parameters and oversize bodies', async () => {
    for (const c of apiCases(P, live)) {
      const r = await send(c.method, c.url, { ...(c.body !== undefined ? { body: c.body } : {}), ...(c.raw !== undefined ? { raw: c.raw } : {}), ...(c.contentType ? { contentType: c.contentType } : {}) });
      if (r.statusCode >= 500) fiveXX++;
      const why = checkFault(r, c.status ?? [400], c.expect);
      tally('API-level', r, why === undefined);
      if (why) failures.push({ name: `${c.method} ${c.name}`, why });
    }
  });

  it('left the live stack as it was and created no stack', async (ctx) => {
    const s = await t.ok(200, 'GET', `/v1/${P}/stacks/${live.name}/${live.id}`);
    assert.equal(s.stack.stack_status, 'CREATE_COMPLETE');
    assert.equal(JSON.stringify(await t.ok(200, 'GET', `/v1/${P}/stacks/${live.name}/${live.id}/template`)), liveBefore);
    const names = (await t.ok(200, 'GET', `/v1/${P}/stacks`)).stacks.map((x: { stack_name: string }) => x.stack_name);
    assert.deepEqual(names, ['bi-live']);

    let sent = 0;
    let refused = 0;
    for (const [group, c] of counts) {
      sent += c.sent;
      refused += c.refused;
      const statuses = [...c.status].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(' ');
      ctx.diagnostic(`${group}: ${c.sent} sent, ${c.refused} refused as expected (${statuses})`);
    }
    ctx.diagnostic(`total: ${sent} bad requests, ${refused} refused with the right 4xx naming the problem, ${failures.length} not, ${fiveXX} 5xx`);
    for (const f of failures.slice(0, 60)) ctx.diagnostic(`  ${f.name}: ${f.why}`);
    assert.ok(sent >= 500, `only ${sent} bad requests`);
    assert.equal(fiveXX, 0, 'no 5xx');
    assert.deepEqual(failures.map((f) => `${f.name}: ${f.why}`), []);
  });
});
