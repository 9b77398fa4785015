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
  /** The request's Accept header, for APIs whose error body follows it (Glance's, through webob). */
  accept?: string | undefined;
  /** A body the fault brings whole (Magnum's microversion 406), for renderers that honour it. */
  body?: unknown;
}

export interface RenderedFault {
  status: number;
  headers: Record<string, string>;
  /** Sent as JSON unless `contentType` says otherwise (then it is a string). */
  body: unknown;
  contentType?: string;
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
    const own = (err as { body?: unknown }).body;
    return { status: err.status, message: err.message, headers: err.headers, type: err.name, ...(own !== undefined ? { body: own } : {}) };
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

/** The body webob would choose for an Accept header: `text/html` and `application/json` offered in that order. */
export function webobBodyType(accept: string | undefined): 'html' | 'json' | 'plain' {
  if (accept === undefined || accept.trim() === '') return 'html';
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.trim().split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q === undefined ? 1 : Number(q.slice(2)) || 0 };
  });
  // Each offer takes the q of the most specific range that matches it.
  const qFor = (offer: string): number => {
    const [major] = offer.split('/');
    const exact = ranges.find((r) => r.type === offer) ?? ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*');
    return exact?.q ?? 0;
  };
  const html = qFor('text/html');
  const json = qFor('application/json');
  if (html <= 0 && json <= 0) return 'plain';
  return json > html ? 'json' : 'html';
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Glance: its faults are webob's, whose body follows the Accept header: JSON `{"message", "code": "404 Not
 * Found", "title"}` for clients that ask for JSON (Tempest, openstacksdk), an HTML page otherwise (what
 * glanceclient, which accepts any type, parses), plain text when neither is acceptable. A 401 comes from
 * keystonemiddleware in front of Glance: Keystone's JSON body and WWW-Authenticate.
 */
export function glanceFaults(identityUrl: string): FaultRenderer {
  const keystone401 = keystoneFaults(identityUrl);
  return (fault) => {
    if (fault.status === 401) return keystone401(fault);
    const reason = fault.status === 413 ? 'Request Entity Too Large' : title(fault.status);
    const status = `${fault.status} ${reason}`;
    switch (webobBodyType(fault.accept)) {
      case 'json':
        return { status: fault.status, headers: fault.headers, body: { message: fault.message, code: status, title: reason } };
      case 'html':
        return {
          status: fault.status, headers: fault.headers, contentType: 'text/html; charset=UTF-8',
          body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${escapeHtml(fault.message)}<br /><br />\n\n\n\n </body>\n</html>`,
        };
      case 'plain':
        return { status: fault.status, headers: fault.headers, contentType: 'text/plain; charset=UTF-8', body: `${status}\n\n${fault.message}\n\n   ` };
    }
  };
}

export { Fault };

/** webob's exception class for a status, which Neutron reports as the type of faults it did not name. */
const WEBOB_TYPES: Readonly<Record<number, string>> = {
  400: 'HTTPBadRequest',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  406: 'HTTPNotAcceptable',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  417: 'HTTPExpectationFailed',
  431: 'HTTPRequestHeaderFieldsTooLarge',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
  503: 'HTTPServiceUnavailable',
};

/**
 * The platform's generic fault names: Neutron shows these as webob's class for the status. `BadRequest`
 * stays as it is: neutron-lib has an exception of that name, which Neutron raises for bad query parameters.
 */
const GENERIC_TYPES: ReadonlySet<string> = new Set([
  'ValidationError', 'Unauthorized', 'Forbidden', 'NotFound', 'MethodNotAllowed', 'NotAcceptable', 'Conflict',
  'Gone', 'PayloadTooLarge', 'OverLimit', 'UnsupportedMediaType', 'NotImplemented', 'Unavailable', 'InternalError',
]);

/**
 * Neutron: `{"NeutronError": {"type", "message", "detail": ""}}` (neutron/api/api_common.py), the type being
 * the exception's class name (`NetworkNotFound`, `IpAddressAlreadyAllocated`, …) or webob's for faults
 * Neutron does not name. A 401 comes from keystonemiddleware in front of Neutron: Keystone's body.
 */
export function neutronFaults(identityUrl: string): FaultRenderer {
  const keystone401 = keystoneFaults(identityUrl);
  return (fault) => {
    if (fault.status === 401) return keystone401(fault);
    const type = GENERIC_TYPES.has(fault.type) ? (WEBOB_TYPES[fault.status] ?? 'HTTPBadRequest') : fault.type;
    const message = fault.status >= 500 && fault.type === 'InternalError'
      ? 'Request Failed: internal server error while processing your request.'
      : fault.message;
    return { status: fault.status, headers: fault.headers, body: { NeutronError: { type, message, detail: '' } } };
  };
}

/** webob's explanation per status, which Heat's fault middleware puts in `explanation`. */
const WEBOB_EXPLANATIONS: Readonly<Record<number, string>> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'The request is larger than the server is willing or able to process.',
  415: 'The request media type is not supported by this server.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
  501: 'The server does not support the functionality required to fulfill the request.',
  503: 'The server is currently unavailable. Please try again at a later time.',
};

/**
 * Heat: `{"explanation", "code", "error": {"message", "type", "traceback": null}, "title"}`
 * (heat/api/middleware/fault.py). The type is Heat's exception class (StackValidationFailed,
 * EntityNotFound, …); the template language's TemplateError is Heat's StackValidationFailed, and generic
 * faults show webob's class. A 401 comes from keystonemiddleware in front of Heat: Keystone's body.
 */
export function heatFaults(identityUrl: string): FaultRenderer {
  const keystone401 = keystoneFaults(identityUrl);
  return (fault) => {
    if (fault.status === 401) return keystone401(fault);
    const type = fault.type === 'TemplateError' || fault.type === 'ValidationError' ? 'StackValidationFailed'
      : GENERIC_TYPES.has(fault.type) || fault.type === 'BadRequest' ? (WEBOB_TYPES[fault.status] ?? 'HTTPBadRequest') : fault.type;
    const message = fault.status >= 500 && fault.type === 'InternalError' ? 'An unexpected error occurred; it has been logged.' : fault.message;
    return {
      status: fault.status,
      headers: fault.headers,
      body: {
        explanation: WEBOB_EXPLANATIONS[fault.status] ?? title(fault.status),
        code: fault.status,
        error: { message, type, traceback: null },
        title: fault.status === 413 ? 'Request Entity Too Large' : title(fault.status),
      },
    };
  };
}

/**
 * Magnum: `{"errors": [{"request_id": "", "code": "client"|"server", "status", "title", "detail", "links": []}]}`
 * (magnum/api/middleware/parsable_error.py), the title being the message up to its first period. A fault
 * that brings its own body (the microversion 406) keeps it. A 401 comes from
 * keystonemiddleware in front of Magnum: Keystone's body.
 */
export function magnumFaults(identityUrl: string): FaultRenderer {
  const keystone401 = keystoneFaults(identityUrl);
  return (fault) => {
    if (fault.status === 401) return keystone401(fault);
    if (fault.body !== undefined) return { status: fault.status, headers: fault.headers, body: fault.body };
    const detail = fault.status >= 500 && fault.type === 'InternalError' ? 'An unexpected error prevented the server from fulfilling your request.' : fault.message;
    const dot = detail.indexOf('.');
    const titleText = dot > 0 ? detail.slice(0, dot) : detail;
    return {
      status: fault.status,
      headers: fault.headers,
      body: { errors: [{ request_id: '', code: fault.status >= 500 ? 'server' : 'client', status: fault.status, title: titleText, detail, links: [] }] },
    };
  };
}
