/**
 * Nova microversions: what a request asks for (`OpenStack-API-Version: compute X.Y`, or the legacy
 * `X-OpenStack-Nova-API-Version: X.Y`), checked against what this service implements, and the headers every
 * versioned response carries.
 *
 * Maximum 2.79. It covers what the clients negotiate (openstacksdk's servers go up to 2.73, novaclient and
 * the openstack CLI default to 2.1) and what Tempest 33's response schemas describe (up to 2.79); every
 * response and request change up to it that applies to the features Flotilla has is implemented
 * (2.47's embedded flavor, 2.53's UUID service and hypervisor ids, 2.64's server-group `policy`, 2.75's
 * full update/rebuild responses and strict query parameters, …). Versions that only change features
 * Flotilla lacks (volumes, migrations, cells) are accepted and behave as Nova does without those features.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, NotAcceptable } from '../platform/errors.js';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.79';

/** A parsed microversion, compared as (major, minor). */
export class Microversion {
  constructor(readonly major: number, readonly minor: number) {}

  /** Parses `X.Y` as Nova does (no leading zeros, no extra parts); throws BadRequest otherwise. */
  static parse(text: string): Microversion {
    const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text);
    if (!m) throw new BadRequest(`API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
    return new Microversion(Number(m[1]), Number(m[2]));
  }

  compare(other: Microversion): number {
    return this.major !== other.major ? this.major - other.major : this.minor - other.minor;
  }

  /** True if this version is at least `version` (e.g. `v.atLeast('2.47')`). */
  atLeast(version: string): boolean {
    return this.compare(Microversion.parse(version)) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = Microversion.parse(MIN_VERSION);
const MAX = Microversion.parse(MAX_VERSION);

declare module 'fastify' {
  interface FastifyRequest {
    /** The microversion this request is served at (set for every /v2.1 request). */
    microversion: Microversion;
  }
}

/** The compute version in `OpenStack-API-Version` (`compute 2.10, identity 3.0` style), if any. */
function fromStandardHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const entries = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
  for (const entry of entries) {
    const [service, version] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version !== undefined) return version;
  }
  return undefined;
}

/**
 * The version a request asks for: the standard header first, then the legacy one, else the minimum.
 * `latest` means the maximum. Throws BadRequest for a malformed version, NotAcceptable for one outside
 * [MIN_VERSION, MAX_VERSION].
 */
export function requestedVersion(headers: Record<string, string | string[] | undefined>): Microversion {
  const legacy = headers['x-openstack-nova-api-version'];
  const text = fromStandardHeader(headers['openstack-api-version']) ?? (Array.isArray(legacy) ? legacy[0] : legacy)?.trim();
  if (text === undefined || text === '') return MIN;
  if (text === 'latest') return MAX;
  const version = Microversion.parse(text);
  if (version.compare(MIN) < 0 || version.compare(MAX) > 0) {
    throw new NotAcceptable(`Version ${version} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return version;
}

/** Sets the headers Nova puts on every versioned response, errors included. */
export function setVersionHeaders(reply: FastifyReply, version: Microversion): void {
  reply.header('openstack-api-version', `compute ${version}`);
  reply.header('x-openstack-nova-api-version', String(version));
  reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

/**
 * A hook for the /v2.1 routes: parses the version before anything else (an unsupported version is
 * refused before authentication, as Nova's wsgi layer does) and stamps the response headers.
 */
export async function microversionHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.microversion = MIN;
  const version = requestedVersion(request.headers);
  request.microversion = version;
  setVersionHeaders(reply, version);
}

/** Refuses a body field that only exists from `since` on, as Nova's versioned schemas do. */
export function requireVersionFor(request: FastifyRequest, field: string, since: string): void {
  if (!request.microversion.atLeast(since)) {
    throw new BadRequest(`Invalid input for field/attribute server. Value: ${field}. Additional properties are not allowed ('${field}' was unexpected)`);
  }
}
