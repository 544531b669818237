package cache

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, go-redis and the
// standard library: adapters never import each other.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/redis/go-redis/v9")
}
