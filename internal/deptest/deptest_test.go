package deptest

import "testing"

func TestPermitted(t *testing.T) {
	allowed := []string{"github.com/twmb/franz-go", Root + "/report"}
	tests := map[string]bool{
		"fmt":                              true,
		Root:                               true,
		"github.com/twmb/franz-go/pkg/kgo": true,
		Root + "/report":                   true,
		Root + "/report/sub":               false,
		Root + "/sqlite":                   false,
		"github.com/twmb/franz-goo":        false,
		"github.com/redis/go-redis/v9":     false,
	}
	for p, want := range tests {
		if got := permitted(p, allowed); got != want {
			t.Errorf("permitted(%q) = %v, want %v", p, got, want)
		}
	}
}
