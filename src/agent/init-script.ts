/**
 * Flotilla's init, bind-mounted read-only into every server at /run/flotilla/init and run by Docker's
 * `--init` (tini, PID 1, which reaps orphans). POSIX sh only, so it runs in Debian and busybox images
 * alike. It reads the config drive the agent prepares (/run/flotilla/config, see config-drive.ts); its
 * output is the server's console log.
 *
 * Per instance (the first boot of this server id on this root disk, also after a snapshot is booted as a
 * new server): the ssh host keys the agent made for this server (host-keys.ts), user data once. Every
 * boot: root's authorized_keys, sshd, the image's boot hooks (every executable in /etc/flotilla/boot.d,
 * in name order, e.g. the node image's Docker engine: src/base-images/docker-node.ts). Boot hooks run
 * before user data, which waits for the ports to be plugged, so it finds what they start and its
 * network. SIGTERM (docker stop) stops every process of the server and exits.
 *
 * Shell builtins wherever they do (read, printf, case, [ ]): every external command or $(…) is a fork and
 * an exec, and five servers booting at once on two cores wait for each other's.
 */
export const INIT_SCRIPT = `#!/bin/sh
# Flotilla init (written by the host agent; do not edit inside the server).
C=/run/flotilla/config/flotilla
S=/var/lib/flotilla
say() { echo "flotilla-init: $*"; }
# has_line FILE LINE: whether FILE holds exactly LINE.
has_line() {
  [ -f "$1" ] || return 1
  while IFS= read -r l || [ -n "$l" ]; do [ "$l" = "$2" ] && return 0; done < "$1"
  return 1
}
# copy SRC DST MODE (077 or 022 as a umask): a file copied with builtins.
copy() {
  umask "$3"
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$1" > "$2"
  umask 022
}

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

iid=""; host=""; was=""
[ -f "$C/instance-id" ] && read -r iid < "$C/instance-id"
[ -f "$C/hostname" ] && read -r host < "$C/hostname"
say "booting $host (instance $iid)"
[ -d "$S" ] || mkdir -p "$S"
[ -f "$S/instance-id" ] && read -r was < "$S/instance-id"
first=no
if [ "$was" != "$iid" ]; then
  first=yes
  say "first boot of this instance"
fi

if [ -s "$C/hosts" ] && [ -w /etc/hosts ]; then
  while IFS= read -r line; do
    has_line /etc/hosts "$line" || echo "$line" >> /etc/hosts
  done < "$C/hosts"
fi

if [ -s "$C/authorized_keys" ]; then
  [ -d /root/.ssh ] || mkdir -m 700 -p /root/.ssh
  while IFS= read -r key; do
    [ -n "$key" ] || continue
    has_line /root/.ssh/authorized_keys "$key" && continue
    umask 077
    echo "$key" >> /root/.ssh/authorized_keys
    umask 022
  done < "$C/authorized_keys"
fi

sshd=""
for p in /usr/sbin/sshd /usr/bin/sshd /sbin/sshd; do
  if [ -x "$p" ]; then sshd=$p; break; fi
done
if [ -n "$sshd" ]; then
  # The agent's keys for this instance (config drive flotilla/ssh), on its first boot or when missing.
  # Keys the image came with are shared by every server made from it: gone on the first boot.
  if [ "$first" = yes ]; then
    for k in /etc/ssh/ssh_host_*_key; do [ -f "$k" ] && rm -f "$k" "$k.pub"; done
  fi
  for t in ed25519 ecdsa; do
    k=/etc/ssh/ssh_host_\${t}_key
    if [ -f "$C/ssh/ssh_host_\${t}_key" ] && [ ! -f "$k" ]; then
      copy "$C/ssh/ssh_host_\${t}_key" "$k" 077
      copy "$C/ssh/ssh_host_\${t}_key.pub" "$k.pub" 022
    fi
  done
  # Containers may not set a login uid: PAM must not refuse the session for it.
  pam=no
  if [ -f /etc/pam.d/sshd ]; then
    while read -r a b c rest; do [ "$a $b $c" = "session required pam_loginuid.so" ] && pam=yes; done < /etc/pam.d/sshd
  fi
  if [ "$pam" = yes ]; then
    sed -i 's/^session[[:space:]]*required[[:space:]]*pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
  fi
  [ -d /run/sshd ] || mkdir -m 755 -p /run/sshd
  keys=no
  for k in /etc/ssh/ssh_host_*_key; do [ -f "$k" ] && keys=yes; done
  if [ "$keys" = yes ]; then
    "$sshd" -D -e &
    say "sshd started"
    # The agent's fingerprints, when the keys in use are the agent's (a server from before the agent made
    # them keeps the ones its first boot made).
    same=yes
    for t in ed25519 ecdsa; do
      pub=""
      [ -f "$C/ssh/ssh_host_\${t}_key.pub" ] && read -r pub < "$C/ssh/ssh_host_\${t}_key.pub"
      has_line "/etc/ssh/ssh_host_\${t}_key.pub" "$pub" || same=no
    done
    if [ "$same" = yes ] && [ -f "$C/ssh/fingerprints" ]; then
      echo "-----BEGIN SSH HOST KEY FINGERPRINTS-----"
      while IFS= read -r l; do echo "$l"; done < "$C/ssh/fingerprints"
      echo "-----END SSH HOST KEY FINGERPRINTS-----"
    fi
  else
    say "no ssh host keys (an old config drive?): sshd not started"
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

if [ "$first" = yes ]; then echo "$iid" > "$S/instance-id"; fi
if [ -x "$C/user-data" ] && [ ! -e "$S/user-data.done.$iid" ]; then
  # The agent plugs the ports right after the container starts: user data gets its network first.
  want=0
  [ -f "$C/interfaces" ] && read -r want < "$C/interfaces"
  n=0
  while [ "$want" -gt 0 ] && [ $n -lt 50 ]; do
    have=0
    for i in /sys/class/net/eth*; do [ -e "$i" ] && have=$((have + 1)); done
    [ "$have" -ge "$want" ] && break
    sleep 0.1 2>/dev/null || sleep 1
    n=$((n + 1))
  done
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
