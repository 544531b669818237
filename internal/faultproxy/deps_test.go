package faultproxy

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

func TestImports(t *testing.T) { deptest.AllowOnly(t) }
