/**
 * The errors every service's domain code throws. Each maps to one HTTP status in `http/faults.ts`;
 * nothing else decides a status or builds an error body.
 */

export interface FaultOptions {
  cause?: unknown;
  /** Extra response headers, e.g. WWW-Authenticate on 401. */
  headers?: Record<string, string>;
}

/** Base of all typed faults: carries a client-safe message. */
export abstract class Fault extends Error {
  abstract readonly status: number;
  readonly headers: Record<string, string>;
  constructor(message: string, options: FaultOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.headers = options.headers ?? {};
  }
}

/** The request is malformed or fails validation. */
export class BadRequest extends Fault { readonly status = 400; }
/** The caller did not prove who it is, or the proof is no longer valid. */
export class Unauthorized extends Fault { readonly status = 401; }
/** The caller is known but not allowed to do this. */
export class Forbidden extends Fault { readonly status = 403; }
/** No such resource, or not one the caller may see. */
export class NotFound extends Fault { readonly status = 404; }
/** The resource exists but does not support this method. */
export class MethodNotAllowed extends Fault { readonly status = 405; }
/** The requested representation or API version cannot be served. */
export class NotAcceptable extends Fault { readonly status = 406; }
/** The request clashes with the current state (duplicate name, resource in use). */
export class Conflict extends Fault { readonly status = 409; }
/** The resource existed and is gone for good. */
export class Gone extends Fault { readonly status = 410; }
/** The request body is larger than the service accepts. */
export class PayloadTooLarge extends Fault { readonly status = 413; }
/** A quota or rate limit would be exceeded. */
export class OverLimit extends Fault { readonly status = 413; }
/** The request body's media type is not one the service reads. */
export class UnsupportedMediaType extends Fault { readonly status = 415; }
/** The operation is recognised but this deployment does not implement it. */
export class NotImplemented extends Fault { readonly status = 501; }
/** A dependency is not reachable right now; retrying later may work. */
export class Unavailable extends Fault { readonly status = 503; }

/** Which typed fault a client rethrows for each status its service may answer. */
export type FaultTable = Readonly<Partial<Record<number, new (message: string) => Fault>>>;

/**
 * The typed fault for an error status another service answered, so a client's caller can rethrow it as
 * its own; a status the client's table does not name means the service failed (Unavailable).
 */
export function faultFromStatus(service: string, table: FaultTable, status: number, message: string): Fault {
  const Class = table[status];
  return Class ? new Class(message) : new Unavailable(`${service} service answered ${status}: ${message}`);
}

/** True for any typed fault. */
export function isFault(err: unknown): err is Fault {
  return err instanceof Fault;
}
