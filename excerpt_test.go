package papersum

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", 100000)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"run_123", "run_123"},
		{strings.Repeat("a", ExcerptRunes), strings.Repeat("a", ExcerptRunes)},
		{strings.Repeat("a", ExcerptRunes+1), strings.Repeat("a", ExcerptRunes) + "…"},
		{long, strings.Repeat("x", ExcerptRunes) + "…"},
		// Characters, not bytes: a multi-byte character is never split.
		{strings.Repeat("é", ExcerptRunes+5), strings.Repeat("é", ExcerptRunes) + "…"},
		{strings.Repeat("é", ExcerptRunes), strings.Repeat("é", ExcerptRunes)},
		{strings.Repeat("\xff", ExcerptRunes+1), strings.Repeat("\xff", ExcerptRunes) + "…"},
	} {
		if got := Excerpt(tc.in); got != tc.want {
			t.Errorf("Excerpt(%.20q... len %d) = %.80q (len %d), want len %d", tc.in, len(tc.in), got, len(got), len(tc.want))
		}
	}
}

func TestFetchReasons(t *testing.T) {
	remote := map[FetchReason]bool{FetchDNS: true, FetchConnectionRefused: true, FetchConnectionFailed: true,
		FetchTimeout: true, FetchUpstreamError: true}
	seen := map[FetchReason]bool{}
	for _, r := range FetchReasons {
		if seen[r] {
			t.Errorf("%s listed twice", r)
		}
		seen[r] = true
		if r.RemoteFault() != remote[r] {
			t.Errorf("%s.RemoteFault() = %v", r, r.RemoteFault())
		}
	}
	if len(seen) != 10 {
		t.Errorf("%d reasons", len(seen))
	}
}
