package httpapi

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the queue, the pipeline and the stores behind the
// interfaces in server.go, so that the HTTP layer can be tested without
// them and cmd/papersum stays the only place that wires them.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/telemetry")
}
