/** The shape POST /validate reports each parameter in (heat/engine/api.py format_validate_parameter):
 * CloudFormation-style keys, constraints flattened, constraint descriptions joined. */
import type { Environment } from './environment.js';
import type { ParameterDef, ParameterType, Template } from './types.js';

const API_TYPES: Record<ParameterType, string> = {
  string: 'String', number: 'Number', comma_delimited_list: 'CommaDelimitedList', json: 'Json', boolean: 'Boolean',
};

/** One parameter as /validate shows it. `userDefault` is an environment's parameter_defaults entry,
 * `value` a value the request gave. */
export function formatValidateParameter(def: ParameterDef, userDefault?: unknown, value?: unknown): Record<string, unknown> {
  const res: Record<string, unknown> = {
    Type: API_TYPES[def.type],
    Description: def.description ?? '',
    NoEcho: def.hidden ? 'true' : 'false',
    Label: def.label ?? def.name,
  };
  const dflt = userDefault ?? def.default;
  if (dflt !== undefined && dflt !== null) res.Default = dflt;
  // Heat shows Value only when the given value is truthy in Python's sense.
  const truthy = !(value === undefined || value === null || value === '' || value === false || value === 0
    || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0));
  if (truthy) res.Value = value;
  if (def.tags !== undefined && def.tags.length > 0) res.Tags = def.tags;
  const descriptions: string[] = [];
  for (const c of def.constraints) {
    switch (c.kind) {
      case 'length':
        if (c.min !== undefined) res.MinLength = c.min;
        if (c.max !== undefined) res.MaxLength = c.max;
        break;
      case 'range':
        if (c.min !== undefined) res.MinValue = c.min;
        if (c.max !== undefined) res.MaxValue = c.max;
        break;
      case 'modulo':
        res.Step = c.step;
        res.Offset = c.offset;
        break;
      case 'allowed_values':
        res.AllowedValues = [...c.values];
        break;
      case 'allowed_pattern':
        res.AllowedPattern = c.pattern;
        break;
      case 'custom_constraint':
        res.CustomConstraint = c.name;
        break;
      default: {
        const never: never = c;
        void never;
      }
    }
    if (c.description !== undefined && c.description !== '') descriptions.push(c.description);
  }
  if (descriptions.length > 0) res.ConstraintDescription = descriptions.join(' ');
  return res;
}

/** Every parameter of a template as /validate shows them, with the environment's defaults and values. */
export function formatValidateParameters(t: Template, env: Environment, given: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const def of Object.values(t.parameters)) {
    const value = Object.hasOwn(given, def.name) ? given[def.name] : env.parameters[def.name];
    out[def.name] = formatValidateParameter(def, env.parameterDefaults[def.name], value);
  }
  return out;
}
