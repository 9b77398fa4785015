/**
 * A burst of concurrent identity writes for crash tests, and the checks that tell, after a SIGKILL
 * and a restart, whether the database kept every acknowledged write and no half-made object: projects
 * with their tags, users with their password and grant, password changes, application credentials
 * with their roles, trusts, and tokens.
 */
import { send, type WireResult } from './wire.js';

/** A JSON request to the identity API; never throws (a dead server is an outcome too). */
export async function call(base: URL, method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Record<string, string> } | undefined> {
  const h: Record<string, string> = { ...headers };
  if (token) h['x-auth-token'] = token;
  if (body !== undefined) h['content-type'] = 'application/json';
  const r: WireResult = await send(base, { method, path: `/v3${path}`, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), timeoutMs: 20000 });
  if (r.kind === 'failure') return undefined;
  let parsed: unknown;
  try { parsed = r.text ? JSON.parse(r.text) : undefined; } catch { parsed = r.text; }
  return { status: r.status, body: parsed, headers: r.headers };
}

/** Password login; the token, or undefined unless 201. */
export async function login(base: URL, userId: string, password: string, projectId?: string): Promise<string | undefined> {
  const res = await call(base, 'POST', '/auth/tokens', {
    auth: { identity: { methods: ['password'], password: { user: { id: userId, password } } }, ...(projectId ? { scope: { project: { id: projectId } } } : {}) },
  });
  return res?.status === 201 ? res.headers['x-subject-token'] : undefined;
}

type Outcome = 'acked' | 'unknown';

interface ProjectWrite { name: string; tags: string[]; outcome: Outcome; id?: string; }
interface UserWrite { name: string; password: string; outcome: Outcome; id?: string; grant: Outcome | 'not sent'; }
interface PasswordChange { userId: string; old: string; next: string; outcome: Outcome; }
interface AppCredWrite { userId: string; name: string; secret: string; outcome: Outcome; }
interface TrustWrite { trustorId: string; token: string; outcome: Outcome; id?: string; }

/** Users made before a burst: some get their password changed, the others act (app creds, trusts, tokens). */
interface Actor { id: string; password: string; token: string; }

/** One burst's record of what was sent and what was acknowledged. */
export class Burst {
  readonly projects: ProjectWrite[] = [];
  readonly users: UserWrite[] = [];
  readonly passwordChanges: PasswordChange[] = [];
  readonly appCreds: AppCredWrite[] = [];
  readonly trusts: TrustWrite[] = [];
  /** Tokens whose 201 arrived, of users whose password the burst does not change. */
  readonly tokens: string[] = [];
  #dead = false;

  private constructor(
    private readonly base: URL,
    private readonly adminToken: string,
    readonly label: string,
    readonly homeProject: string,
    readonly memberRole: string,
    readonly adminUser: string,
    private readonly changers: Actor[],
    private readonly actors: Actor[],
  ) {}

  /** Makes the burst's home project and users (before the writes start). */
  static async prepare(base: URL, adminToken: string, label: string, size = 12): Promise<Burst> {
    const must = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await call(base, method, path, body, adminToken);
      if (!res || res.status >= 300) throw new Error(`burst setup ${method} ${path}: ${res?.status} ${JSON.stringify(res?.body)}`);
      return res.body;
    };
    const home = (await must('POST', '/projects', { project: { name: `${label}-home` } })).project.id as string;
    const memberRole = (await must('GET', '/roles?name=member')).roles[0].id as string;
    const adminUser = (await must('GET', '/users?name=admin')).users[0].id as string;
    const make = async (name: string): Promise<Actor> => {
      const password = `${name}-pw`;
      const id = (await must('POST', '/users', { user: { name, password } })).user.id as string;
      await must('PUT', `/projects/${home}/users/${id}/roles/${memberRole}`);
      const token = await login(base, id, password, home);
      if (!token) throw new Error(`burst setup: ${name} cannot log in`);
      return { id, password, token };
    };
    const changers: Actor[] = [];
    const actors: Actor[] = [];
    for (let i = 0; i < size; i++) changers.push(await make(`${label}-changer-${i}`));
    for (let i = 0; i < 4; i++) actors.push(await make(`${label}-actor-${i}`));
    const burst = new Burst(base, adminToken, label, home, memberRole, adminUser, changers, actors);
    burst.tokens.push(adminToken, ...actors.map((a) => a.token));
    return burst;
  }

  /** Runs `workers` loops of mixed writes until the server stops answering. */
  async run(workers: number): Promise<void> {
    let n = 0;
    const loop = async (): Promise<void> => {
      while (!this.#dead) {
        const i = n++;
        const ok = await this.#step(i);
        if (!ok) this.#dead = true;
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
  }

  /** One write; false when the server gave no response (it is gone). */
  async #step(i: number): Promise<boolean> {
    const b = this.base;
    const actor = this.actors[i % this.actors.length]!;
    // Projects are the cheapest write, so most of what is in flight at the kill is one.
    switch (i % 8) {
      case 0: case 1: case 2: {
        const w: ProjectWrite = { name: `${this.label}-p${i}`, tags: ['crash', `n${i}`, 'z'], outcome: 'unknown' };
        this.projects.push(w);
        const res = await call(b, 'POST', '/projects', { project: { name: w.name, tags: w.tags } }, this.adminToken);
        if (res?.status === 201) { w.outcome = 'acked'; w.id = res.body.project.id; }
        return res !== undefined;
      }
      case 3: {
        const w: UserWrite = { name: `${this.label}-u${i}`, password: `pw-${i}`, outcome: 'unknown', grant: 'not sent' };
        this.users.push(w);
        const res = await call(b, 'POST', '/users', { user: { name: w.name, password: w.password } }, this.adminToken);
        if (res?.status !== 201) return res !== undefined;
        w.outcome = 'acked';
        w.id = res.body.user.id;
        w.grant = 'unknown';
        const g = await call(b, 'PUT', `/projects/${this.homeProject}/users/${w.id}/roles/${this.memberRole}`, undefined, this.adminToken);
        if (g?.status === 204) w.grant = 'acked';
        return g !== undefined;
      }
      case 4: {
        const who = this.changers.shift();
        if (!who) return true;
        const w: PasswordChange = { userId: who.id, old: who.password, next: `${who.password}-new`, outcome: 'unknown' };
        this.passwordChanges.push(w);
        const res = await call(b, 'POST', `/users/${who.id}/password`, { user: { original_password: w.old, password: w.next } });
        if (res?.status === 204) w.outcome = 'acked';
        return res !== undefined;
      }
      case 5: {
        const w: AppCredWrite = { userId: actor.id, name: `${this.label}-ac${i}`, secret: `secret-${i}`, outcome: 'unknown' };
        this.appCreds.push(w);
        const res = await call(b, 'POST', `/users/${actor.id}/application_credentials`, { application_credential: { name: w.name, secret: w.secret, roles: [{ name: 'member' }] } }, actor.token);
        if (res?.status === 201) w.outcome = 'acked';
        return res !== undefined;
      }
      case 6: {
        const w: TrustWrite = { trustorId: actor.id, token: actor.token, outcome: 'unknown' };
        this.trusts.push(w);
        const res = await call(b, 'POST', '/OS-TRUST/trusts', { trust: { trustor_user_id: actor.id, trustee_user_id: this.adminUser, project_id: this.homeProject, impersonation: false, roles: [{ name: 'member' }] } }, actor.token);
        if (res?.status === 201) { w.outcome = 'acked'; w.id = res.body.trust.id; }
        return res !== undefined;
      }
      default: {
        const res = await call(b, 'POST', '/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { id: actor.id, password: actor.password } } }, scope: { project: { id: this.homeProject } } } });
        if (res?.status === 201) this.tokens.push(res.headers['x-subject-token']!);
        return res !== undefined;
      }
    }
  }

  /** How many writes of each kind were acknowledged, for the log. */
  summary(): string {
    const acked = (xs: Array<{ outcome: Outcome }>): string => `${xs.filter((x) => x.outcome === 'acked').length}/${xs.length}`;
    return `projects ${acked(this.projects)}, users ${acked(this.users)}, password changes ${acked(this.passwordChanges)}, app creds ${acked(this.appCreds)}, trusts ${acked(this.trusts)}, tokens ${this.tokens.length}`;
  }

  /**
   * After a restart: every problem found, as sentences. Acknowledged writes must be there; writes
   * in flight may be there or not, but never half-made.
   */
  async verify(base: URL, adminToken: string): Promise<string[]> {
    const problems: string[] = [];
    const get = async (path: string, token = adminToken): Promise<any> => (await call(base, 'GET', path, undefined, token));

    for (const t of this.tokens) {
      const res = await call(base, 'GET', '/auth/tokens', undefined, adminToken, { 'x-subject-token': t });
      if (res?.status !== 200) problems.push(`a token issued before the kill no longer validates (${res?.status})`);
    }
    for (const p of this.projects) {
      const found = (await get(`/projects?name=${encodeURIComponent(p.name)}`))?.body?.projects?.[0];
      if (!found) {
        if (p.outcome === 'acked') problems.push(`project ${p.name} was acknowledged (201) but is gone`);
        continue;
      }
      const tags = [...found.tags].sort();
      if (JSON.stringify(tags) !== JSON.stringify([...p.tags].sort())) problems.push(`project ${p.name} (${p.outcome}) is half-made: tags ${JSON.stringify(tags)}, asked ${JSON.stringify(p.tags)}`);
    }
    for (const u of this.users) {
      const found = (await get(`/users?name=${encodeURIComponent(u.name)}`))?.body?.users?.[0];
      if (!found) {
        if (u.outcome === 'acked') problems.push(`user ${u.name} was acknowledged (201) but is gone`);
        continue;
      }
      if (!(await login(base, found.id, u.password))) problems.push(`user ${u.name} (${u.outcome}) exists but cannot log in with its password`);
      if (u.grant === 'acked') {
        const g = await call(base, 'HEAD', `/projects/${this.homeProject}/users/${found.id}/roles/${this.memberRole}`, undefined, adminToken);
        if (g?.status !== 204) problems.push(`user ${u.name}: the acknowledged grant is gone (${g?.status})`);
      }
    }
    for (const c of this.passwordChanges) {
      const oldWorks = (await login(base, c.userId, c.old)) !== undefined;
      const newWorks = (await login(base, c.userId, c.next)) !== undefined;
      if (c.outcome === 'acked' && !newWorks) problems.push(`password change of ${c.userId} was acknowledged (204) but the new password does not work`);
      if (oldWorks === newWorks) problems.push(`password change of ${c.userId} (${c.outcome}): old works ${oldWorks}, new works ${newWorks}`);
    }
    for (const a of this.appCreds) {
      const actor = this.actors.find((x) => x.id === a.userId)!;
      const found = (await get(`/users/${a.userId}/application_credentials?name=${encodeURIComponent(a.name)}`, actor.token))?.body?.application_credentials?.[0];
      if (!found) {
        if (a.outcome === 'acked') problems.push(`application credential ${a.name} was acknowledged (201) but is gone`);
        continue;
      }
      if (!found.roles?.length) problems.push(`application credential ${a.name} (${a.outcome}) has no roles`);
      const auth = await call(base, 'POST', '/auth/tokens', { auth: { identity: { methods: ['application_credential'], application_credential: { id: found.id, secret: a.secret } } } });
      if (auth?.status !== 201) problems.push(`application credential ${a.name} (${a.outcome}) does not authenticate (${auth?.status})`);
    }
    for (const t of this.trusts) {
      if (t.outcome !== 'acked') continue;
      const found = await get(`/OS-TRUST/trusts/${t.id}`, t.token);
      if (found?.status !== 200) problems.push(`trust ${t.id} was acknowledged (201) but is gone (${found?.status})`);
      else if (!found.body.trust.roles?.length) problems.push(`trust ${t.id} has no roles`);
    }
    return problems;
  }
}
