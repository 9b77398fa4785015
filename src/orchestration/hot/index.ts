/** The HOT template language: parsing, checking and evaluating templates, environments and parameters.
 * Pure: no HTTP, no SQL; the orchestration engine and API build on it. */
export { TemplateError, formatPath, type TemplatePath } from './errors.js';
export { HOT_VERSIONS, functionsOf, parseVersion, type HotVersion } from './versions.js';
export type {
  Constraint, DeletionPolicy, OutputDef, ParameterDef, ParameterType, ParameterValues, ResolveContext, ResourceDef,
  StackIdentity, Template,
} from './types.js';
export { PSEUDO_PARAMETERS } from './types.js';
export { loadTemplate, MAX_RESOURCES } from './template.js';
export { MAX_TEMPLATE_BYTES } from './parse.js';
export { loadEnvironment, resolveType, emptyEnvironment, environmentFromRaw, type Environment } from './environment.js';
export { mergeEnvironments, mergeEnvironmentFiles } from './env-merge.js';
export { resolveParameters, type ConstraintChecker } from './parameters.js';
export { evaluateConditions, conditionHolds, inlineConditionKey } from './conditions.js';
export { resolve, isElided } from './evaluate.js';
export { activeResources, dependencies } from './dependencies.js';
export { formatValidateParameter, formatValidateParameters } from './validate-format.js';
