#!/usr/bin/env bash
# Copies an example node tree (examples/node-*) to DEST and applies the modes and owners its
# PERMISSIONS file lists, since Git keeps neither. Needs root to change owners; an owner whose
# user does not exist here (etcd) is created as a system user only with --create-users.
#   scripts/node-tree.sh examples/node-default-kubeadm /tmp/node [--create-users]
set -euo pipefail
src=$1; dest=$2; create=${3:-}
rm -rf "$dest"; mkdir -p "$dest"; cp -a "$src"/. "$dest"/; rm -f "$dest/PERMISSIONS"
while read -r mode owner glob; do
    case "$mode" in ''|'#'*) continue ;; esac
    user=${owner%%:*}
    if ! id "$user" >/dev/null 2>&1; then
        if [ "$create" = "--create-users" ]; then useradd --system --no-create-home "$user"; else echo "node-tree: no user $user here; leaving $glob owned by root" >&2; owner=root:root; fi
    fi
    for path in $dest/$glob; do [ -e "$path" ] && chmod "$mode" "$path" && chown "$owner" "$path"; done
done < "$src/PERMISSIONS"
echo "$dest"
