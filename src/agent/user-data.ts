/**
 * user_data as the server's init runs it: a shell script, or cloud-config's `runcmd`, `bootcmd`,
 * `write_files` and `ssh_authorized_keys` turned into one (the image may have no Python, so no
 * cloud-init), or a multipart MIME message of those. The conversion happens here, on the host; what
 * cannot be run is said on the console instead of failing the boot.
 */
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';

export interface UserDataPlan {
  /** An executable script (with its own `#!` line), or undefined when there is nothing to run. */
  script: string | undefined;
  /** Keys for root's authorized_keys found in cloud-config. */
  authorizedKeys: string[];
  /** What was ignored and why; echoed on the console by the script. */
  notes: string[];
}

/** Quotes a word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A printf format that reproduces `data` byte for byte (octal escapes for anything not plain). */
function printfFormat(data: Buffer): string {
  let out = '';
  for (const b of data) {
    if (b === 0x25) out += '%%';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f && b !== 0x27) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

interface WriteFile {
  path?: unknown;
  content?: unknown;
  encoding?: unknown;
  permissions?: unknown;
  owner?: unknown;
  append?: unknown;
  defer?: unknown;
}

function decodeContent(content: string, encoding: string | undefined): Buffer {
  switch ((encoding ?? 'text/plain').toLowerCase()) {
    case 'b64': case 'base64': return Buffer.from(content, 'base64');
    case 'gz+b64': case 'gzip+base64': case 'gz+base64': case 'gzip+b64': return gunzipSync(Buffer.from(content, 'base64'));
    default: return Buffer.from(content, 'utf8');
  }
}

function writeFileCommands(f: WriteFile): string[] {
  if (typeof f.path !== 'string' || !f.path.startsWith('/')) return [`echo ${shQuote(`flotilla: write_files entry without an absolute path skipped`)}`];
  const p = shQuote(f.path);
  const data = decodeContent(typeof f.content === 'string' ? f.content : '', typeof f.encoding === 'string' ? f.encoding : undefined);
  const perms = typeof f.permissions === 'string' || typeof f.permissions === 'number' ? String(f.permissions) : '0644';
  const lines = [`mkdir -p "$(dirname ${p})"`, `printf '${printfFormat(data).replace(/'/g, `'\\''`)}' ${f.append === true ? '>>' : '>'} ${p}`];
  if (/^0?[0-7]{3,4}$/.test(perms)) lines.push(`chmod ${perms} ${p}`);
  if (typeof f.owner === 'string') lines.push(`chown ${shQuote(f.owner)} ${p} 2>/dev/null || true`);
  return lines;
}

/** One runcmd/bootcmd entry: a string runs through sh, a list is an argv. */
function commandLine(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry) && entry.every((a) => typeof a === 'string' || typeof a === 'number')) return entry.map((a) => shQuote(String(a))).join(' ');
  return undefined;
}

const SUPPORTED = new Set(['write_files', 'runcmd', 'bootcmd', 'ssh_authorized_keys', 'hostname', 'fqdn', 'preserve_hostname']);

/** cloud-config as shell lines (no `#!`), plus the keys it wants for root. */
function cloudConfig(text: string, notes: string[]): { lines: string[]; keys: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    notes.push(`cloud-config is not valid YAML (${(err as Error).message.split('\n')[0]}): ignored`);
    return { lines: [], keys: [] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    notes.push('cloud-config is not a mapping: ignored');
    return { lines: [], keys: [] };
  }
  const cfg = doc as Record<string, unknown>;
  for (const k of Object.keys(cfg)) if (!SUPPORTED.has(k)) notes.push(`cloud-config key ${k} is not supported here: ignored`);
  const lines: string[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const c of list(cfg.bootcmd)) { const l = commandLine(c); if (l) lines.push(l); }
  const files = list(cfg.write_files).filter((f): f is WriteFile => typeof f === 'object' && f !== null);
  for (const f of files.filter((x) => x.defer !== true)) lines.push(...writeFileCommands(f));
  for (const c of list(cfg.runcmd)) {
    const l = commandLine(c);
    if (l) lines.push(l); else notes.push('a runcmd entry that is neither a string nor a list was skipped');
  }
  for (const f of files.filter((x) => x.defer === true)) lines.push(...writeFileCommands(f));
  const keys = list(cfg.ssh_authorized_keys).filter((k): k is string => typeof k === 'string').map((k) => k.trim());
  return { lines, keys };
}

interface Part { type: string; body: Buffer }

/** Splits a multipart MIME message into its leaf parts (nested multiparts flattened). */
function mimeParts(raw: string): Part[] | undefined {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  if (headerEnd < 0) return undefined;
  const headers = raw.slice(0, headerEnd).replace(/\r?\n[ \t]+/g, ' ');
  const ctype = /^content-type:\s*([^;\r\n]+)(.*)$/im.exec(headers);
  if (!ctype) return undefined;
  const type = ctype[1]!.trim().toLowerCase();
  const body = raw.slice(headerEnd).replace(/^\r?\n\r?\n/, '');
  if (!type.startsWith('multipart/')) {
    const base64 = /^content-transfer-encoding:\s*base64/im.test(headers);
    return [{ type, body: base64 ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8') }];
  }
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(ctype[2] ?? '')?.[1];
  if (!boundary) return undefined;
  const parts: Part[] = [];
  const chunks = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
  for (const chunk of chunks.slice(1)) {
    if (!chunk.trim()) continue;
    parts.push(...(mimeParts(chunk) ?? []));
  }
  return parts;
}

/** What a piece of user data is, by its first line (as cloud-init tells them apart). */
function kindOf(text: string): 'script' | 'cloud-config' | 'mime' | 'boothook' | 'include' | 'unknown' {
  if (text.startsWith('#!')) return 'script';
  if (/^#cloud-config\b/.test(text)) return 'cloud-config';
  if (text.startsWith('#cloud-boothook')) return 'boothook';
  if (text.startsWith('#include')) return 'include';
  if (/^(mime-version|content-type):/im.test(text.slice(0, 2000).split(/\r?\n\r?\n/)[0] ?? '')) return 'mime';
  return 'unknown';
}

/** Turns user_data into the script the init runs once per instance. */
export function planUserData(userData: string | Buffer | undefined): UserDataPlan {
  const notes: string[] = [];
  const keys: string[] = [];
  if (userData === undefined || userData.length === 0) return { script: undefined, authorizedKeys: [], notes };
  let raw = Buffer.isBuffer(userData) ? userData : Buffer.from(userData, 'utf8');
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try { raw = gunzipSync(raw); } catch { notes.push('user data looks gzip-compressed but does not decompress: ignored'); }
  }
  const text = raw.toString('utf8');
  const kind = kindOf(text);
  if (kind === 'script') return { script: text, authorizedKeys: [], notes };
  // Everything else becomes one generated script; scripts found in MIME parts keep their own interpreter.
  const lines: string[] = [];
  const pieces: Array<{ type: string; text: string }> = [];
  if (kind === 'mime') {
    for (const p of mimeParts(text) ?? []) pieces.push({ type: p.type, text: p.body.toString('utf8') });
  } else {
    pieces.push({ type: kind, text });
  }
  for (const [i, piece] of pieces.entries()) {
    const k = piece.type === 'text/x-shellscript' || piece.type === 'text/cloud-boothook' ? 'script'
      : piece.type === 'text/cloud-config' ? 'cloud-config' : piece.type.startsWith('text/') ? kindOf(piece.text) : piece.type;
    if (k === 'script' || k === 'boothook') {
      const body = k === 'boothook' || !piece.text.startsWith('#!') ? `#!/bin/sh\n${piece.text.replace(/^#cloud-boothook.*\n/, '')}` : piece.text;
      const file = `/var/lib/flotilla/user-data.part${i}`;
      const tag = `FLOTILLA_PART_${i}_EOF`;
      lines.push(`cat > ${file} <<'${tag}'`, body.replace(/\n?$/, '\n') + tag, `chmod 700 ${file}`, file);
    } else if (k === 'cloud-config') {
      const cc = cloudConfig(piece.text, notes);
      lines.push(...cc.lines);
      keys.push(...cc.keys);
    } else if (k === 'include') {
      notes.push('#include user data needs the network to fetch; not supported: ignored');
    } else {
      notes.push(`user data of type ${k} is not something the init can run: ignored`);
    }
  }
  if (lines.length === 0 && notes.length === 0) return { script: undefined, authorizedKeys: keys, notes };
  const script = ['#!/bin/sh', '# generated by the Flotilla host agent from user_data', ...notes.map((n) => `echo ${shQuote(`flotilla: ${n}`)}`), ...lines, ''].join('\n');
  return { script, authorizedKeys: keys, notes };
}
