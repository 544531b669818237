package anomaly

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps anomaly pure: the root package, drift and the
// standard library only.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/drift")
}
