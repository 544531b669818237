package httpapi

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports are the module packages httpapi may use. The queue, the
// pipeline and the stores stay behind the interfaces in server.go, so
// that the HTTP layer can be tested without them and cmd/papersum stays
// the only place that wires them.
var allowedImports = map[string]bool{
	"github.com/papersum/papersum":           true,
	"github.com/papersum/papersum/apikey":    true,
	"github.com/papersum/papersum/ratelimit": true,
	"github.com/papersum/papersum/report":    true,
	"github.com/papersum/papersum/telemetry": true,
}

func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") || allowedImports[p] {
				continue
			}
			t.Errorf("%s imports %s; httpapi may import only %v and the standard library", f, p, allowedImports)
		}
	}
}
