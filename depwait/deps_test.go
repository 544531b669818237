package depwait

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the drivers whose errors it reads, the
// backoff library and the standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/jackc/pgx/v5", "github.com/redis/go-redis/v9", "github.com/cenkalti/backoff/v5")
}
