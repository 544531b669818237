package telemetry

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports guards the layout rule that an adapter imports the root
// package, its own dependency and the standard library, and never another
// adapter.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"github.com/papersum/papersum", "github.com/prometheus/client_golang"}
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
			if !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				continue // standard library
			}
			ok := false
			for _, a := range allowed {
				if p == a || (a != "github.com/papersum/papersum" && strings.HasPrefix(p, a+"/")) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s; this package imports only the root package, %s and the standard library", f, p, allowed[1])
			}
		}
	}
}
