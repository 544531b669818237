package budget

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps budget a use case: the root, the pure econ and
// pricing packages, and telemetry.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/econ", deptest.Root+"/llm/pricing", deptest.Root+"/telemetry")
}
