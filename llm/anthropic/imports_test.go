package anthropic

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports guards the house layout: the adapter imports the standard
// library, the root package and its SDK, and never another adapter or the
// llm layer above it (tests may import the fake upstream and the suite).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case path == "github.com/papersum/papersum":
			case strings.HasPrefix(path, "github.com/anthropics/anthropic-sdk-go/v2"):
			case path == "go.opentelemetry.io/otel/trace":
				// the tracer provider type the SDK takes
			case !strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
				// standard library
			default:
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
