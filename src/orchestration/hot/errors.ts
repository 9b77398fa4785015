/**
 * The one error the template language throws. It is a BadRequest so the platform's fault table turns it
 * into Heat's 400 without the API knowing about templates.
 */
import { BadRequest } from '../../platform/errors.js';

export type TemplatePath = readonly (string | number)[];

/**
 * A template/environment/parameter problem: becomes a Heat 400. `path` says where, e.g.
 * ['resources','srv','properties','image']. `problem` is the bare reason; `message` is
 * `<dotted path>: <problem>` like Heat's StackValidationFailed, so a client sees both the what and the where.
 */
export class TemplateError extends BadRequest {
  readonly path: TemplatePath;
  readonly problem: string;
  constructor(problem: string, path: TemplatePath = [], options: { cause?: unknown } = {}) {
    super(path.length > 0 ? `${formatPath(path)}: ${problem}` : problem, options);
    this.name = 'TemplateError';
    this.path = [...path];
    this.problem = problem;
  }

  /** The same problem, seen from further out: `prefix` is prepended to the path. */
  under(prefix: TemplatePath): TemplateError {
    return new TemplateError(this.problem, [...prefix, ...this.path], { cause: this.cause });
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
