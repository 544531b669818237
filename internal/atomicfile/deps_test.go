package atomicfile

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps atomicfile a leaf: the standard library only.
func TestImports(t *testing.T) { deptest.AllowOnly(t) }
