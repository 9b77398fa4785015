/**
 * Flotilla's init, bind-mounted read-only into every server at /run/flotilla/init and run by Docker's
 * `--init` (tini, PID 1, which reaps orphans). POSIX sh only, so it runs in Debian and busybox images
 * alike. It reads the config drive the agent prepares (/run/flotilla/config, see config-drive.ts); its
 * output is the server's console log.
 *
 * Per instance (the first boot of this server id on this root disk, also after a snapshot is booted as a
 * new server): fresh ssh host keys, user data once. Every boot: root's authorized_keys, sshd, the
 * image's boot hooks (every executable in /etc/flotilla/boot.d, in name order, e.g. the node image's
 * Docker engine: src/base-images/docker-node.ts), then wait for the ports to be plugged. Boot hooks run
 * before user data, so user data finds what they start and its network. SIGTERM (docker stop) stops
 * every process of the server and exits.
 */
export const INIT_SCRIPT = `#!/bin/sh
# Flotilla init (written by the host agent; do not edit inside the server).
C=/run/flotilla/config/flotilla
S=/var/lib/flotilla
say() { echo "flotilla-init: $*"; }

sleeper=""
stop() {
  say "stopping"
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  # Every process of the server except tini (PID 1) and this shell, as a shutdown would.
  kill -TERM -1 2>/dev/null
  # Up to 8 s (the agent's stop timeout is 10): an engine in the server stops its own containers first.
  n=0
  while [ $n -lt 80 ]; do
    others=""
    for p in /proc/[0-9]*; do
      p=\${p#/proc/}
      [ "$p" = 1 ] || [ "$p" = $$ ] || others="$others $p"
    done
    [ -z "$others" ] && break
    sleep 0.1 2>/dev/null || sleep 1
    n=$((n + 1))
  done
  exit 0
}
trap stop TERM INT

iid=$(cat "$C/instance-id" 2>/dev/null)
say "booting $(cat "$C/hostname" 2>/dev/null) (instance $iid)"
mkdir -p "$S"
first=no
if [ "$(cat "$S/instance-id" 2>/dev/null)" != "$iid" ]; then
  first=yes
  say "first boot of this instance"
fi

if [ -s "$C/hosts" ] && [ -w /etc/hosts ]; then
  while IFS= read -r line; do
    grep -qxF "$line" /etc/hosts 2>/dev/null || echo "$line" >> /etc/hosts
  done < "$C/hosts"
fi

if [ -s "$C/authorized_keys" ]; then
  mkdir -p /root/.ssh
  chmod 700 /root/.ssh
  touch /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
  while IFS= read -r key; do
    [ -n "$key" ] || continue
    grep -qxF "$key" /root/.ssh/authorized_keys || echo "$key" >> /root/.ssh/authorized_keys
  done < "$C/authorized_keys"
fi

sshd=""
for p in /usr/sbin/sshd /usr/bin/sshd /sbin/sshd; do
  if [ -x "$p" ]; then sshd=$p; break; fi
done
keygen=""
for p in /usr/bin/ssh-keygen /bin/ssh-keygen; do
  if [ -x "$p" ]; then keygen=$p; break; fi
done
if [ -n "$sshd" ]; then
  if [ "$first" = yes ]; then rm -f /etc/ssh/ssh_host_*key /etc/ssh/ssh_host_*key.pub; fi
  if [ -n "$keygen" ]; then
    # ed25519 and ecdsa take milliseconds. No RSA host key: making one costs a second of CPU per boot
    # (more than the rest of the boot together), and every OpenSSH since 6.5 prefers ed25519 anyway.
    for t in ed25519 ecdsa; do
      [ -f "/etc/ssh/ssh_host_\${t}_key" ] || "$keygen" -q -t "$t" -N '' -f "/etc/ssh/ssh_host_\${t}_key"
    done
  fi
  # Containers may not set a login uid: PAM must not refuse the session for it.
  if [ -f /etc/pam.d/sshd ] && grep -q '^session[[:space:]]*required[[:space:]]*pam_loginuid.so' /etc/pam.d/sshd; then
    sed -i 's/^session[[:space:]]*required[[:space:]]*pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
  fi
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  if ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
    "$sshd" -D -e &
    say "sshd started"
    echo "-----BEGIN SSH HOST KEY FINGERPRINTS-----"
    for k in /etc/ssh/ssh_host_*_key.pub; do [ -f "$k" ] && "$keygen" -l -f "$k"; done
    echo "-----END SSH HOST KEY FINGERPRINTS-----"
  else
    say "no ssh host keys and no ssh-keygen: sshd not started"
  fi
else
  say "no sshd in this image: skipping it"
fi

# The image's boot hooks, at every boot, while the agent plugs the ports (a hook that needs an address
# waits for it). In the background and waited for, so SIGTERM is not held up.
for hook in /etc/flotilla/boot.d/*; do
  [ -f "$hook" ] && [ -x "$hook" ] || continue
  say "boot hook $hook"
  "$hook" </dev/null &
  bh=$!
  wait "$bh"
  say "boot hook $hook finished with status $?"
done

# The agent plugs the ports right after the container starts: give user data its network first.
want=$(cat "$C/interfaces" 2>/dev/null || echo 0)
n=0
while [ "$want" -gt 0 ] && [ $n -lt 50 ]; do
  have=0
  for i in /sys/class/net/eth*; do [ -e "$i" ] && have=$((have + 1)); done
  [ "$have" -ge "$want" ] && break
  sleep 0.1 2>/dev/null || sleep 1
  n=$((n + 1))
done

if [ "$first" = yes ]; then echo "$iid" > "$S/instance-id"; fi
if [ -x "$C/user-data" ] && [ ! -e "$S/user-data.done.$iid" ]; then
  # Marked before it runs: user data runs once per instance, even if it stops the server.
  : > "$S/user-data.done.$iid"
  say "running user data"
  "$C/user-data" &
  ud=$!
  wait "$ud"
  say "user data finished with status $?"
fi

say "ready"
while :; do
  sleep 86400 &
  sleeper=$!
  wait "$sleeper"
done
`;
