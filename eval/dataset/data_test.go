package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests in this file load the full shared data set. They run when
// PAPERSUM_DATA names the shared data directory (../shared/data) and are
// skipped otherwise, so plain `go test ./...` stays hermetic.

func dataDir(t *testing.T) string { return getenvData(t) }

// getenvData returns $PAPERSUM_DATA or skips the test or benchmark.
func getenvData(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("PAPERSUM_DATA")
	if dir == "" {
		tb.Skip("PAPERSUM_DATA not set")
	}
	return dir
}

func TestDataScisummNet(t *testing.T) {
	dir := filepath.Join(dataDir(t), "scisummnet")
	start := time.Now()
	ds, err := Load(context.Background(), "scisummnet:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d items in %v", len(ds.Items), time.Since(start))
	whole := 0
	for _, s := range ds.Skipped {
		t.Logf("skipped %s %s: %s", s.ID, s.RefType, s.Reason)
		if s.RefType == "" {
			whole++
		}
	}
	if got := len(ds.Items) + whole; got != 781 {
		t.Errorf("items + skipped papers = %d, want 781", got)
	}
	counts := refCounts(ds)
	t.Logf("references: %v; %d skips", counts, len(ds.Skipped))
	if counts[RefHuman]+counts[RefAbstract] == 0 {
		t.Fatal("no references")
	}
	// Every skip is a known property of the corpus: N03-2021 has no
	// sentences; C92-2066's <ABSTRACT> wraps the whole body, so nothing
	// is left without it; 16 abstract files are empty; three human
	// summaries (J93-2004, W00-0730, W04-1221) are only a title line, and
	// their abstracts are empty too, so those papers are out whole.
	if len(ds.Items) != 777 || whole != 4 || len(ds.Skipped) != 18 {
		t.Errorf("%d items, %d papers and %d skips in all; want 777, 4, 18", len(ds.Items), whole, len(ds.Skipped))
	}
	if counts[RefHuman] != 777 || counts[RefAbstract] != 763 {
		t.Errorf("human %d, abstract %d references; want 777 and 763", counts[RefHuman], counts[RefAbstract])
	}
	checkItems(t, ds)

	// The hash is stable across loads.
	again, err := Load(context.Background(), "scisummnet:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != ds.Hash {
		t.Errorf("hash changed between loads: %s, %s", ds.Hash, again.Hash)
	}
}

func TestDataCLSciSumm(t *testing.T) {
	dir := filepath.Join(dataDir(t), "cl-scisumm-2018")
	start := time.Now()
	ds, err := Load(context.Background(), "clscisumm:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d items in %v", len(ds.Items), time.Since(start))
	if len(ds.Items) != 20 || len(ds.Skipped) != 0 {
		t.Errorf("%d items, %d skipped; want 20, 0", len(ds.Items), len(ds.Skipped))
	}
	counts := refCounts(ds)
	want := map[string]int{RefHuman: 62, RefCommunity: 62, RefAbstract: 20}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%d %s references, want %d", counts[k], k, v)
		}
	}
	checkItems(t, ds)
	for _, it := range ds.Items {
		for _, ref := range it.References[RefCommunity] {
			if strings.Contains(ref[0], "sid=") || strings.Contains(ref[0], "</S") || strings.Contains(ref[0], "&amp;") {
				t.Errorf("%s: community reference keeps markup: %.200s", it.ID, ref[0])
			}
		}
	}
}

func TestDataSciTLDR(t *testing.T) {
	file := filepath.Join(dataDir(t), "scitldr", "SciTLDR-A", "dev.jsonl")
	start := time.Now()
	ds, err := Load(context.Background(), "scitldr:"+file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d items in %v", len(ds.Items), time.Since(start))
	counts := refCounts(ds)
	if len(ds.Items) != 619 || counts[RefTLDR] != 1453 || counts[RefAuthor] != 619 {
		t.Errorf("%d items, %d tldr, %d author references; want 619, 1453, 619", len(ds.Items), counts[RefTLDR], counts[RefAuthor])
	}
	checkItems(t, ds)
}

// refCounts counts the references of each type over the items.
func refCounts(ds *Dataset) map[string]int {
	n := map[string]int{}
	for _, it := range ds.Items {
		for k, refs := range it.References {
			n[k] += len(refs)
		}
	}
	return n
}

// checkItems checks what every dataset promises: each input's reference
// types have references, every reference has non-empty sentences, and no
// "no_abstract" input has an abstract section.
func checkItems(t *testing.T, ds *Dataset) {
	t.Helper()
	for _, it := range ds.Items {
		if len(it.Inputs) == 0 {
			t.Errorf("%s: no inputs", it.ID)
		}
		for _, in := range it.Inputs {
			if in.Paper == nil || len(in.Paper.Sections) == 0 {
				t.Errorf("%s/%s: no paper", it.ID, in.Name)
				continue
			}
			for _, rt := range in.RefTypes {
				if len(it.References[rt]) == 0 {
					t.Errorf("%s/%s: no %s references", it.ID, in.Name, rt)
				}
			}
			if in.Name == InputNoAbstract {
				for _, s := range in.Paper.Sections {
					if s.Kind == "abstract" {
						t.Errorf("%s: no_abstract input has an abstract section", it.ID)
					}
				}
			}
		}
		for rt, refs := range it.References {
			for _, ref := range refs {
				if len(ref) == 0 {
					t.Errorf("%s: empty %s reference", it.ID, rt)
				}
				for _, s := range ref {
					if strings.TrimSpace(s) == "" {
						t.Errorf("%s: empty sentence in a %s reference", it.ID, rt)
					}
				}
			}
		}
	}
}
