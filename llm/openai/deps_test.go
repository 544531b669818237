package openai

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, its SDK and the
// standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/openai/openai-go/v3")
}
