package anomaly

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps anomaly pure: the root package, drift, stats and the
// standard library only.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/drift", deptest.Root+"/stats")
}
