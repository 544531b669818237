package fetch

import (
	"net"
	"testing"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		// Public.
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"151.101.1.140", true},
		{"100.63.255.255", true}, // just below CGNAT
		{"100.128.0.0", true},    // just above CGNAT
		{"172.15.255.255", true}, // just below 172.16/12
		{"172.32.0.0", true},     // just above 172.16/12
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:81a::200e", true},
		{"::ffff:8.8.8.8", true}, // mapped public IPv4 is the public IPv4

		// Loopback.
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		// Unspecified and "this network".
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"::ffff:0.0.0.0", false},
		// RFC 1918.
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:192.168.0.1", false},
		// RFC 4193 unique local.
		{"fc00::1", false},
		{"fd12:3456:789a::1", false},
		// Link-local, including cloud metadata.
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"fe80::1", false},
		{"febf::1", false},
		{"fd00:ec2::254", false}, // AWS IPv6 metadata (unique local)
		// CGNAT.
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		// Multicast and broadcast.
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"ff02::1", false},
		{"ff0e::1", false},
		// Reserved, documentation, benchmarking.
		{"240.0.0.1", false},
		{"192.0.2.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"198.18.0.1", false},
		{"192.0.0.8", false},
		{"2001:db8::1", false},
		{"3fff::1", false},
		// Transition forms that can smuggle an internal IPv4.
		{"2002:7f00:1::1", false},      // 6to4 of 127.0.0.1
		{"2001:0:4136:e378::1", false}, // Teredo
		{"64:ff9b::7f00:1", false},     // NAT64 of 127.0.0.1
		{"::127.0.0.1", false},         // IPv4-compatible (deprecated)
		{"100::1", false},              // discard-only
	}
	for _, tt := range tests {
		ip := net.ParseIP(tt.ip)
		if ip == nil {
			t.Fatalf("bad test address %q", tt.ip)
		}
		if got := IsPublic(ip); got != tt.want {
			t.Errorf("IsPublic(%s) = %v, want %v", tt.ip, got, tt.want)
		}
		// The 4-byte form of an IPv4 address must classify the same.
		if v4 := ip.To4(); v4 != nil {
			if got := IsPublic(v4); got != tt.want {
				t.Errorf("IsPublic(4-byte %s) = %v, want %v", tt.ip, got, tt.want)
			}
		}
	}
}

func TestIsPublicMalformed(t *testing.T) {
	for _, ip := range []net.IP{nil, {}, {1, 2, 3}, make(net.IP, 5)} {
		if IsPublic(ip) {
			t.Errorf("IsPublic(%v) = true for a malformed address", []byte(ip))
		}
	}
}
