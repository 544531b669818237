package slo

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// slo is pure: the root package and a YAML codec, nothing that does I/O.
func TestDependencies(t *testing.T) {
	deptest.AllowOnly(t, "go.yaml.in/yaml/v3")
}
