/**
 * Runs mmdebstrap to make a Debian root filesystem tar, and condenses its log into a few progress lines
 * with elapsed seconds.
 *
 * A build must not outlive the Flotilla that started it, nor leave mounts behind: mmdebstrap (unshare
 * mode, as root) mounts /proc, /sys and /dev into its chroot inside its own mount namespace, and we start
 * it as the first process of a pid namespace of its own that dies with this process (setpriv's
 * pdeathsig kills unshare, whose --kill-child kills mmdebstrap, and the kernel then kills everything
 * else in the namespace). Killing mmdebstrap's main process alone would orphan its workers.
 */
import { spawn } from 'node:child_process';
import { findExecutable } from './executables.js';

export interface MmdebstrapOptions {
  /** The Debian release to install, e.g. bookworm. */
  release: string;
  /** One-line `deb …` entries: where packages come from (and what the image's sources.list says). */
  mirrors: readonly string[];
  packages: readonly string[];
  /** The tar to write. */
  output: string;
  /** Where mmdebstrap makes its chroot before packing it (TMPDIR). */
  tmpDir: string;
  hookDirs?: readonly string[];
  /** Commands or scripts run with the chroot's path as $1 once packages are installed. */
  customizeHooks?: readonly string[];
  /** dpkg settings for the build, kept in the image (/etc/dpkg/dpkg.cfg.d/99mmdebstrap). */
  dpkgOptions?: readonly string[];
  /** apt settings (or files of them) for the build; they land in /etc/apt/apt.conf.d/99mmdebstrap. */
  aptOptions?: readonly string[];
  /** Every file time is clamped to this (SOURCE_DATE_EPOCH), seconds since the epoch. */
  sourceDateEpoch: number;
  say(line: string): void;
  signal?: AbortSignal;
}

/** mmdebstrap's own step messages, as the phases a person watching cares about. */
const PHASES: ReadonlyArray<[RegExp, string]> = [
  [/^running apt-get update/, 'fetching package lists'],
  [/^downloading packages/, 'downloading packages'],
  [/^extracting archives/, 'unpacking the essential packages'],
  [/^installing essential packages/, 'installing the essential packages'],
  [/^installing remaining packages/, 'installing the other packages'],
  [/^running --customize-hook/, 'configuring'],
  [/^creating tarball/, 'packing the root filesystem'],
];

const DEBIAN_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** How often a long phase says it is still going. */
const HEARTBEAT_MS = 30_000;

/** Arguments for mmdebstrap (exported for tests and for messages). */
export function mmdebstrapArgs(o: MmdebstrapOptions): string[] {
  return [
    '--mode=unshare', '--variant=minbase', '--format=tar',
    // /dev is the engine's business (it mounts its own); device nodes in a layer only get in the way.
    '--skip=output/dev',
    ...(o.hookDirs ?? []).map((d) => `--hook-dir=${d}`),
    ...(o.packages.length > 0 ? [`--include=${o.packages.join(',')}`] : []),
    ...(o.dpkgOptions ?? []).map((d) => `--dpkgopt=${d}`),
    ...(o.aptOptions ?? []).map((a) => `--aptopt=${a}`),
    ...(o.customizeHooks ?? []).map((h) => `--customize-hook=${h}`),
    o.release, o.output, ...o.mirrors,
  ];
}

/** Runs mmdebstrap to completion; throws with its last error lines if it fails. */
export async function runMmdebstrap(o: MmdebstrapOptions): Promise<void> {
  const mmdebstrap = findExecutable('mmdebstrap');
  if (!mmdebstrap) throw new Error('mmdebstrap is not installed');
  o.signal?.throwIfAborted();
  const setpriv = findExecutable('setpriv');
  const unshare = findExecutable('unshare');
  const [cmd, args] = setpriv && unshare && process.getuid?.() === 0
    ? [setpriv, ['--pdeathsig', 'KILL', '--', unshare, '--pid', '--fork', '--kill-child=SIGKILL', '--', mmdebstrap, ...mmdebstrapArgs(o)]]
    : [mmdebstrap, mmdebstrapArgs(o)];
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)} s`;
  let phase = 'starting';
  const tail: string[] = [];

  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so an abort can signal every process of the build at once, as Ctrl-C would.
    detached: true,
    env: {
      ...process.env,
      // mmdebstrap and its helpers (mmtarfilter, a python3 script) are Debian's: run them with Debian's
      // PATH, not one where another python3 (a pyenv shim, say) comes first and is slow or lacks modules.
      PATH: DEBIAN_PATH,
      TMPDIR: o.tmpDir,
      SOURCE_DATE_EPOCH: String(o.sourceDateEpoch),
      LC_ALL: 'C.UTF-8',
    },
  });
  const heartbeat = setInterval(() => o.say(`still ${phase} (${elapsed()})`), HEARTBEAT_MS);
  const onLine = (line: string): void => {
    const info = /^I: (.*)$/.exec(line);
    if (!info) {
      if (line.trim()) tail.push(line);
      if (tail.length > 20) tail.shift();
      return;
    }
    const next = PHASES.find(([re]) => re.test(info[1]!))?.[1];
    if (next && next !== phase) {
      phase = next;
      o.say(`${phase} (${elapsed()})`);
      heartbeat.refresh();
    }
  };
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split(/\r?\n|\r/);
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  // On abort the build gets SIGINT (as from Ctrl-C), which mmdebstrap handles by removing its chroot;
  // if it lingers, SIGKILL to unshare takes the whole pid namespace down.
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try { process.kill(-child.pid!, sig); } catch { /* already gone */ }
  };
  const abort = (): void => {
    signalGroup('SIGINT');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
  };
  o.signal?.addEventListener('abort', abort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, sig) => resolve(sig ? null : c));
    });
    o.signal?.throwIfAborted();
    if (buffered) onLine(buffered);
    if (code !== 0) {
      throw new Error(`mmdebstrap failed (${code === null ? 'killed' : `exit ${code}`}) while ${phase}:\n${tail.join('\n')}`);
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(killTimer);
    o.signal?.removeEventListener('abort', abort);
  }
}
