package prose

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps prose pure: the standard library only.
func TestImports(t *testing.T) { deptest.AllowOnly(t) }
