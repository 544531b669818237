// Package deptest guards the layout rule that adapters import the root
// package, their own dependency and the standard library, and never each
// other. Each package states what it may import in one line of its tests.
package deptest

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Root is papersum's root package, which every package may import.
const Root = "github.com/papersum/papersum"

// AllowOnly fails t when a non-test Go file of the package in the current
// directory imports a module package other than Root and allowed. The
// standard library is always allowed. An allowed papersum package matches
// only itself; an allowed outside module matches its sub-packages too.
func AllowOnly(t *testing.T, allowed ...string) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !permitted(p, allowed) {
				t.Errorf("%s imports %s; this package may import only the root package, %v and the standard library", f, p, allowed)
			}
		}
	}
}

func permitted(p string, allowed []string) bool {
	if p == Root || !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
		return true // the root package, or the standard library
	}
	for _, a := range allowed {
		if p == a || (!strings.HasPrefix(a, Root) && strings.HasPrefix(p, a+"/")) {
			return true
		}
	}
	return false
}
