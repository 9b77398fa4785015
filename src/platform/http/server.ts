/**
 * Builds a Fastify app for one OpenStack API: request ids, JSON parsing that never throws past the
 * error handler, body limits, request logging, and the one error handler that renders that API's faults.
 * The app is built apart from `listen()` so tests can drive it with `inject()`.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { BadRequest, NotFound } from '../errors.js';
import { classify, type FaultRenderer } from './faults.js';

export interface HttpAppOptions {
  /** The service's logger; each request logs through a child carrying its request id. */
  logger: Logger;
  /** Renders faults in this API's error body. */
  renderFault: FaultRenderer;
  /** Largest body accepted; larger gets 413. */
  bodyLimit?: number;
}

/** Deepest JSON nesting a body may have; deeper is a 400 (no API needs more, and deep trees cost stack). */
export const MAX_JSON_DEPTH = 64;

/**
 * What makes a parsed JSON body unacceptable to every API: nesting deeper than `max`, or a NUL character
 * in a string or key (no OpenStack field allows one, and PostgreSQL text cannot store it). Iterative, so
 * the check itself cannot overflow the stack.
 */
export function jsonProblem(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return 'a string contains a NUL character';
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return `nested deeper than ${max} levels`;
    for (const [key, child] of Object.entries(v)) {
      if (key.includes('\0')) return 'a key contains a NUL character';
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

/**
 * Fastify's Ajv compiler, made lazy: a route's body schema is compiled on its first request instead of at
 * start-up. An API has a hundred routes with schemas and most are rarely called; compiling all of them
 * up front is most of an idle server's heap.
 */
function lazyValidatorFactory(): (externalSchemas: unknown, ajvOptions: unknown) => (route: unknown) => Validator {
  const factory = (AjvCompiler as unknown as () => (externalSchemas: unknown, ajvOptions: unknown) => (route: unknown) => Validator)();
  return (externalSchemas, ajvOptions) => {
    const compile = factory(externalSchemas, ajvOptions);
    return (route) => {
      let compiled: Validator | undefined;
      const validate: Validator = (data) => {
        compiled ??= compile(route);
        const ok = compiled(data);
        validate.errors = compiled.errors;
        return ok;
      };
      return validate;
    };
  };
}

/** Header every response carries, as every OpenStack service does. */
export const REQUEST_ID_HEADER = 'x-openstack-request-id';

/** Sends a fault for `err` in the app's format. Exposed for hooks that answer before routing. */
export function sendFault(reply: FastifyReply, renderFault: FaultRenderer, err: unknown): FastifyReply {
  const info = { ...classify(err), accept: reply.request.headers.accept };
  if (info.status >= 500) reply.log.error({ err }, 'request failed');
  const rendered = renderFault(info);
  return reply.code(rendered.status).headers(rendered.headers).type(rendered.contentType ?? 'application/json').send(rendered.body);
}

/** Reads and discards the rest of a request body, up to a cap in bytes and time. */
function drain(stream: import('node:http').IncomingMessage, maxBytes = 32 * 1024 * 1024, maxMs = 10000): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (): void => {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish();
    };
    const timer = setTimeout(finish, maxMs);
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
    stream.resume();
  });
}

/** A whole HTTP/1.1 response as text, for answers written straight to a socket. */
function rawResponse(renderFault: FaultRenderer, status: number, message: string): string {
  const rendered = renderFault({ status, message, headers: {}, type: 'BadRequest' });
  const body = JSON.stringify(rendered.body);
  const headers = {
    ...rendered.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    [REQUEST_ID_HEADER]: `req-${randomUUID()}`,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Creates the app. Register routes on it, then `listen()`. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { renderFault } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // We log each request once, on response, with its status and duration (see onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req-${randomUUID()}`,
    requestIdHeader: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // OpenStack servers accept a trailing slash anywhere (Tempest's clients send `/trusts/`).
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Stopping must not wait for clients' idle keep-alive connections (up to 72 s).
    forceCloseConnections: true,
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() as never } },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false } },
    schemaErrorFormatter: (errors, dataVar) => {
      const first = errors[0];
      const field = (first?.instancePath ?? '').split('/').filter(Boolean).pop() ?? dataVar;
      const detail = first?.keyword === 'additionalProperties'
        ? `Additional properties are not allowed ('${String((first.params as { additionalProperty?: string }).additionalProperty)}' was unexpected)`
        : first?.keyword === 'required'
          ? `'${String((first.params as { missingProperty?: string }).missingProperty)}' is a required property`
          : `${first?.message ?? 'is invalid'}`;
      return new BadRequest(`Invalid input for field '${field}': ${detail}`);
    },
    // Requests too malformed to parse never reach a route: answer them in the API's body too.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return; }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      socket.end(rawResponse(renderFault, status, status === 431 ? 'Request header fields too large' : 'Malformed HTTP request'));
    },
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      void sendFault(reply, renderFault, err);
    },
  });

  // JSON for any content type: OpenStack clients sometimes omit or vary the header. An empty body is
  // "no body", not an error, so DELETE/GET with a stray Content-Type still work.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    parseJson(req, text, (err: Error | null, value: unknown) => {
      if (err) return done(new BadRequest('Malformed request body: not valid JSON', { cause: err }), undefined);
      const problem = jsonProblem(value);
      if (problem) return done(new BadRequest(`Malformed request body: ${problem}`), undefined);
      done(null, value);
    });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (/%00|\0/.test(request.url)) throw new BadRequest('The request URL contains a NUL character.');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });
  app.setErrorHandler(async (err, request, reply) => {
    // An oversized upload is still arriving when we refuse it: read (and drop) the rest first, so the
    // client, which is still writing, gets to read the 413 instead of a reset connection.
    if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' && !request.raw.complete) await drain(request.raw);
    return sendFault(reply, renderFault, err);
  });
  // Node answers an unsupported Expect header itself with a bare 417; answer in the API's body instead.
  app.server.on('checkExpectation', (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const rendered = renderFault({ status: 417, message: `Expectation ${String(req.headers.expect)} is not supported.`, headers: {}, type: 'BadRequest' });
    res.writeHead(417, { ...rendered.headers, 'content-type': 'application/json', [REQUEST_ID_HEADER]: `req-${randomUUID()}`, connection: 'close' });
    res.end(JSON.stringify(rendered.body));
  });
  // CONNECT is not routed by Node's HTTP server; without a listener the socket would just close.
  app.server.on('connect', (_req, socket: import('node:stream').Duplex) => {
    socket.end(rawResponse(renderFault, 405, 'The CONNECT method is not supported.'));
  });
  app.setNotFoundHandler((_request, reply) => sendFault(reply, renderFault, new NotFound('The resource could not be found.')));
  return app;
}
