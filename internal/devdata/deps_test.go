package devdata

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

func TestDependencies(t *testing.T) {
	deptest.AllowOnly(t)
}
