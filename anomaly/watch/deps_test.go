package watch

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports: the root and the pure detectors only; the store, the
// metrics and the webhook sender are handed in.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/anomaly")
}
