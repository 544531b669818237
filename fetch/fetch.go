package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/papersum/papersum"
)

// Config configures a Fetcher.
type Config struct {
	// AllowedHosts are the hosts a URL (and every redirect hop) may name.
	// A host matches an entry when it equals it or is a subdomain of it:
	// "arxiv.org" admits "arxiv.org" and "export.arxiv.org" but not
	// "evilarxiv.org" or "arxiv.org.evil.com". Matching ignores case and a
	// trailing dot. An IP-literal entry (tests use "127.0.0.1") matches
	// only that exact address. Default arxiv.org and export.arxiv.org.
	AllowedHosts []string
	// AllowedPorts are the ports a URL may use, explicitly or by its
	// scheme's default. Default 80 and 443.
	AllowedPorts []int
	// MaxBytes caps the body, checked against Content-Length and against
	// the bytes actually read. Default 50 MiB.
	MaxBytes int64
	// Timeout bounds the whole fetch: connecting, every redirect and
	// reading the body, so a server that trickles bytes cannot hold a
	// worker. Default 60s.
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed. Default 5.
	MaxRedirects int
	// UserAgent is sent with every request. Default
	// "papersum (+https://github.com/papersum/papersum)".
	UserAgent string
	// Resolver resolves host names. Default net.DefaultResolver.
	Resolver Resolver
	// AllowPrivateForTests, when set, permits a non-public address for
	// which it returns true. It must be nil in production. Default nil.
	AllowPrivateForTests func(net.IP) bool
}

// The defaults of Config.
const (
	DefaultMaxBytes     = 50 << 20
	DefaultTimeout      = 60 * time.Second
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "papersum (+https://github.com/papersum/papersum)"
)

// DefaultAllowedHosts are the hosts of arXiv's site and its export API.
var DefaultAllowedHosts = []string{"arxiv.org", "export.arxiv.org"}

func (c Config) withDefaults() Config {
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = append([]string(nil), DefaultAllowedHosts...)
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	return c
}

func (c Config) validate() error {
	if c.MaxBytes < 0 {
		return papersum.Errorf(papersum.EINVALID, "fetch: max bytes %d is negative", c.MaxBytes)
	}
	if c.Timeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "fetch: timeout %s is negative", c.Timeout)
	}
	if c.MaxRedirects < 0 {
		return papersum.Errorf(papersum.EINVALID, "fetch: max redirects %d is negative", c.MaxRedirects)
	}
	for _, h := range c.AllowedHosts {
		if normHost(h) == "" || strings.ContainsAny(h, "/:@ ") && !isIP(h) {
			return papersum.Errorf(papersum.EINVALID, "fetch: allowed host %q must be a bare host name or IP address", h)
		}
	}
	return nil
}

// Document is what Fetch got: the root's papersum.FetchedDocument, so
// that a *Fetcher is the service's papersum.DocumentFetcher.
type Document = papersum.FetchedDocument

// Fetcher downloads documents from allowed hosts. It is safe for
// concurrent use.
type Fetcher struct {
	cfg    Config
	hosts  []string // normalised AllowedHosts
	ports  map[int]bool
	dialer *Dialer
	client *http.Client
}

// New returns a Fetcher. It returns an EINVALID error for an invalid
// config.
func New(cfg Config) (*Fetcher, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d, err := NewDialer(DialerConfig{
		AllowedPorts:         cfg.AllowedPorts,
		Resolver:             cfg.Resolver,
		AllowPrivateForTests: cfg.AllowPrivateForTests,
	})
	if err != nil {
		return nil, err
	}
	f := &Fetcher{cfg: cfg, dialer: d, ports: d.ports}
	for _, h := range cfg.AllowedHosts {
		f.hosts = append(f.hosts, normHost(h))
	}
	f.client = &http.Client{
		Transport:     d.Transport(),
		CheckRedirect: f.checkRedirect,
	}
	return f, nil
}

// Fetch downloads rawURL with GET.
//
// Every error but a cancelled ctx is a *papersum.Error that wraps a
// *papersum.FetchError naming the reason. The code is EINVALID when the
// URL cannot be used: it or a redirect hop breaks the policy (scheme,
// userinfo, port, host allowlist, non-public address; not_allowed), it
// does not parse (invalid_url), it redirects too often
// (too_many_redirects), the body is larger than MaxBytes (too_large), or
// the server answers 4xx other than 429 (not_a_paper). It is EUNAVAILABLE
// when the remote side failed: the name does not resolve (dns), the
// connection is refused (connection_refused) or fails otherwise
// (connection_failed), the fetch times out (timeout), or the server
// answers 429 or 5xx (upstream_error). Messages name the URL without its
// query and never the cause's internals (resolver or local addresses);
// the cause is kept in the chain for logs.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Document, error) {
	u, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fetchError(papersum.FetchInvalidURL, 0, err, "invalid URL %s", papersum.Excerpt(rawURL))
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.failure(ctx, fctx, u, err)
	}
	defer resp.Body.Close()
	if c := resp.StatusCode; c < 200 || c > 299 {
		reason := papersum.FetchNotAPaper
		if c == http.StatusTooManyRequests || c >= 500 {
			reason = papersum.FetchUpstreamError
		}
		return nil, fetchError(reason, c, nil, "fetching %s: server answered %s", redact(resp.Request.URL), statusText(resp))
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return nil, f.tooLarge(resp.Request.URL)
	}
	// Reading one byte past the limit tells "exactly MaxBytes" from
	// "more", whatever Content-Length claimed (or when it is absent).
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return nil, f.failure(ctx, fctx, u, err)
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return nil, f.tooLarge(resp.Request.URL)
	}
	return &Document{
		Body:        body,
		ContentType: resp.Header.Get("Content-Type"),
		FinalURL:    resp.Request.URL.String(),
	}, nil
}

// failure turns a transport or read error into a *papersum.Error that
// wraps a *papersum.FetchError. Refusals of checkRedirect carry their
// reason already and pass through; a policy refusal of the dialer (an
// address that is not public, a port) is not_allowed.
func (f *Fetcher) failure(parent, fctx context.Context, u *url.URL, err error) error {
	var (
		pe *papersum.Error
		fe *papersum.FetchError
	)
	if errors.As(err, &pe) && errors.As(pe, &fe) {
		return pe
	}
	if pe != nil {
		return &papersum.Error{Code: papersum.EINVALID, Message: pe.Message,
			Err: &papersum.FetchError{Reason: papersum.FetchNotAllowed, Err: err}}
	}
	if parent.Err() != nil && !errors.Is(parent.Err(), context.DeadlineExceeded) {
		// The caller gave up (the client went away): not the remote's
		// failure, and no reason to report.
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "fetching " + redact(u) + " was cancelled", Err: err}
	}
	var (
		ne  net.Error
		dns *net.DNSError
	)
	switch {
	case fctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fetchError(papersum.FetchTimeout, 0, err, "fetching %s timed out after %s", redact(u), f.cfg.Timeout)
	case errors.As(err, &dns):
		return fetchError(papersum.FetchDNS, 0, err, "fetching %s failed: the host name %s could not be resolved", redact(u), papersum.Excerpt(u.Hostname()))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fetchError(papersum.FetchConnectionRefused, 0, err, "fetching %s failed: the server refused the connection", redact(u))
	}
	return fetchError(papersum.FetchConnectionFailed, 0, err, "fetching %s failed: the connection failed", redact(u))
}

// fetchError returns the error of a failed fetch: EUNAVAILABLE for a
// remote fault, EINVALID otherwise, with the message for the user and the
// reason and cause wrapped.
func fetchError(reason papersum.FetchReason, status int, cause error, format string, args ...any) *papersum.Error {
	code := papersum.EINVALID
	if reason.RemoteFault() {
		code = papersum.EUNAVAILABLE
	}
	return &papersum.Error{Code: code, Message: fmt.Sprintf(format, args...),
		Err: &papersum.FetchError{Reason: reason, Status: status, Err: cause}}
}

// statusText is the response's status line ("404 Not Found"), cut to a
// short excerpt: it is the remote server's text.
func statusText(resp *http.Response) string {
	return papersum.Excerpt(resp.Status)
}

func (f *Fetcher) tooLarge(u *url.URL) error {
	return fetchError(papersum.FetchTooLarge, 0, nil, "document at %s is larger than %s", redact(u), formatBytes(f.cfg.MaxBytes))
}

// checkRedirect applies the URL policy to every hop, so that an allowed
// host cannot bounce the fetch to a disallowed one, to another scheme or
// to an internal address.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return fetchError(papersum.FetchTooManyRedirects, 0, nil, "fetching %s: stopped after %d redirects", redact(via[0].URL), f.cfg.MaxRedirects)
	}
	if _, err := f.checkURL(req.URL.String()); err != nil {
		return err
	}
	return nil
}

// checkURL parses raw and applies the URL policy: scheme http or https,
// no userinfo, an allowed port, an allowed host, and for an IP literal a
// public address (refused here, before any connection is attempted).
func (f *Fetcher) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fetchError(papersum.FetchInvalidURL, 0, err, "invalid URL %q", papersum.Excerpt(raw))
	}
	notAllowed := func(format string, args ...any) (*url.URL, error) {
		return nil, fetchError(papersum.FetchNotAllowed, 0, nil, format, args...)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return notAllowed("URL scheme %q is not allowed; use http or https", papersum.Excerpt(u.Scheme))
	}
	if u.User != nil {
		// user:pass@host both leaks credentials into logs and is a
		// classic way to disguise the real host from a human reader.
		return notAllowed("URLs with user information are not allowed")
	}
	if u.Opaque != "" {
		return nil, fetchError(papersum.FetchInvalidURL, 0, nil, "invalid URL %q", papersum.Excerpt(raw))
	}
	host := normHost(u.Hostname())
	if host == "" {
		return nil, fetchError(papersum.FetchInvalidURL, 0, nil, "URL %q has no host", papersum.Excerpt(raw))
	}
	if !f.hostAllowed(host) {
		return notAllowed("host %s is not allowed; allowed: %s", papersum.Excerpt(host), strings.Join(f.hosts, ", "))
	}
	portStr := u.Port()
	if portStr == "" {
		portStr = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	if port, err := strconv.Atoi(portStr); err != nil || !f.ports[port] {
		return notAllowed("port %s is not allowed", papersum.Excerpt(portStr))
	}
	if a, err := netip.ParseAddr(host); err == nil && !f.dialer.permitted(a) {
		return notAllowed("%s", papersum.ErrorMessage(notPublic(a)))
	}
	return u, nil
}

// hostAllowed matches host against the allowlist (see Config.AllowedHosts).
func (f *Fetcher) hostAllowed(host string) bool {
	hostIP, hostErr := netip.ParseAddr(host)
	for _, h := range f.hosts {
		if a, err := netip.ParseAddr(h); err == nil {
			if hostErr == nil && a == hostIP {
				return true
			}
			continue
		}
		if hostErr == nil {
			continue // a name entry never admits an IP literal
		}
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// normHost lower-cases a host and drops one trailing dot, so that
// "ArXiv.org." and "arxiv.org" compare equal.
func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

func isIP(h string) bool {
	_, err := netip.ParseAddr(h)
	return err == nil
}

// redact drops the query and fragment from u for messages, because
// signed download URLs carry their credentials there, and cuts what is
// left to an excerpt: a URL is user input (or a server's redirect).
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.RawFragment, c.User = "", "", "", nil
	return papersum.Excerpt(c.String())
}

// formatBytes prints n in the unit that divides it: "50 MiB", "4 KiB",
// "100 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
