/**
 * SSH's wire encoding (RFC 4251 §5), as key blobs and OpenSSH's key files use it: compute's key pairs
 * and the agent's server host keys both write keys in it.
 */

/** One SSH `string`: a uint32 length, then the bytes (text as Latin-1). */
export function sshString(value: Buffer | string): Buffer {
  const b = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** Several SSH strings, one after the other. */
export function sshStrings(...values: Array<Buffer | string>): Buffer {
  return Buffer.concat(values.map(sshString));
}

/** One SSH `mpint` of a non-negative big-endian integer: no needless leading zeros, a zero byte first when the top bit is set. */
export function sshMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString((v[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
