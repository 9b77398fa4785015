/**
 * The one error the template language throws. It is a BadRequest so the platform's fault table turns it
 * into Heat's 400 without the API knowing about templates.
 */
import { BadRequest } from '../../platform/errors.js';

export type TemplatePath = readonly (string | number)[];

/** The exception class Heat raises for each kind of problem: its API reports it as `error.type`. */
export type HeatErrorType =
  | 'StackValidationFailed' | 'InvalidTemplateVersion' | 'RequestLimitExceeded' | 'UserParameterMissing'
  | 'UnknownUserParameter' | 'ImmutableParameterModified' | 'InvalidTemplateReference' | 'HTTPBadRequest';

/**
 * A template/environment/parameter problem: becomes a Heat 400. `path` says where, e.g.
 * ['resources','srv','properties','image']. `problem` is the bare reason; `message` is
 * `<dotted path>: <problem>` like Heat's StackValidationFailed, so a client sees both the what and the where.
 * `heatType` is the exception Heat would raise (for the body's error.type); the class name stays ours.
 */
export class TemplateError extends BadRequest {
  readonly path: TemplatePath;
  readonly problem: string;
  readonly heatType: HeatErrorType;
  constructor(problem: string, path: TemplatePath = [], options: { cause?: unknown; heatType?: HeatErrorType } = {}) {
    super(path.length > 0 ? `${formatPath(path)}: ${problem}` : problem, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'TemplateError';
    this.path = [...path];
    this.problem = problem;
    this.heatType = options.heatType ?? 'StackValidationFailed';
  }

  /** The same problem, seen from further out: `prefix` is prepended to the path. */
  under(prefix: TemplatePath): TemplateError {
    return new TemplateError(this.problem, [...prefix, ...this.path], { cause: this.cause, heatType: this.heatType });
  }
}

/** Heat prints paths dotted, list indexes included: resources.srv.properties.networks.0.port */
export function formatPath(path: TemplatePath): string {
  return path.map(String).join('.');
}

/** Throws a TemplateError at `path`. A function so expressions can throw (`x ?? fail(...)`). */
export function fail(problem: string, path: TemplatePath = []): never {
  throw new TemplateError(problem, path);
}
