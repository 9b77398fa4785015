/**
 * OS::Heat::WaitConditionHandle (heat/engine/resources/openstack/heat/wait_condition_handle.py) with
 * signal_transport TOKEN_SIGNAL (Heat's default): a server signals the handle by POSTing to `endpoint`
 * with `token` as X-Auth-Token, which `curl_cli` spells out. Heat's token is a Keystone token of a stack
 * domain user; here it is a random secret of this handle alone, kept with the resource, that the signal
 * route (orchestration/handle-signals.ts) accepts for this handle's signal and nothing else (decision
 * 0013). The endpoint is the metadata address, which every server reaches inside its own network and
 * whose agent forwards `/orchestration/…` to the orchestration API.
 *
 * Signals are kept as Heat keeps them in the handle's metadata, `{id: {status, reason, data}}`; a
 * signal without an id gets the next number, one with a known id overwrites it, and a status other than
 * SUCCESS or FAILURE (or an unknown key) is refused.
 */
import { randomBytes } from 'node:crypto';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ResourceFailure } from '../types.js';

/** Marks a handle token: a Keystone token (base64url) never contains a dot. */
export const HANDLE_TOKEN_PREFIX = 'wch.';
/** Where servers reach the orchestration API: the metadata service, which forwards /orchestration/. */
export const SIGNAL_BASE = 'http://169.254.169.254/orchestration';

export type SignalRecord = { status: 'SUCCESS' | 'FAILURE'; reason: string; data: unknown };
export type Signals = Record<string, SignalRecord>;

const TRANSPORTS = ['CFN_SIGNAL', 'TEMP_URL_SIGNAL', 'HEAT_SIGNAL', 'NO_SIGNAL', 'ZAQAR_SIGNAL', 'TOKEN_SIGNAL'];

/** Heat's signal normalisation and check (normalise_signal_data, _metadata_format_ok). */
export function mergeSignal(signals: Signals, details: unknown): { signals: Signals; entry: SignalRecord } {
  const n = Object.keys(signals).length + 1;
  if (details !== null && details !== undefined && (typeof details !== 'object' || Array.isArray(details))) throw new ValueError('Metadata format invalid');
  const d: Record<string, unknown> = { reason: `Signal ${n} received`, data: null, id: n, status: 'SUCCESS', ...(details as Record<string, unknown> | null ?? {}) };
  const keys = Object.keys(d).sort().join(',');
  if (keys !== 'data,id,reason,status' || (d.status !== 'SUCCESS' && d.status !== 'FAILURE')) throw new ValueError('Metadata format invalid');
  const entry: SignalRecord = { status: d.status, reason: String(d.reason), data: d.data };
  return { signals: { ...signals, [String(d.id)]: entry }, entry };
}

/** Heat raises ValueError for a malformed signal. */
class ValueError extends ResourceFailure {
  constructor(message: string) { super(message); this.name = 'ValueError'; }
}

/** The signal URL of a handle, as a server inside the cloud reaches it. */
export function signalEndpoint(stack: ResourceContext['stack'], resource: string): string {
  return `${SIGNAL_BASE}/v1/${stack.projectId}/stacks/${encodeURIComponent(stack.name)}/${stack.id}/resources/${encodeURIComponent(resource)}/signal`;
}

function attributes(token: string | null, endpoint: string | null): Record<string, unknown> {
  const curl = token && endpoint
    ? `curl -i -X POST -H 'X-Auth-Token: ${token}' -H 'Content-Type: application/json' -H 'Accept: application/json' ${endpoint}`
    : null;
  return { token, endpoint, curl_cli: curl, signal: JSON.stringify(token && endpoint ? { endpoint, token } : {}) };
}

// Signals to one handle are merged one at a time (a read of the stored ones, then the write), so two
// servers signalling together both count.
const locks = new Map<string, Promise<unknown>>();
async function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

export const waitConditionHandlePlugin: ResourcePlugin = {
  type: 'OS::Heat::WaitConditionHandle',
  description: 'Resource for managing instance signals.',
  since: '2014.2',
  properties: {
    signal_transport: {
      type: 'string', default: 'TOKEN_SIGNAL', constraints: [{ allowed_values: TRANSPORTS }],
      description: 'How the client will signal the wait condition. CFN_SIGNAL will allow an HTTP POST to a CFN keypair signed URL. TEMP_URL_SIGNAL will create a Swift TempURL to be signalled via HTTP PUT. HEAT_SIGNAL will allow calls to the Heat API resource-signal using the provided keystone credentials. ZAQAR_SIGNAL will create a dedicated zaqar queue to be signalled using the provided keystone credentials. TOKEN_SIGNAL will allow and HTTP POST to a Heat API endpoint with the provided keystone token. NO_SIGNAL will result in the resource going to a signalled state without waiting for any signal.',
    },
  },
  attributes: {
    token: { description: 'Token for stack-user which can be used for signalling handle when signal_transport is set to TOKEN_SIGNAL. None for all other signal transports.', type: 'string' },
    endpoint: { description: 'Endpoint/url which can be used for signalling handle when signal_transport is set to TOKEN_SIGNAL. None for all other signal transports.', type: 'string' },
    curl_cli: { description: 'Convenience attribute, provides curl CLI command prefix, which can be used for signalling handle completion or failure when signal_transport is set to TOKEN_SIGNAL. You can signal success by adding --data-binary \'{"status": "SUCCESS"}\' , or signal failure by adding --data-binary \'{"status": "FAILURE"}\'. This attribute is set to None for all other signal transports.', type: 'string' },
    signal: { description: 'JSON serialized map that includes the endpoint, token and/or other attributes the client must use for signalling this handle. The contents of this map depend on the type of signal selected in the signal_transport property.', type: 'string' },
  },
  validate(props) {
    const t = props.signal_transport;
    return t === 'TOKEN_SIGNAL' || t === 'NO_SIGNAL' || t === 'HEAT_SIGNAL' ? null : `Property error: signal_transport: ${String(t)} needs a service Flotilla does not have (TOKEN_SIGNAL, HEAT_SIGNAL and NO_SIGNAL work)`;
  },
  async create(ctx, props): Promise<ResourceOutcome> {
    // The same token after a retried create: a server may already hold it.
    const token = props.signal_transport === 'TOKEN_SIGNAL'
      ? (typeof ctx.resource.data.token === 'string' ? ctx.resource.data.token : `${HANDLE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`)
      : null;
    const endpoint = token ? signalEndpoint(ctx.stack, ctx.resource.name) : null;
    return { physicalId: ctx.resource.id, attributes: attributes(token, endpoint), data: { token, signals: ctx.resource.data.signals ?? {} } };
  },
  async delete() { /* the token dies with the resource row */ },
  async signal(ctx, details) {
    return serialised(ctx.resource.id, async () => {
      const fresh = await ctx.clients.resourceRow(ctx.resource.name);
      const stored = ((fresh?.id === ctx.resource.id ? fresh.data.signals : ctx.resource.data.signals) ?? {}) as Signals;
      const { signals } = mergeSignal(stored, details);
      ctx.resource.metadata = signals;
      await ctx.savePhysicalId(ctx.resource.physicalId ?? ctx.resource.id, { signals });
      return { physicalId: ctx.resource.physicalId, attributes: ctx.resource.attributes, data: { signals } };
    });
  },
};
