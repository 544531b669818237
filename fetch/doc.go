// Package fetch downloads papers from URLs that users submit, without
// letting those URLs reach anything but the public internet.
//
// A submitted URL is untrusted input that the server acts on, which makes
// it a server-side request forgery (SSRF) vector: a URL (or a redirect, or
// a DNS answer) pointing at 127.0.0.1, a private network or the cloud
// metadata endpoint 169.254.169.254 would let a user make papersum read
// internal services. The package therefore owns two checks:
//
//   - a URL policy (scheme http or https, no userinfo, an allowed port and a
//     host on the allowlist), applied to the submitted URL and again to
//     every redirect hop;
//   - an address policy (IsPublic), applied in the dialer to the IP that a
//     socket is actually about to connect to, after papersum resolved the
//     name itself. Checking the connected IP rather than the URL is what
//     defeats DNS rebinding and names that resolve to private addresses.
//
// Dialer is exported on its own so that other outbound traffic to
// user-chosen URLs (webhook completion callbacks) can use the address policy
// without the arXiv host allowlist.
package fetch
