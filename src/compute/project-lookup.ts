/**
 * Does a project exist? Nova asks Keystone before it stores quotas or flavor access for a project id
 * (nova/api/openstack/identity.py): 404 from Keystone is a 400 here; when Keystone will not say (403, or
 * unreachable), the id is taken on trust, as Nova does.
 */
import { BadRequest } from '../platform/errors.js';

export interface ProjectLookup {
  /** Throws BadRequest when identity says the project does not exist. */
  verify(token: string, projectId: string): Promise<void>;
}

export class IdentityProjectLookup implements ProjectLookup {
  /** @param identityUrl identity's v3 base, e.g. http://127.0.0.1:5000/v3 */
  constructor(private readonly identityUrl: string, private readonly timeoutMs = 10_000) {}

  async verify(token: string, projectId: string): Promise<void> {
    let status: number;
    try {
      const res = await fetch(`${this.identityUrl}/projects/${encodeURIComponent(projectId)}`, {
        headers: { 'x-auth-token': token, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      return;
    }
    if (status === 404) throw new BadRequest(`Project ID ${projectId} is not a valid project.`);
  }
}
