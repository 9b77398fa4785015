/**
 * Token wire format. A token is the authenticated encryption (AES-256-GCM) of a compact binary payload;
 * nothing about it is stored. Layout: `version(1) | key fingerprint(4) | iv(12) | ciphertext | tag(16)`,
 * base64url. The version and fingerprint are authenticated as associated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRepository } from '../keys.js';

export const AUTH_METHODS = ['password', 'token', 'application_credential', 'oauth1', 'mapped', 'totp', 'external'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export type TokenScope =
  | { kind: 'unscoped' }
  | { kind: 'project'; projectId: string }
  | { kind: 'domain'; domainId: string }
  | { kind: 'system' };

/** Everything a token asserts. Roles and catalog are recomputed at validation, as Keystone does. */
export interface TokenPayload {
  userId: string;
  methods: AuthMethod[];
  scope: TokenScope;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /** [own, parent, …, root]: revoking any of these revokes this token. */
  auditIds: string[];
  trustId?: string | undefined;
  appCredId?: string | undefined;
  accessTokenId?: string | undefined;
}

const VERSION = 1;
const SCOPES = ['unscoped', 'project', 'domain', 'system'] as const;

class Writer {
  readonly parts: Buffer[] = [];
  u8(n: number): void { this.parts.push(Buffer.from([n])); }
  u48(n: number): void { const b = Buffer.alloc(6); b.writeUIntBE(n, 0, 6); this.parts.push(b); }
  id(s: string): void {
    if (/^[0-9a-f]{32}$/.test(s)) { this.u8(0); this.parts.push(Buffer.from(s, 'hex')); return; }
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 255) throw new Error('id too long for a token');
    this.u8(1); this.u8(bytes.length); this.parts.push(bytes);
  }
  audit(s: string): void {
    const raw = Buffer.from(s, 'base64url');
    if (raw.length !== 16) throw new Error('audit ids are 16 bytes');
    this.parts.push(raw);
  }
}

class Reader {
  #pos = 0;
  constructor(readonly buf: Buffer) {}
  #need(n: number): void { if (this.#pos + n > this.buf.length) throw new Error('truncated'); }
  u8(): number { this.#need(1); return this.buf[this.#pos++]!; }
  u48(): number { this.#need(6); const v = this.buf.readUIntBE(this.#pos, 6); this.#pos += 6; return v; }
  bytes(n: number): Buffer { this.#need(n); const b = this.buf.subarray(this.#pos, this.#pos + n); this.#pos += n; return b; }
  id(): string {
    const tag = this.u8();
    if (tag === 0) return this.bytes(16).toString('hex');
    if (tag === 1) return this.bytes(this.u8()).toString('utf8');
    throw new Error('bad id tag');
  }
  audit(): string { return this.bytes(16).toString('base64url'); }
  done(): boolean { return this.#pos === this.buf.length; }
}

function encodePayload(p: TokenPayload): Buffer {
  const w = new Writer();
  let mask = 0;
  for (const m of p.methods) mask |= 1 << AUTH_METHODS.indexOf(m);
  w.u8(mask);
  w.u8(SCOPES.indexOf(p.scope.kind));
  w.id(p.userId);
  if (p.scope.kind === 'project') w.id(p.scope.projectId);
  if (p.scope.kind === 'domain') w.id(p.scope.domainId);
  w.u48(p.issuedAt);
  w.u48(p.expiresAt);
  w.u8(p.auditIds.length);
  for (const a of p.auditIds) w.audit(a);
  const flags = (p.trustId ? 1 : 0) | (p.appCredId ? 2 : 0) | (p.accessTokenId ? 4 : 0);
  w.u8(flags);
  if (p.trustId) w.id(p.trustId);
  if (p.appCredId) w.id(p.appCredId);
  if (p.accessTokenId) w.id(p.accessTokenId);
  return Buffer.concat(w.parts);
}

function decodePayload(buf: Buffer): TokenPayload {
  const r = new Reader(buf);
  const mask = r.u8();
  const methods = AUTH_METHODS.filter((_, i) => mask & (1 << i));
  const scopeKind = SCOPES[r.u8()];
  if (scopeKind === undefined) throw new Error('bad scope');
  const userId = r.id();
  let scope: TokenScope;
  switch (scopeKind) {
    case 'project': scope = { kind: 'project', projectId: r.id() }; break;
    case 'domain': scope = { kind: 'domain', domainId: r.id() }; break;
    case 'system': scope = { kind: 'system' }; break;
    case 'unscoped': scope = { kind: 'unscoped' }; break;
  }
  const issuedAt = r.u48();
  const expiresAt = r.u48();
  const auditIds: string[] = [];
  for (let n = r.u8(); n > 0; n--) auditIds.push(r.audit());
  const flags = r.u8();
  const trustId = flags & 1 ? r.id() : undefined;
  const appCredId = flags & 2 ? r.id() : undefined;
  const accessTokenId = flags & 4 ? r.id() : undefined;
  if (!r.done()) throw new Error('trailing bytes');
  return { userId, methods, scope, issuedAt, expiresAt, auditIds, trustId, appCredId, accessTokenId };
}

/** Encrypts a payload with the repository's primary key. */
export function sealToken(keys: KeyRepository, payload: TokenPayload): string {
  const key = keys.primary();
  const header = Buffer.concat([Buffer.from([VERSION]), key.fingerprint]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.material, iv);
  cipher.setAAD(header);
  const ct = Buffer.concat([cipher.update(encodePayload(payload)), cipher.final()]);
  return Buffer.concat([header, iv, ct, cipher.getAuthTag()]).toString('base64url');
}

/** Decrypts and authenticates a token; undefined if it is not one of ours or was tampered with. */
export function openToken(keys: KeyRepository, token: string): TokenPayload | undefined {
  if (token.length < 60 || token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  // Node's decoder ignores stray trailing characters; only the canonical encoding is our token.
  if (raw.toString('base64url') !== token) return undefined;
  if (raw.length < 1 + 4 + 12 + 16 + 1 || raw[0] !== VERSION) return undefined;
  const header = raw.subarray(0, 5);
  let key = keys.byFingerprint(raw.subarray(1, 5));
  if (!key) {
    keys.refresh(); // another process may have rotated
    key = keys.byFingerprint(raw.subarray(1, 5));
    if (!key) return undefined;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material, raw.subarray(5, 17));
    decipher.setAAD(header);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(17, raw.length - 16)), decipher.final()]);
    return decodePayload(plain);
  } catch {
    return undefined;
  }
}

/** A fresh audit id: 16 random bytes, URL-safe base64 (22 characters), as Keystone's. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}
