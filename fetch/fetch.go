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

// Document is a fetched body.
type Document struct {
	Body []byte
	// ContentType is the response's Content-Type header, as sent.
	ContentType string
	// FinalURL is the URL that answered, after redirects.
	FinalURL string
}

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
// It returns an EINVALID *papersum.Error when the URL or a redirect hop
// breaks the policy (scheme, userinfo, port, host allowlist, non-public
// address), when the body is larger than MaxBytes, or when the server
// answers with a 4xx status; and EUNAVAILABLE on timeouts, connection
// failures, 429 and 5xx answers.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Document, error) {
	u, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: "invalid URL " + rawURL, Err: err}
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.failure(ctx, fctx, u, err)
	}
	defer resp.Body.Close()
	if c := resp.StatusCode; c < 200 || c > 299 {
		code := papersum.EINVALID
		if c == http.StatusTooManyRequests || c >= 500 {
			code = papersum.EUNAVAILABLE
		}
		return nil, papersum.Errorf(code, "fetching %s: server answered %s", redact(resp.Request.URL), resp.Status)
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

// failure turns a transport or read error into a *papersum.Error. Policy
// refusals from the dialer or checkRedirect are already one and pass
// through unchanged.
func (f *Fetcher) failure(parent, fctx context.Context, u *url.URL, err error) error {
	var pe *papersum.Error
	if errors.As(err, &pe) {
		return pe
	}
	if parent.Err() != nil && !errors.Is(parent.Err(), context.DeadlineExceeded) {
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "fetching " + redact(u) + " was cancelled", Err: err}
	}
	var ne net.Error
	if fctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &papersum.Error{Code: papersum.EUNAVAILABLE,
			Message: fmt.Sprintf("fetching %s timed out after %s", redact(u), f.cfg.Timeout), Err: err}
	}
	return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "fetching " + redact(u) + " failed", Err: err}
}

func (f *Fetcher) tooLarge(u *url.URL) error {
	return papersum.Errorf(papersum.EINVALID, "document at %s is larger than %s", redact(u), formatBytes(f.cfg.MaxBytes))
}

// checkRedirect applies the URL policy to every hop, so that an allowed
// host cannot bounce the fetch to a disallowed one, to another scheme or
// to an internal address.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.cfg.MaxRedirects {
		return papersum.Errorf(papersum.EINVALID, "fetching %s: stopped after %d redirects", redact(via[0].URL), f.cfg.MaxRedirects)
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
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: "invalid URL", Err: err}
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, papersum.Errorf(papersum.EINVALID, "URL scheme %q is not allowed; use http or https", u.Scheme)
	}
	if u.User != nil {
		// user:pass@host both leaks credentials into logs and is a
		// classic way to disguise the real host from a human reader.
		return nil, papersum.Errorf(papersum.EINVALID, "URLs with user information are not allowed")
	}
	if u.Opaque != "" {
		return nil, papersum.Errorf(papersum.EINVALID, "invalid URL %q", raw)
	}
	host := normHost(u.Hostname())
	if host == "" {
		return nil, papersum.Errorf(papersum.EINVALID, "URL %q has no host", raw)
	}
	if !f.hostAllowed(host) {
		return nil, papersum.Errorf(papersum.EINVALID, "host %s is not allowed; allowed: %s", host, strings.Join(f.hosts, ", "))
	}
	portStr := u.Port()
	if portStr == "" {
		portStr = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	if port, err := strconv.Atoi(portStr); err != nil || !f.ports[port] {
		return nil, papersum.Errorf(papersum.EINVALID, "port %s is not allowed", portStr)
	}
	if a, err := netip.ParseAddr(host); err == nil && !f.dialer.permitted(a) {
		return nil, notPublic(a)
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
// signed download URLs carry their credentials there.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.RawFragment, c.User = "", "", "", nil
	return c.String()
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
