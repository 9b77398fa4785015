/**
 * OS::Heat::TestResource (heat/engine/resources/openstack/heat/test_resource.py), which Heat's own
 * functional and Tempest tests drive: it stores `value`, waits `wait_secs` (or the action's entry of
 * `action_wait_secs`; -1 waits until cancelled), fails on `fail`, and is replaced when `update_replace`
 * is set. With `client_name` and `entity_name` Heat polls that client while waiting; here the wait is the
 * same without the polling, which only ever logged.
 */
import type { ResourceContext, ResourcePlugin } from './types.js';
import { ResourceFailure, UpdateReplace } from './types.js';
import { physicalName, sleep } from './common.js';

function waitSecs(props: Record<string, unknown>, action: 'create' | 'update' | 'delete'): number {
  const perAction = props.action_wait_secs as Record<string, unknown> | undefined;
  const v = perAction?.[action];
  return Number(v ?? props.wait_secs ?? 0);
}

/** Heat raises ValueError once the wait is over. */
class TestFailure extends ResourceFailure {
  constructor(name: string) { super(`Test Resource failed ${name}`); this.name = 'ValueError'; }
}

async function effort(ctx: ResourceContext, props: Record<string, unknown>, action: 'create' | 'update' | 'delete'): Promise<void> {
  await sleep(waitSecs(props, action), ctx.signal);
  if (props.fail === true && action !== 'delete') throw new TestFailure(ctx.resource.name);
}

const num = (description: string, extra: Record<string, unknown> = {}): { type: 'number'; description: string; updateAllowed: true } =>
  ({ type: 'number', description, updateAllowed: true, ...extra });

export const testResourcePlugin: ResourcePlugin = {
  type: 'OS::Heat::TestResource',
  description: 'A resource which stores the string value that was provided. This resource is to be used only for testing. It has control knobs such as \'update_replace\', \'fail\', \'wait_secs\'.',
  since: '5.0.0',
  properties: {
    value: { type: 'string', description: 'The input string to be stored.', default: 'test_string', updateAllowed: true },
    update_replace_value: { type: 'string', description: 'Some value that can be stored but can not be updated.' },
    fail: { type: 'boolean', description: 'Value which can be set to fail the resource operation to test failure scenarios.', default: false, updateAllowed: true },
    update_replace: { type: 'boolean', description: 'Value which can be set to trigger update replace for the particular resource.', default: false, updateAllowed: true },
    wait_secs: num('Seconds to wait after an action (-1 is infinite).', { default: 0 }),
    action_wait_secs: {
      type: 'map', description: 'Options for simulating waiting.', updateAllowed: true,
      schema: {
        create: num('Seconds to wait after a create. Defaults to the global wait_secs.'),
        update: num('Seconds to wait after an update. Defaults to the global wait_secs.'),
        delete: num('Seconds to wait after a delete. Defaults to the global wait_secs.'),
      },
    },
    client_name: { type: 'string', description: 'Client to poll.', default: '', updateAllowed: true },
    entity_name: { type: 'string', description: 'Client entity to poll.', default: '', updateAllowed: true },
    attr_wait_secs: num('Number value for timeout during resolving output value.', { default: 0 }),
    constraint_prop_secs: num('Number value for delay during resolve constraint.', { default: 0 }),
  },
  attributes: {
    output: { description: 'The string that was stored. This value is also available by referencing the resource.', type: 'string' },
  },
  async create(ctx, props) {
    const physicalId = physicalName(ctx);
    await ctx.savePhysicalId(physicalId, { props });
    await effort(ctx, props, 'create');
    return { physicalId, attributes: { output: props.value }, data: { value: props.value, props } };
  },
  async update(ctx, props, changed) {
    if (changed.includes('update_replace') && props.update_replace === true) throw new UpdateReplace(ctx.resource.name);
    await effort(ctx, props, 'update');
    return { physicalId: ctx.resource.physicalId, attributes: { output: props.value }, data: { value: props.value, props } };
  },
  async delete(ctx) {
    await effort(ctx, (ctx.resource.properties ?? {}), 'delete');
  },
};
