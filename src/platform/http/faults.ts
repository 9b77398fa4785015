/**
 * Turns any thrown value into a status and that API's OpenStack error body. Each service picks one
 * renderer in its index.ts; nothing else builds an error body.
 */
import { STATUS_CODES } from 'node:http';
import { Fault, isFault } from '../errors.js';

/** What every renderer receives: a status, a client-safe message, and headers the fault asks for. */
export interface FaultInfo {
  status: number;
  message: string;
  headers: Record<string, string>;
  /** The fault's class name (e.g. 'NotFound'); some APIs expose it as a type. */
  type: string;
}

export interface RenderedFault {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type FaultRenderer = (fault: FaultInfo) => RenderedFault;

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: unknown;
  message?: string;
}

const FASTIFY_CODES: Readonly<Record<string, { status: number; message?: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: 'Request Entity Too Large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: 'Request body size did not match Content-Length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'Body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'Malformed request body: not valid JSON' },
  FST_ERR_BAD_URL: { status: 400, message: 'Malformed request URL' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, message: 'Malformed request' },
};

/**
 * Classifies an error. Typed faults keep their status; Fastify's own errors for bad input become 4xx;
 * anything else is an internal error whose details are not shown to the client.
 */
export function classify(err: unknown): FaultInfo {
  if (isFault(err)) {
    return { status: err.status, message: err.message, headers: err.headers, type: err.name };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  if (e.validation !== undefined) {
    return { status: 400, message: e.message ?? 'Invalid input', headers: {}, type: 'ValidationError' };
  }
  if (e.code !== undefined && FASTIFY_CODES[e.code]) {
    const { status, message } = FASTIFY_CODES[e.code]!;
    return { status, message: message ?? e.message ?? 'Bad request', headers: {}, type: 'BadRequest' };
  }
  if (err instanceof SyntaxError) {
    return { status: 400, message: 'Malformed request body: not valid JSON', headers: {}, type: 'BadRequest' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, message: e.message ?? STATUS_CODES[e.statusCode] ?? 'Bad request', headers: {}, type: 'BadRequest' };
  }
  return {
    status: 500,
    message: 'An unexpected error prevented the server from fulfilling your request.',
    headers: {},
    type: 'InternalError',
  };
}

/** The standard reason phrase of a status ("Not Found"). */
export function title(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** Keystone: `{"error": {"code", "title", "message"}}`, and WWW-Authenticate on 401. */
export function keystoneFaults(publicUrl: string): FaultRenderer {
  return (fault) => {
    const headers = { ...fault.headers };
    if (fault.status === 401 && headers['www-authenticate'] === undefined) {
      headers['www-authenticate'] = `Keystone uri="${publicUrl}"`;
    }
    return {
      status: fault.status,
      headers,
      body: { error: { code: fault.status, title: fault.status === 413 ? 'Request Entity Too Large' : title(fault.status), message: fault.message } },
    };
  };
}

/** Nova's key per status; anything unlisted is a computeFault (nova/api/openstack/wsgi.py). */
const NOVA_FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova: `{"itemNotFound": {"code": 404, "message": …}}`. */
export function novaFaults(): FaultRenderer {
  return (fault) => ({
    status: fault.status,
    headers: fault.headers,
    body: { [NOVA_FAULT_NAMES[fault.status] ?? 'computeFault']: { code: fault.status, message: fault.message } },
  });
}

export { Fault };
