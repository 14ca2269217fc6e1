#!/usr/bin/env bash
# Builds a minimal Redis image from the locally installed redis-server binary, for machines that cannot pull the
# official `redis` image (no Docker Hub). Prints the image name. Usage: .ci/redis-image.sh [image-name]
set -euo pipefail
image="${1:-seqtrack/redis-local:latest}"
server="$(command -v redis-server)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/tmp" "$root/data"
cp -L "$server" "$root/usr/bin/redis-server"
# the shared libraries the binary loads, and the dynamic loader itself
for lib in $(ldd "$server" | awk '/=>/ { print $3 } $1 ~ /^\// && $1 ~ /ld-linux/ { print $1 }'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
tar -C "$root" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/bin/redis-server"]' \
  --change 'WORKDIR /data' \
  --change 'EXPOSE 6379' \
  - "$image" >/dev/null
echo "$image"
