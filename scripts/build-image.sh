#!/usr/bin/env bash
# Builds papersum's image without a Docker daemon: the binary exactly as
# the Dockerfile's builder stage builds it (static, -trimpath, -s -w, the
# version stamp), then the Dockerfile's runtime stage assembled by buildah
# (vfs storage, chroot isolation) on an empty base, written as an OCI
# archive. With a Docker daemon, `docker build .` builds the same image
# from the Dockerfile.
#
#   scripts/build-image.sh [OUT.tar]     (default .tools/image/papersum.oci.tar)
#
# It prints the binary's and the image's sizes. Needs buildah (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.tools/image/papersum.oci.tar}
WORK=.tools/image
mkdir -p "$WORK"
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}
DATE=${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}

# The builder stage.
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
  -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE" \
  -o "$WORK/papersum" ./cmd/papersum
ROOT="$WORK/rootfs"
rm -rf "$ROOT"
mkdir -p "$ROOT/etc/ssl/certs" "$ROOT/usr/share" "$ROOT/data" "$ROOT/tmp" "$ROOT/usr/local/bin"
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
cp -r /usr/share/zoneinfo "$ROOT/usr/share/zoneinfo"
printf 'papersum:x:65532:65532:papersum:/data:/sbin/nologin\n' > "$ROOT/etc/passwd"
printf 'papersum:x:65532:\n' > "$ROOT/etc/group"
chmod 1777 "$ROOT/tmp"
cp "$WORK/papersum" "$ROOT/usr/local/bin/papersum"

# The runtime stage.
B="buildah --storage-driver vfs"
ctr=$($B from scratch)
trap '$B rm "$ctr" >/dev/null 2>&1 || true' EXIT
$B copy "$ctr" "$ROOT/" /
$B copy --chown 65532:65532 "$ctr" "$ROOT/data" /data
$B config --user 65532:65532 --workingdir /data \
  --env HOME=/data --env PAPERSUM_DB=/data/papersum.db \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --env ZONEINFO=/usr/share/zoneinfo \
  --port 8080 --port 9090 \
  --entrypoint '["/usr/local/bin/papersum"]' --cmd 'serve --addr :8080 --metrics-addr :9090' \
  --label org.opencontainers.image.version="$VERSION" --label org.opencontainers.image.revision="$COMMIT" \
  "$ctr"
rm -f "$OUT"
$B commit --rm "$ctr" "oci-archive:$OUT" >/dev/null
trap - EXIT
echo "binary: $(stat -c %s "$WORK/papersum") bytes"
echo "image:  $(stat -c %s "$OUT") bytes ($OUT, uncompressed layers)"
gzip -c "$OUT" | wc -c | awk '{print "image gzipped: " $1 " bytes"}'
