package ingest

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps ingest pure: the root package, its own PDF and
// sentence packages, golang.org/x/text and the standard library; no
// store, provider or transport.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/ingest/pdftext", deptest.Root+"/ingest/sentences", "golang.org/x/text")
}
