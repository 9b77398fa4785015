/**
 * HTTP on the wire for robustness tests: node:http for ordinary requests (with duplicate headers and
 * any method) and raw TCP for requests no well-behaved client would send (broken framing, bad
 * request lines, bytes outside latin-1). Both report what came back, or that nothing did, instead of
 * throwing, so a test can count dropped connections as findings.
 */
import http from 'node:http';
import net from 'node:net';

export interface WireResponse {
  kind: 'response';
  status: number;
  /** Lower-case header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  text: string;
}

/** No HTTP response: the connection was reset or closed, or nothing came before the timeout. */
export interface WireFailure {
  kind: 'failure';
  reason: string;
}

export type WireResult = WireResponse | WireFailure;

export interface WireRequest {
  method: string;
  /** Path and query, sent as is (no re-encoding). */
  path: string;
  /** A value array sends the header once per value. */
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/**
 * Sends one request through node:http on a fresh connection: a pooled one could have been closed by
 * the server after an earlier error, and the client's failure would then look like the server's.
 */
export function send(base: URL, req: WireRequest): Promise<WireResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: WireResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | string[] | number> = { ...req.headers };
    if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) {
      headers['content-length'] = body.length;
    }
    let r: http.ClientRequest;
    try {
      r = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ kind: 'failure', reason: `response error: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          done({ kind: 'response', status: res.statusCode ?? 0, headers: out, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
    } catch (err) {
      // node:http refuses to send some headers or methods itself: not the server's doing.
      done({ kind: 'failure', reason: `client refused: ${(err as Error).message}` });
      return;
    }
    r.setTimeout(req.timeoutMs ?? 30000, () => {
      done({ kind: 'failure', reason: 'timeout' });
      r.destroy();
    });
    r.on('error', (err) => done({ kind: 'failure', reason: (err as NodeJS.ErrnoException).code ?? err.message }));
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/**
 * Writes raw bytes to a fresh connection and parses one HTTP/1.1 response (Content-Length or
 * read-to-close bodies; chunked bodies are de-chunked). `halfClose` ends our side after writing.
 */
export function sendRaw(base: URL, bytes: Buffer | string, opts: { timeoutMs?: number; halfClose?: boolean; sliceBytes?: number } = {}): Promise<WireResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (r: WireResult): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(r);
    };
    const tryParse = (final: boolean): void => {
      const parsed = parseResponse(Buffer.concat(chunks), final);
      if (parsed) done(parsed);
      else if (final) done({ kind: 'failure', reason: chunks.length === 0 ? 'closed without a response' : 'unparseable response' });
    };
    socket.setTimeout(opts.timeoutMs ?? 15000, () => done({ kind: 'failure', reason: 'timeout' }));
    // With sliceBytes, write as a blocking client does (one slice after the other), stopping once an
    // answer arrives; otherwise hand everything to the socket at once.
    const writeSlices = async (data: Buffer, size: number): Promise<void> => {
      for (let pos = 0; pos < data.length && chunks.length === 0 && !settled; pos += size) {
        if (!(await new Promise<boolean>((resolve) => socket.write(data.subarray(pos, pos + size), (err) => resolve(!err))))) return;
      }
    };
    socket.on('connect', () => {
      if (opts.sliceBytes) {
        void writeSlices(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), opts.sliceBytes).then(() => { if (opts.halfClose && !settled) socket.end(); });
        return;
      }
      socket.write(bytes);
      if (opts.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (err) => {
      if (chunks.length > 0) tryParse(true);
      else done({ kind: 'failure', reason: (err as NodeJS.ErrnoException).code ?? err.message });
    });
  });
}

/** Parses a complete response from `buf`, or returns undefined if more bytes are needed. */
function parseResponse(buf: Buffer, final: boolean): WireResponse | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return undefined;
  // Interim responses (100 Continue) precede the real one.
  if (m[1]!.startsWith('1')) return parseResponse(buf.subarray(end + 4), final);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  const status = Number(m[1]);
  let body = buf.subarray(end + 4);
  if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (body.length < len) return undefined;
    body = body.subarray(0, len);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', pos);
      if (eol < 0) return final ? { kind: 'response', status, headers, text: Buffer.concat(out).toString('utf8') } : undefined;
      const size = parseInt(body.subarray(pos, eol).toString('latin1'), 16);
      if (size === 0) break;
      if (body.length < eol + 2 + size) return final ? { kind: 'response', status, headers, text: Buffer.concat(out).toString('utf8') } : undefined;
      out.push(body.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    body = Buffer.concat(out);
  } else if (status !== 204 && status !== 304 && !final) {
    return undefined;
  }
  return { kind: 'response', status, headers, text: body.toString('utf8') };
}
