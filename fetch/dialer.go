package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/papersum/papersum"
)

// Resolver looks up the addresses of a host name. *net.Resolver
// implements it; tests inject a fake so that names resolve to 127.0.0.1
// or to addresses that must never be dialled.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// DialerConfig configures a Dialer.
type DialerConfig struct {
	// AllowedPorts are the TCP ports a connection may use.
	// Default 80 and 443.
	AllowedPorts []int
	// Resolver resolves host names. Default net.DefaultResolver.
	Resolver Resolver
	// AllowPrivateForTests, when set, permits a non-public address for
	// which it returns true, so that tests can reach an httptest server on
	// 127.0.0.1. It must be nil in production. Default nil.
	AllowPrivateForTests func(net.IP) bool
	// ConnectTimeout bounds one TCP connect. Default 10s.
	ConnectTimeout time.Duration
}

func (c DialerConfig) withDefaults() DialerConfig {
	if len(c.AllowedPorts) == 0 {
		c.AllowedPorts = []int{80, 443}
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	return c
}

func (c DialerConfig) validate() error {
	for _, p := range c.AllowedPorts {
		if p < 1 || p > 65535 {
			return papersum.Errorf(papersum.EINVALID, "fetch: allowed port %d is out of range", p)
		}
	}
	if c.ConnectTimeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "fetch: connect timeout %s is negative", c.ConnectTimeout)
	}
	return nil
}

// Dialer opens TCP connections only to public addresses (see IsPublic) on
// allowed ports. It resolves names itself, refuses the whole name if any
// answer is not public, and checks the address again in the socket's
// Control hook, which sees the exact IP being connected to.
type Dialer struct {
	cfg   DialerConfig
	ports map[int]bool
	// observe, set only by tests, sees every address that reaches the
	// Control hook, i.e. every socket that was about to connect. Tests
	// use it to prove that refused addresses were never dialled.
	observe func(network, address string)
}

// NewDialer returns a Dialer. It returns an EINVALID error for an invalid
// config.
func NewDialer(cfg DialerConfig) (*Dialer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Dialer{cfg: cfg, ports: map[int]bool{}}
	for _, p := range cfg.AllowedPorts {
		d.ports[p] = true
	}
	return d, nil
}

// DialContext connects to address ("host:port") over TCP. It has the
// signature of http.Transport.DialContext.
//
// It returns an EINVALID *papersum.Error when the port is not allowed or
// the host has an address that is not public, before any connection is
// attempted; connection failures are returned as the net package reports
// them.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, papersum.Errorf(papersum.EINVALID, "network %s is not allowed", network)
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: "invalid address " + address, Err: err}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || !d.ports[port] {
		return nil, papersum.Errorf(papersum.EINVALID, "port %s is not allowed", portStr)
	}
	addrs, err := d.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	// Every answer is checked before any is dialled: a name that mixes
	// public and private answers is a rebinding trick, and which answer a
	// later connection would use is not ours to predict.
	for _, a := range addrs {
		if !d.permitted(a) {
			return nil, notPublic(a)
		}
	}
	nd := net.Dialer{Timeout: d.cfg.ConnectTimeout, Control: d.control}
	var errs []error
	for _, a := range addrs {
		conn, err := nd.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// resolve returns host's addresses; an IP literal is its own answer.
func (d *Dialer) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ipas, err := d.cfg.Resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	out := make([]netip.Addr, 0, len(ipas))
	for _, ipa := range ipas {
		a, ok := netip.AddrFromSlice(ipa.IP)
		if !ok {
			return nil, papersum.Errorf(papersum.EINVALID, "host %s resolved to a malformed address", host)
		}
		// Resolvers hand IPv4 answers back in 16-byte form; unmapping
		// makes messages show 127.0.0.1 rather than ::ffff:127.0.0.1 and
		// dials them as the IPv4 addresses they are.
		out = append(out, a.Unmap().WithZone(ipa.Zone))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolve %s: %w", host, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true})
	}
	return out, nil
}

// control runs after the socket is created and before it connects, with
// the numeric address actually being connected to. It is the last line of
// defence: whatever resolved the name, this is the IP the packets go to.
func (d *Dialer) control(network, address string, _ syscall.RawConn) error {
	if d.observe != nil {
		d.observe(network, address)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return papersum.Errorf(papersum.EINVALID, "invalid address %s", address)
	}
	if !d.ports[int(ap.Port())] {
		return papersum.Errorf(papersum.EINVALID, "port %d is not allowed", ap.Port())
	}
	if !d.permitted(ap.Addr()) {
		return notPublic(ap.Addr())
	}
	return nil
}

// permitted applies IsPublic and the test escape hatch.
func (d *Dialer) permitted(a netip.Addr) bool {
	if isPublicAddr(a) {
		return true
	}
	return d.cfg.AllowPrivateForTests != nil && d.cfg.AllowPrivateForTests(net.IP(a.AsSlice()))
}

func notPublic(a netip.Addr) error {
	return papersum.Errorf(papersum.EINVALID, "address %s is not public", a)
}

// Transport returns a new http.Transport that dials through d. It never
// uses a proxy: with a proxy the dialer would check the proxy's address
// instead of the target's, and HTTP_PROXY from the environment would
// silently switch the protection off.
func (d *Dialer) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}
