package fetch

import (
	"net"
	"net/netip"
)

// nonPublicV4 lists the IPv4 special-purpose ranges (IANA IPv4
// Special-Purpose Address Registry, RFC 6890 and successors) that a
// submitted URL must never reach. Everything else in IPv4 is public.
var nonPublicV4 = prefixes(
	"0.0.0.0/8",       // "this network", includes the unspecified 0.0.0.0
	"10.0.0.0/8",      // RFC 1918 private
	"100.64.0.0/10",   // RFC 6598 carrier-grade NAT
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, includes cloud metadata 169.254.169.254
	"172.16.0.0/12",   // RFC 1918 private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1 documentation
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // RFC 1918 private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2 documentation
	"203.0.113.0/24",  // TEST-NET-3 documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, includes broadcast 255.255.255.255
)

// globalUnicastV6 is the only IPv6 block IANA allocates for global
// unicast. Anything outside it (loopback ::1, unspecified ::, unique local
// fc00::/7, link-local fe80::/10, multicast ff00::/8, NAT64 64:ff9b::/96,
// discard 100::/64, IPv4-compatible ::/96) is not public. Allowing one
// block and carving holes in it is safer than listing what to refuse.
var globalUnicastV6 = netip.MustParsePrefix("2000::/3")

// nonPublicV6 are the special-purpose ranges inside 2000::/3.
var nonPublicV6 = prefixes(
	"2001::/23",     // IETF protocol assignments: Teredo, benchmarking, ORCHID
	"2001:db8::/32", // documentation
	"2002::/16",     // 6to4, which embeds an arbitrary (possibly private) IPv4
	"3fff::/20",     // documentation (RFC 9637)
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// IsPublic reports whether ip is a globally routable unicast address that
// a fetch may connect to. It refuses loopback, private (RFC 1918, RFC 4193),
// link-local (including 169.254.169.254), carrier-grade NAT, multicast,
// unspecified, documentation and other reserved addresses, and the
// IPv4-mapped IPv6 form (::ffff:a.b.c.d) of any refused IPv4 address.
// A nil or malformed ip is not public.
func IsPublic(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	return isPublicAddr(a)
}

// isPublicAddr is IsPublic on a netip.Addr.
func isPublicAddr(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		// A zone only makes sense for link-local and site-scoped
		// addresses, none of which are public.
		return false
	}
	// ::ffff:127.0.0.1 connects to 127.0.0.1 on a dual-stack socket, so
	// it is judged as the IPv4 address it carries.
	a = a.Unmap()
	if a.Is4() {
		for _, p := range nonPublicV4 {
			if p.Contains(a) {
				return false
			}
		}
		return true
	}
	if !globalUnicastV6.Contains(a) {
		return false
	}
	for _, p := range nonPublicV6 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
