# syntax=docker/dockerfile:1
# papersum's image: a static binary on an empty base with CA certificates
# and time zones, run as a non-root user. Build it with
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t papersum .
#
# or, without a Docker daemon, with scripts/build-image.sh (buildah), which
# assembles the same runtime stage from the same binary build.
#
# PDF: the image uses papersum's pure-Go PDF reader (ingest)
# and ships no poppler. pdftotext would need glibc and about 30 MB of
# shared libraries (poppler, cairo, fontconfig, freetype...), breaking the
# static, shell-less base and the 50 MB budget, and it is a C parser of
# untrusted files in a network service. papersum falls back to the Go
# reader whenever pdftotext is absent (see README "PDF"), so the image
# needs no flag for it.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS builder
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=""
ARG DATE=""
# Static (no cgo: the SQLite driver is pure Go), no paths of this machine
# in the binary, no symbol or DWARF tables; the version stamp is the one
# README "Versions" documents (main.version, main.commit, main.date).
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/papersum ./cmd/papersum
# The runtime's files: CA certificates (provider APIs are HTTPS), the time
# zone database, and a writable /data for a SQLite database.
RUN mkdir -p /out/rootfs/etc/ssl/certs /out/rootfs/usr/share /out/rootfs/data /out/rootfs/tmp \
 && cp /etc/ssl/certs/ca-certificates.crt /out/rootfs/etc/ssl/certs/ \
 && cp -r /usr/share/zoneinfo /out/rootfs/usr/share/zoneinfo \
 && printf 'papersum:x:65532:65532:papersum:/data:/sbin/nologin\n' > /out/rootfs/etc/passwd \
 && printf 'papersum:x:65532:\n' > /out/rootfs/etc/group \
 && chown 65532:65532 /out/rootfs/data && chmod 1777 /out/rootfs/tmp

FROM scratch AS runtime
COPY --from=builder /out/rootfs/ /
COPY --from=builder /out/papersum /usr/local/bin/papersum
ENV HOME=/data PAPERSUM_DB=/data/papersum.db SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt ZONEINFO=/usr/share/zoneinfo
USER 65532:65532
WORKDIR /data
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/papersum"]
CMD ["serve", "--addr", ":8080", "--metrics-addr", ":9090"]
