package deptest

import (
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// moduleDir is the module's root, two levels above this package.
const moduleDir = "../.."

// modulePackages returns every package of the module below moduleDir (by
// its path below Root) with the module packages its non-test files
// import, as the go command builds them here.
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(moduleDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != moduleDir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
			return filepath.SkipDir
		}
		if path != moduleDir {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil // a directory without Go files
			}
			t.Errorf("%s: %v", path, err)
			return nil
		}
		rel, _ := filepath.Rel(moduleDir, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		var own []string
		for _, imp := range pkg.Imports {
			if imp == Root {
				own = append(own, "")
			} else if p, ok := strings.CutPrefix(imp, Root+"/"); ok {
				own = append(own, p)
			}
		}
		out[rel] = own
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func show(p string) string {
	if p == "" {
		return "the root package"
	}
	return p
}

// TestLayers checks every package's imports against Layers and MayImport:
// imports point inward, no adapter imports another, transports reach the
// use cases only through the root, and every package has its line.
func TestLayers(t *testing.T) {
	pkgs := modulePackages(t)
	if _, ok := pkgs["httpapi"]; !ok {
		t.Fatalf("found no httpapi package below %s; is the walk broken?", moduleDir)
	}
	used := map[string]bool{}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		layer, ok := Layers[p]
		if !ok {
			t.Errorf("%s has no line in deptest.Layers; give it its layer", show(p))
			continue
		}
		for _, imp := range pkgs[p] {
			il, ok := Layers[imp]
			if !ok {
				continue // reported as a package of its own
			}
			switch {
			case slices.Contains(MayImport[layer], il):
			case imp == Telemetry && (layer == LayerTransport || layer == LayerUseCase):
			case slices.Contains(Pending[p], imp):
				used[p+" "+imp] = true
			default:
				t.Errorf("%s (%s) imports %s (%s); %s packages may import only %v", show(p), layer, show(imp), il, layer, MayImport[layer])
			}
		}
	}
	for p, imps := range Pending {
		if _, ok := pkgs[p]; !ok {
			continue
		}
		for _, imp := range imps {
			if !used[p+" "+imp] {
				t.Errorf("%s no longer imports %s: delete that line of deptest.Pending", p, imp)
			}
		}
	}
}

// TestLayersTable keeps the table itself sound: every layer has its
// rule, and the special cases name real lines.
func TestLayersTable(t *testing.T) {
	for p, l := range Layers {
		if _, ok := MayImport[l]; !ok {
			t.Errorf("%s: layer %q has no MayImport rule", show(p), l)
		}
	}
	if Layers[Telemetry] != LayerAdapter {
		t.Errorf("telemetry is %q, want an adapter", Layers[Telemetry])
	}
	for p, imps := range Pending {
		for _, imp := range imps {
			if _, ok := Layers[imp]; !ok {
				t.Errorf("Pending[%s] names %s, which has no layer", p, imp)
			}
		}
	}
}
