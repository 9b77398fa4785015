/**
 * OS::Heat::WaitCondition (heat/engine/resources/openstack/heat/wait_condition.py): completes once its
 * handle has `count` SUCCESS signals, fails as soon as any signal is a FAILURE (with the failures'
 * reasons), and fails after `timeout` seconds with how many arrived. It reads the signals the handle
 * stored, so a restarted engine sees the ones that arrived while it was down. Raising `count` on update
 * waits again for the extra signals.
 */
import type { Resource } from '../../model.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ResourceFailure } from '../types.js';
import { sleep } from '../common.js';
import type { Signals } from './wait-condition-handle.js';

/** Heat's WaitConditionFailure: the FAILURE signals' reasons. */
class WaitConditionFailure extends ResourceFailure {
  constructor(message: string) { super(message); this.name = 'WaitConditionFailure'; }
}

/** Heat's WaitConditionTimeout: how many of `count` arrived, with their reasons. */
class WaitConditionTimeout extends ResourceFailure {
  constructor(message: string) { super(message); this.name = 'WaitConditionTimeout'; }
}

async function handleRow(ctx: ResourceContext, ref: string): Promise<Resource> {
  const rows = await ctx.clients.resourceRows();
  const row = rows.find((r) => r.type === 'OS::Heat::WaitConditionHandle' && (r.physicalId === ref || r.name === ref) && r.replacedBy === null);
  if (!row) throw new ResourceFailure(`${ref} is not a valid wait condition handle.`);
  return row;
}

const dataOf = (signals: Signals): string => JSON.stringify(Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, v.data])));

async function wait(ctx: ResourceContext, props: Record<string, unknown>): Promise<ResourceOutcome> {
  const count = Number(props.count ?? 1);
  const deadline = Date.now() + Number(props.timeout) * 1000;
  const handle = await handleRow(ctx, String(props.handle));
  for (;;) {
    const row = await ctx.clients.resourceRow(handle.name);
    const signals = ((row?.data.signals ?? {}) as Signals);
    const all = Object.values(signals);
    const failures = all.filter((s) => s.status !== 'SUCCESS');
    if (failures.length > 0) throw new WaitConditionFailure(failures.map((s) => s.reason).join(';'));
    if (all.length >= count) return { physicalId: null, attributes: { data: dataOf(signals) } };
    if (Date.now() >= deadline) {
      const reasons = all.map((s) => s.reason);
      throw new WaitConditionTimeout(`${reasons.length} of ${count} received${reasons.length > 0 ? ` - ${reasons.join(';')}` : ''}`);
    }
    await sleep(Math.min(1, Math.max(0.05, (deadline - Date.now()) / 1000)), ctx.signal);
  }
}

export const waitConditionPlugin: ResourcePlugin = {
  type: 'OS::Heat::WaitCondition',
  description: 'Resource for handling signals received by WaitConditionHandle.',
  since: '2014.2',
  properties: {
    handle: { type: 'string', description: 'A reference to the wait condition handle used to signal this wait condition.', required: true },
    timeout: { type: 'number', description: 'The number of seconds to wait for the correct number of signals to arrive.', required: true, constraints: [{ range: { min: 1, max: 43200 } }] },
    count: { type: 'integer', description: 'The number of success signals that must be received before the stack creation process continues.', default: 1, updateAllowed: true, constraints: [{ range: { min: 1 } }] },
  },
  attributes: {
    data: { description: 'JSON string containing data associated with wait condition signals sent to the handle.', type: 'string' },
  },
  create: wait,
  update: (ctx, props) => wait(ctx, props),
  async delete() { /* nothing outside the database */ },
};
