// Package webhook signs, verifies, receives and sends webhooks in the
// Standard Webhooks scheme (https://www.standardwebhooks.com, spec 1.0.0):
// headers webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>", several
// space-separated), with secrets serialised as "whsec_<base64>".
//
// Following one published scheme, rather than an ad hoc one, lets
// publishers use the official libraries to call papersum and lets callback
// consumers verify papersum's calls with them.
//
// The package owns:
//   - Sign, Verify and ParseSecret, the scheme itself;
//   - Receiver, the inbound handler (POST /webhook/paper-published): it
//     authenticates, bounds the body, and uses a SeenStore so that a
//     replayed or redelivered webhook-id is acknowledged without being
//     handled twice. What the body means is its Handle's business (the
//     service takes a Standard Webhooks event, {"type": "paper.published",
//     "data": {...}}, as the OpenAPI document shows it);
//   - Sender, outbound completion callbacks: signed, retried with
//     doubling backoff, with every attempt reported to a Record hook.
//
// It does not decide which addresses a callback may reach: the Sender
// takes an *http.Client, and the service passes one built on the fetch
// package's SSRF-safe dialer.
package webhook
