/** The conditions section (the HOT specification's cd1..cd10 example) and conditional resources and outputs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { loadTemplate } from './template.js';
import { emptyEnvironment } from './environment.js';
import { resolveParameters } from './parameters.js';
import { conditionHolds, evaluateConditions } from './conditions.js';
import { activeResources, dependencies } from './dependencies.js';
import { resolve } from './evaluate.js';

const SPEC = `
heat_template_version: pike
parameters:
  param1: {type: boolean}
  param2: {type: boolean}
  param3: {type: boolean}
  env_type: {type: string}
  zone: {type: string}
  ServiceNames: {type: comma_delimited_list}
conditions:
  cd1: True
  cd2:
    get_param: param1
  cd3:
    equals:
    - get_param: param2
    - yes
  cd4:
    not:
      equals:
      - get_param: param3
      - yes
  cd5:
    and:
    - equals:
      - get_param: env_type
      - prod
    - not:
        equals:
        - get_param: zone
        - beijing
  cd6:
    or:
    - equals:
      - get_param: zone
      - shanghai
    - equals:
      - get_param: zone
      - beijing
  cd7:
    not: cd4
  cd8:
    and:
    - cd1
    - cd2
  cd10:
    contains:
    - 'neutron'
    - get_param: ServiceNames
`;

describe('conditions', () => {
  it('evaluates the specification\'s conditions section (cd9, yaql, is refused elsewhere)', async () => {
    const t = loadTemplate(SPEC);
    const params = await resolveParameters(t, emptyEnvironment(), { param1: 'true', param2: 'yes', param3: 'no', env_type: 'prod', zone: 'shanghai', ServiceNames: 'heat,neutron' });
    assert.deepEqual(evaluateConditions(t, params), { cd1: true, cd2: true, cd3: true, cd4: true, cd5: true, cd6: true, cd7: false, cd8: true, cd10: true });
    const other = await resolveParameters(t, emptyEnvironment(), { param1: false, param2: false, param3: true, env_type: 'test', zone: 'beijing', ServiceNames: 'heat' });
    assert.deepEqual(evaluateConditions(t, other), { cd1: true, cd2: false, cd3: false, cd4: false, cd5: false, cd6: true, cd7: true, cd8: false, cd10: false });
  });
  it('makes resources and outputs conditional (spec example: create_prod_res)', async () => {
    const t = loadTemplate(`
heat_template_version: 2016-10-14
parameters:
  env_type: {default: test, type: string}
conditions:
  create_prod_res: {equals : [{get_param: env_type}, "prod"]}
resources:
  volume:
    type: OS::Cinder::Volume
    condition: create_prod_res
    properties: {size: 1}
  inline:
    type: OS::Heat::None
    condition: {not: create_prod_res}
outputs:
  vol_size:
    value: {get_attr: [volume, size]}
    condition: create_prod_res
`);
    const test = evaluateConditions(t, await resolveParameters(t, emptyEnvironment(), {}));
    assert.deepEqual(activeResources(t, test).map((r) => r.name), ['inline']);
    assert.equal(conditionHolds('outputs', 'vol_size', t.outputs.vol_size?.condition, test), false);
    const prod = evaluateConditions(t, await resolveParameters(t, emptyEnvironment(), { env_type: 'prod' }));
    assert.deepEqual(activeResources(t, prod).map((r) => r.name), ['volume']);
    assert.equal(conditionHolds('outputs', 'vol_size', t.outputs.vol_size?.condition, prod), true);
  });
  it('needs a condition to come out boolean', async () => {
    const t = loadTemplate('heat_template_version: 2016-10-14\nparameters: {p: {type: string}}\nconditions: {c: {get_param: p}}\n');
    assert.throws(() => evaluateConditions(t, { p: 'maybe' }), (e: unknown) => e instanceof TemplateError && /Invalid condition "maybe"/.test(e.message));
  });
  it('refuses references to a resource whose condition is false, except in the branch an if leaves out', async () => {
    const t = loadTemplate(`
heat_template_version: 2016-10-14
parameters:
  big: {type: boolean, default: false}
conditions:
  is_big: {get_param: big}
resources:
  extra: {type: OS::Heat::None, condition: is_big}
  main:
    type: OS::Heat::None
    properties:
      maybe: {if: [is_big, {get_resource: extra}, none]}
      always: {get_attr: [extra, name]}
`);
    const params = await resolveParameters(t, emptyEnvironment(), {});
    const conditions = evaluateConditions(t, params);
    const ctx = { stack: { name: 's', id: 'i', projectId: 'p' }, params, conditions, resourceRef: () => 'id', resourceAttr: () => 'v' };
    assert.deepEqual([...(dependencies(t, conditions).get('main') ?? [])], []);
    assert.equal(resolve(t, (t.resources.main?.properties as Record<string, unknown>).maybe, ctx), 'none');
    assert.throws(() => resolve(t, t.resources.main?.properties, ctx, ['resources', 'main', 'properties']),
      (e: unknown) => e instanceof TemplateError && /resources.main.properties.always.get_attr: The specified reference "extra" \(in get_attr\) is incorrect: its condition is false/.test(e.message));
  });
});
