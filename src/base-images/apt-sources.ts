/**
 * The machine's apt sources, read so that base images come from the same Debian mirror the machine
 * itself installs from (a local mirror, a proxy, a snapshot) and no host name is written into Flotilla.
 * Both formats apt reads are understood: one-line `.list` files and deb822 `.sources` files.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One source entry: a deb822 paragraph, or one line of a `.list` file. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** Lower-cased option names (`signed-by`, `trusted`, `check-valid-until`, …) and their values. */
  options: Record<string, string>;
  /** The file it came from, for messages. */
  file: string;
}

/** Parses a one-line format file (`deb [opt=val …] uri suite component…`). */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const options: Record<string, string> = {};
    for (const opt of (m[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
      const eq = opt.indexOf('=');
      if (eq > 0) options[opt.slice(0, eq).toLowerCase()] = opt.slice(eq + 1);
    }
    out.push({ types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: m[5]!.split(/\s+/).filter(Boolean), options, file });
  }
  return out;
}

/** Parses a deb822 `.sources` file: paragraphs of `Field: value`, continuation lines indented. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  let fields = new Map<string, string>();
  let last: string | undefined;
  const flush = (): void => {
    if (fields.size > 0) {
      const list = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
      const options: Record<string, string> = {};
      for (const [k, v] of fields) if (!['types', 'uris', 'suites', 'components'].includes(k)) options[k] = v.trim();
      out.push({ types: list('types'), uris: list('uris'), suites: list('suites'), components: list('components'), options, file });
    }
    fields = new Map();
    last = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') { flush(); continue; }
    if (/^\s/.test(line)) {
      // A continuation (an inline Signed-By key block, say) belongs to the field above it.
      if (last !== undefined) fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  flush();
  return out;
}

/**
 * Every source apt would use on this machine: `<root>/etc/apt/sources.list` and the `.list` and
 * `.sources` files in `sources.list.d` (apt ignores other names, such as `.disabled` ones).
 */
export function readAptSources(root = '/'): AptSource[] {
  const etc = path.join(root, 'etc', 'apt');
  const files = [path.join(etc, 'sources.list')];
  const dir = path.join(etc, 'sources.list.d');
  if (fs.existsSync(dir)) files.push(...fs.readdirSync(dir).sort().map((n) => path.join(dir, n)));
  const out: AptSource[] = [];
  for (const file of files) {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) continue;
    if (file.endsWith('.sources')) out.push(...parseDeb822Sources(fs.readFileSync(file, 'utf8'), file));
    else if (file.endsWith('.list')) out.push(...parseOneLineSources(fs.readFileSync(file, 'utf8'), file));
  }
  return out;
}

/** Debian's release names and aliases: a suite built on one of these is served by a Debian archive. */
const DEBIAN_SUITES = new Set([
  'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable',
]);

/** The pockets a base image takes besides the release itself; backports and proposed updates stay out. */
const POCKETS = ['', '-updates', '-security'] as const;

function splitSuite(suite: string): { release: string; pocket: string } {
  const m = /^(.*?)(-updates|-security|-backports|-proposed-updates|\/updates)?$/.exec(suite)!;
  return { release: m[1]!, pocket: m[2] === '/updates' ? '-security' : (m[2] ?? '') };
}

function sourceOptions(src: AptSource): string {
  const opts: string[] = [];
  // A keyring given by path is what the mirror is signed with; inline keys cannot travel on one line.
  const signedBy = src.options['signed-by'];
  if (signedBy && !signedBy.includes('\n') && signedBy.startsWith('/')) opts.push(`signed-by=${signedBy}`);
  if (/^(yes|true)$/i.test(src.options.trusted ?? '')) opts.push('trusted=yes');
  if (/^(no|false)$/i.test(src.options['check-valid-until'] ?? '')) opts.push('check-valid-until=no');
  return opts.length > 0 ? `[${opts.join(' ')}] ` : '';
}

/**
 * One-line `deb` entries for `release` (e.g. bookworm) and its -updates and -security pockets, main
 * component only, taken from the machine's sources. When the machine runs another Debian release, its
 * mirrors are asked for `release` instead (every Debian mirror carries every current release).
 * Empty when no Debian mirror is configured.
 */
export function debianMirrorLines(sources: readonly AptSource[], release: string): string[] {
  const enabled = sources.filter((s) => s.types.includes('deb') && !/^(no|false)$/i.test(s.options.enabled ?? '') && s.components.includes('main'));
  const exact = enabled.some((s) => s.suites.some((suite) => splitSuite(suite).release === release));
  const lines = new Set<string>();
  for (const src of enabled) {
    for (const suite of src.suites) {
      const { release: from, pocket } = splitSuite(suite);
      if (!(POCKETS as readonly string[]).includes(pocket)) continue;
      if (exact ? from !== release : !DEBIAN_SUITES.has(from)) continue;
      for (const uri of src.uris) lines.add(`deb ${sourceOptions(src)}${uri} ${release}${pocket} main`);
    }
  }
  return [...lines];
}
