package observability

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// Test support only: Prometheus's parser and exposition format, YAML.
func TestDependencies(t *testing.T) {
	deptest.AllowOnly(t, "github.com/prometheus/prometheus/promql/parser", "github.com/prometheus/prometheus/model/labels",
		"github.com/prometheus/common", "github.com/prometheus/client_model", "go.yaml.in/yaml/v3")
}
