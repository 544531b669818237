package faultsuite

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// The helpers start processes; the only papersum package they use is the
// fake model API they run.
func TestDependencies(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/llm/llmtest/fakeupstream")
}
