package perturb

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the generator pure: the standard library only.
func TestImports(t *testing.T) { deptest.AllowOnly(t) }
