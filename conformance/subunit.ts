/**
 * A reader for subunit v2, the binary stream stestr and `tempest run --subunit` emit. Parsing it here
 * (rather than through subunit2csv) keeps test ids with commas intact and gives us the attachments
 * that explain a result: `reason` for a skip, `traceback` for a failure.
 *
 * Packet layout (python-subunit's v2 spec): 0xB3, 16-bit flags, a variable-length total packet length,
 * then optional fields in a fixed order (timestamp, test id, tags, mime type, file content, route
 * code), then a CRC-32 of everything before it.
 */
const SIGNATURE = 0xb3;
const VERSION_2 = 0x2;
const FLAG_TEST_ID = 0x0800;
const FLAG_ROUTE_CODE = 0x0400;
const FLAG_TIMESTAMP = 0x0200;
const FLAG_TAGS = 0x0080;
const FLAG_FILE_CONTENT = 0x0040;
const FLAG_MIME_TYPE = 0x0020;

// zlib.crc32 arrived only in Node 20.15; the table version is a few lines and works on every Node 20.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A test's state as subunit reports it; `undefined` marks packets that only carry attachments. */
export type SubunitStatus = 'exists' | 'inprogress' | 'success' | 'uxsuccess' | 'skip' | 'fail' | 'xfail';
const STATUSES: ReadonlyArray<SubunitStatus | undefined> = [undefined, 'exists', 'inprogress', 'success', 'uxsuccess', 'skip', 'fail', 'xfail'];

/** One decoded packet. */
export interface SubunitPacket {
  testId?: string;
  status?: SubunitStatus;
  fileName?: string;
  fileBytes?: Buffer;
}

/** Reads a big-endian subunit varint at `pos`: the top two bits of the first byte give its size. */
function readNumber(buf: Buffer, pos: number): { value: number; size: number } {
  const first = buf.readUInt8(pos);
  const size = (first >> 6) + 1;
  let value = first & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + buf.readUInt8(pos + i);
  return { value, size };
}

function readString(buf: Buffer, pos: number): { value: string; next: number } {
  const { value: length, size } = readNumber(buf, pos);
  const start = pos + size;
  if (start + length > buf.length) throw new Error(`subunit string at ${pos} runs past its packet`);
  return { value: buf.toString('utf8', start, start + length), next: start + length };
}

/** Decodes one packet whose bytes (signature to CRC) are `packet`. */
function decodePacket(packet: Buffer): SubunitPacket {
  const flags = packet.readUInt16BE(1);
  let pos = 3 + readNumber(packet, 3).size;
  const body = packet.subarray(0, packet.length - 4);
  const out: SubunitPacket = {};
  if (flags & FLAG_TIMESTAMP) pos += 4 + readNumber(body, pos + 4).size;
  if (flags & FLAG_TEST_ID) ({ value: out.testId, next: pos } = readString(body, pos));
  if (flags & FLAG_TAGS) {
    const { value: count, size } = readNumber(body, pos);
    pos += size;
    for (let i = 0; i < count; i++) pos = readString(body, pos).next;
  }
  if (flags & FLAG_MIME_TYPE) pos = readString(body, pos).next;
  if (flags & FLAG_FILE_CONTENT) {
    ({ value: out.fileName, next: pos } = readString(body, pos));
    const { value: length, size } = readNumber(body, pos);
    pos += size;
    if (pos + length > body.length) throw new Error('subunit file content runs past its packet');
    out.fileBytes = body.subarray(pos, pos + length);
    pos += length;
  }
  if (flags & FLAG_ROUTE_CODE) pos = readString(body, pos).next;
  const status = STATUSES[flags & 0x7];
  if (status) out.status = status;
  return out;
}

/**
 * Splits a subunit v2 stream into packets. Bytes outside packets (stray text some runners interleave)
 * are skipped; a candidate packet whose CRC does not match is treated as such stray text too.
 */
export function* readPackets(stream: Buffer): Generator<SubunitPacket> {
  let pos = 0;
  while (pos < stream.length) {
    if (stream[pos] !== SIGNATURE || pos + 4 > stream.length || stream[pos + 1]! >> 4 !== VERSION_2) {
      pos++;
      continue;
    }
    const { value: length } = readNumber(stream, pos + 3);
    const packet = stream.subarray(pos, pos + length);
    if (length < 8 || packet.length !== length || crc32(packet.subarray(0, length - 4)) !== packet.readUInt32BE(length - 4)) {
      pos++;
      continue;
    }
    yield decodePacket(packet);
    pos += length;
  }
}

/** A test's final state and the text attached to it, keyed by attachment name. */
export interface SubunitTest {
  id: string;
  status: SubunitStatus;
  attachments: Map<string, string>;
}

/** Folds a stream's packets into one record per test id: last status wins, attachments concatenate. */
export function readTests(stream: Buffer): SubunitTest[] {
  const tests = new Map<string, SubunitTest>();
  for (const packet of readPackets(stream)) {
    if (packet.testId === undefined) continue;
    let test = tests.get(packet.testId);
    if (!test) {
      test = { id: packet.testId, status: 'exists', attachments: new Map() };
      tests.set(packet.testId, test);
    }
    if (packet.status) test.status = packet.status;
    if (packet.fileName !== undefined && packet.fileBytes && packet.fileBytes.length > 0) {
      const before = test.attachments.get(packet.fileName) ?? '';
      test.attachments.set(packet.fileName, before + packet.fileBytes.toString('utf8'));
    }
  }
  return [...tests.values()];
}
