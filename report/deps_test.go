package report

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps report a pure renderer: the root package, the
// evaluation results it renders and the standard library; no transport
// (the API's wire shapes are httpapi's) and no adapter.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/eval")
}
