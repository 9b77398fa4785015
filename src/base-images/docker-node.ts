/**
 * The node image of container-infra clusters, `debian-12-docker`: a Debian image with Debian's docker.io
 * (dockerd 20.10, containerd, runc), openssl, curl and socat, plus a second layer of Flotilla's node files:
 *
 *   /usr/local/sbin/flotilla-dockerd      start|stop|restart|status|preloaded of the node's own engine
 *   /etc/flotilla/boot.d/50-docker        Flotilla's init runs it at every boot: starts the engine
 *   /usr/share/flotilla/images/busybox.tar  `busybox:latest` as a docker archive, loaded in the background
 *                                          at the engine's first start, so a node runs busybox without
 *                                          any registry
 *   /usr/local/lib/flotilla/busybox       a static busybox, for a node's services that need no engine
 *
 * The engine takes its settings from /etc/docker/daemon.json alone (dockerd's own config file; the
 * script passes no flags that could clash with it) and listens on its unix socket. A cluster's user data
 * writes only settings dockerd reloads on SIGHUP (labels, insecure registries), starts the engine itself
 * on the first boot (ENGINE_START_METADATA) and puts the master's remote API in front of the socket with
 * socat (TLS with the cluster's certificates), so no setting ever needs a restart; every later boot
 * starts the engine with the same file. Compute runs servers of this image so that dockerd can work in
 * them (its `flotilla_nested_engine` property; decision 0015).
 */
import fs from 'node:fs';
import path from 'node:path';
import { NESTED_ENGINE_PROPERTY } from '../compute/agent-protocol.js';
import { busybox, installedBusybox } from './busybox.js';
import { debianRecipe, type DebianRecipeSpec } from './debian.js';
import { writeDockerArchive } from './docker-archive.js';
import type { BuildContext, BuiltLayers, Recipe } from './recipe.js';
import { TarFileWriter } from './tar.js';

export { NESTED_ENGINE_PROPERTY };

/** Where the node image keeps the docker archives its engine loads on first start. */
export const PRELOAD_DIR = '/usr/share/flotilla/images';

/** The tag the preloaded busybox image carries in a node's engine. */
export const PRELOADED_BUSYBOX = 'busybox:latest';

/**
 * Server metadata (Nova's `metadata`, in the config drive's meta_data.json) by which a server's user data
 * takes over the engine's first start: while the user data of the instance has yet to run, the boot hook
 * leaves the engine stopped, and the user data writes daemon.json and runs `flotilla-dockerd start`
 * itself: a cluster's master has its certificate signed while its engine starts (the boot hook, which
 * init runs before user data, would have it wait), and every node's engine starts with its labels
 * instead of taking them on a SIGHUP. Every later boot starts the engine from the file as usual.
 */
export const ENGINE_START_METADATA = { key: 'flotilla_engine_start', value: 'user-data' } as const;

/** Where the node image keeps a static busybox binary, for services of a node that need no engine. */
export const NODE_BUSYBOX = '/usr/local/lib/flotilla/busybox';

/**
 * The node's engine, as a POSIX sh service script. `start` returns once the engine answers (or fails
 * after FLOTILLA_DOCKERD_TIMEOUT seconds with the end of its log), then loads the preloaded images in the
 * background at the engine's first start; `preloaded` waits until they are in. It is idempotent.
 */
export const FLOTILLA_DOCKERD = `#!/bin/sh
# flotilla-dockerd start|stop|restart|status|preloaded: this node's Docker engine (Flotilla's node image).
# Settings come from /etc/docker/daemon.json only: write it, then \`flotilla-dockerd restart\`. Keep
# "unix:///var/run/docker.sock" among its "hosts" if you set any: this script and the docker CLI use it.
PIDFILE=/run/flotilla-dockerd.pid
LOG=/var/log/dockerd.log
PRELOAD=${PRELOAD_DIR}
TIMEOUT=\${FLOTILLA_DOCKERD_TIMEOUT:-60}
say() { echo "flotilla-dockerd: $*"; }

pid() { cat "$PIDFILE" 2>/dev/null; }
running() { p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# curl, not the docker CLI: polled ten times a second while the engine starts, and far lighter.
answers() { curl -fsS --max-time 2 --unix-socket /var/run/docker.sock http://engine/_ping >/dev/null 2>&1; }

# The server's cgroup hierarchies are its own (a private cgroup namespace) but mounted read-only; the
# engine makes its containers' cgroups in them.
cgroups_rw() {
  for d in /sys/fs/cgroup/*/; do
    d=\${d%/}
    if grep -q " $d ro[ ,]" /proc/self/mountinfo 2>/dev/null; then
      mount -o remount,bind,rw "$d" 2>/dev/null || say "could not make $d writable"
    fi
  done
}

# The preloaded images are in once this file exists (the engine's data root is the node's own volume).
MARK=/var/lib/docker/.flotilla-preloaded
preload() {
  [ -e "$MARK" ] && return 0
  for f in "$PRELOAD"/*.tar; do
    [ -f "$f" ] || continue
    docker load -q -i "$f" >/dev/null 2>&1 && say "loaded $(basename "$f" .tar)" || { say "could not load $f"; return 1; }
  done
  : > "$MARK"
}

start() {
  if running; then
    answers && return 0
  else
    cgroups_rw
    # A pid file of an engine that did not stop cleanly (the server was killed) would stop dockerd; its
    # socket would be taken for the new engine's.
    rm -f /var/run/docker.pid /var/run/docker.sock
    mkdir -p /var/lib/docker /etc/docker
    setsid dockerd >>"$LOG" 2>&1 </dev/null &
    echo $! > "$PIDFILE"
  fi
  n=0
  # The socket appears when the API listens: asked for only then.
  while [ ! -S /var/run/docker.sock ] || ! answers; do
    if ! running; then say "dockerd exited; the end of $LOG:"; tail -n 20 "$LOG"; return 1; fi
    if [ $n -ge $((TIMEOUT * 10)) ]; then say "dockerd did not answer within $TIMEOUT s; the end of $LOG:"; tail -n 20 "$LOG"; return 1; fi
    sleep 0.1
    n=$((n + 1))
  done
  say "engine running (pid $(pid))"
  # In the background: nothing at boot needs them, and loading takes a second of a busy node's CPU.
  [ -e "$MARK" ] || (preload </dev/null &)
}

# Waits up to $1 seconds (60) for the preloaded images; fails if the engine is not running.
preloaded() {
  n=0
  while [ ! -e "$MARK" ]; do
    running || { say "the engine is not running"; return 1; }
    [ $n -ge $((\${1:-60} * 10)) ] && { say "the preloaded images are not in after \${1:-60} s"; return 1; }
    sleep 0.1
    n=$((n + 1))
  done
}

stop() {
  running || { rm -f "$PIDFILE"; return 0; }
  p=$(pid)
  kill -TERM "$p"
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$p" 2>/dev/null; then say "dockerd ignored SIGTERM for 30 s; killing it"; kill -KILL "$p"; fi
  rm -f "$PIDFILE"
}

case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  preloaded) preloaded "\${2:-60}" ;;
  status) if running && answers; then say "running (pid $(pid))"; else say "not running"; exit 3; fi ;;
  *) echo "usage: flotilla-dockerd start|stop|restart|status|preloaded [seconds]" >&2; exit 2 ;;
esac
`;

/**
 * The boot hook: Flotilla's init runs every executable in /etc/flotilla/boot.d at every boot, before the
 * user data of a new instance (see ENGINE_START_METADATA for when it leaves the engine to that).
 */
export const BOOT_HOOK = `#!/bin/sh
# Starts this node's Docker engine at every boot (Flotilla's init runs /etc/flotilla/boot.d/* in order).
C=/run/flotilla/config
iid=$(cat "$C/flotilla/instance-id" 2>/dev/null)
if [ -n "$iid" ] && [ -x "$C/flotilla/user-data" ] && [ ! -e "/var/lib/flotilla/user-data.done.$iid" ] \\
    && grep -q '"${ENGINE_START_METADATA.key}": *"${ENGINE_START_METADATA.value}"' "$C/openstack/latest/meta_data.json" 2>/dev/null; then
  echo "flotilla-dockerd: the user data starts the engine on this first boot"
  exit 0
fi
exec /usr/local/sbin/flotilla-dockerd start
`;

/** Directories of the node layer, with their modes as Debian has them (a layer's directory entry replaces the one below). */
const NODE_DIRS: ReadonlyArray<[string, number]> = [
  ['etc', 0o755], ['etc/flotilla', 0o755], ['etc/flotilla/boot.d', 0o755],
  ['usr', 0o755], ['usr/local', 0o755], ['usr/local/sbin', 0o755],
  ['usr/share', 0o755], ['usr/share/flotilla', 0o755], ['usr/share/flotilla/images', 0o755],
  ['usr/local/lib', 0o755], ['usr/local/lib/flotilla', 0o755],
];

async function buildNode(debian: Recipe, ctx: BuildContext): Promise<BuiltLayers> {
  const dir = (name: string): string => {
    const d = path.join(ctx.workDir, name);
    fs.mkdirSync(d);
    return d;
  };
  const base = await debian.build({ ...ctx, workDir: dir('debian') });
  ctx.say('busybox:latest for the node\'s own engine');
  const bb = await busybox.build({ ...ctx, workDir: dir('busybox'), say: () => {} });
  const bbArchive = path.join(ctx.workDir, 'busybox.tar');
  await writeDockerArchive(bbArchive, bb.layers, bb.runtime, bb.created, [PRELOADED_BUSYBOX]);
  const layer = path.join(ctx.workDir, 'node.tar');
  const tar = await TarFileWriter.create(layer, { mtime: base.created.getTime() / 1000 });
  try {
    for (const [d, mode] of NODE_DIRS) await tar.directory(d, mode);
    await tar.data('etc/flotilla/boot.d/50-docker', Buffer.from(BOOT_HOOK), 0o755);
    await tar.data('usr/local/sbin/flotilla-dockerd', Buffer.from(FLOTILLA_DOCKERD), 0o755);
    await tar.file('usr/share/flotilla/images/busybox.tar', bbArchive, 0o644);
    await tar.file(NODE_BUSYBOX.slice(1), (await installedBusybox()).binary, 0o755);
    await tar.finish();
  } catch (err) {
    await tar.abandon();
    throw err;
  }
  return {
    layers: [...base.layers, layer],
    runtime: { ...base.runtime, createdBy: `${base.runtime.createdBy}; flotilla: node engine files, busybox:latest preloaded` },
    created: base.created,
  };
}

/**
 * A node image recipe on top of a Debian spec: `packages` gain docker.io, openssl and curl; the image
 * carries the node layer above and the properties os_distro (Magnum picks its driver by it) and
 * flotilla_nested_engine=true.
 */
export function dockerNodeRecipe(spec: DebianRecipeSpec): Recipe {
  const debian = debianRecipe({ ...spec, packages: [...new Set([...spec.packages, 'docker.io', 'openssl', 'curl', 'socat'])] });
  return {
    name: spec.name,
    // Raise with any change to the node layer (the scripts above) or to how it is built.
    revision: 5,
    properties: (inputs) => ({ ...debian.properties(inputs), [NESTED_ENGINE_PROPERTY]: 'true' }),
    inputs: async () => ({ ...(await debian.inputs()), debianRevision: spec.revision, busybox: await busybox.inputs() }),
    build: (ctx) => buildNode(debian, ctx),
  };
}
