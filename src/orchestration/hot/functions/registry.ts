/** Every function implementation by the FnImpl name versions.ts selects, and how a name is looked up in
 * a version and a context, with the errors for names the version or the place does not allow. */
import { TemplateError, type TemplatePath } from '../errors.js';
import { conditionFunction, valueFunction, type FnImpl, type HotVersion } from '../versions.js';
import { CFN_FUNCTIONS } from './cfn.js';
import { COLLECTION_FUNCTIONS } from './collections.js';
import { CONDITION_FUNCTIONS, YAQL_UNSUPPORTED } from './conditions.js';
import { REFERENCE_FUNCTIONS } from './references.js';
import { STRING_FUNCTIONS } from './strings.js';
import type { FnDef, WalkMode } from './types.js';
import { isFunctionName } from './args.js';

const REGISTRY: Partial<Record<FnImpl, FnDef>> = {
  ...REFERENCE_FUNCTIONS, ...STRING_FUNCTIONS, ...COLLECTION_FUNCTIONS, ...CONDITION_FUNCTIONS, ...CFN_FUNCTIONS,
};

export { isFunctionName };

/** The implementation of a call, or the TemplateError naming the function, the version and the place. */
export function lookup(version: HotVersion, name: string, mode: WalkMode, path: TemplatePath): FnDef {
  const impl = mode === 'value' ? valueFunction(version, name) : conditionFunction(version, name);
  if (impl === undefined) {
    if (name === 'yaql' && (valueFunction(version, name) !== undefined || conditionFunction(version, name) !== undefined)) {
      throw new TemplateError(YAQL_UNSUPPORTED, path);
    }
    if (mode === 'value' && conditionFunction(version, name) !== undefined) {
      throw new TemplateError(`The function "${name}" is only allowed in conditions (the conditions section, "if" and "condition"), not here`, path);
    }
    const asValue = valueFunction(version, name);
    if (mode !== 'value' && asValue !== undefined && asValue !== 'removed') {
      throw new TemplateError(`The function "${name}" is invalid in this context: only condition functions are allowed in conditions`, path);
    }
    throw new TemplateError(`The function "${name}" is not supported in HOT version ${version}`, path);
  }
  if (impl === 'removed') {
    throw new TemplateError(`The template version is invalid: The function ${name} is not supported in this version of HOT (${version}).`, path, { heatType: 'InvalidTemplateVersion' });
  }
  const def = REGISTRY[impl];
  if (def === undefined) throw new TemplateError(`The function "${name}" is not supported by Flotilla`, path);
  return def;
}
