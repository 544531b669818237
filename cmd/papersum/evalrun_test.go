package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum/eval"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// writeJSONLDataset writes a small generic dataset of n papers.
func writeJSONLDataset(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	base := fakeupstream.SamplePaper()
	for i := 0; i < n; i++ {
		line, _ := json.Marshal(map[string]any{
			"id":         fmt.Sprintf("p%d", i),
			"text":       fmt.Sprintf("# Paper %d\n\nPaper %d studies a variant of the method below.\n\n%s", i, i, base),
			"references": []string{"We study block sparse attention for long documents. It reduces memory and keeps accuracy."},
		})
		b.Write(line)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "set.jsonl")
	os.WriteFile(p, []byte(b.String()), 0o644)
	return p
}

func TestEvalRunGateAB(t *testing.T) {
	ds := "jsonl:" + writeJSONLDataset(t, 6)
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	out := filepath.Join(dir, "report")
	r := cli(t, db, "", "eval", "run", "--dataset", ds, "--out", out, "--format", "json")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var res eval.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 6 || res.Aggregate["overall"].N != 6 || res.Aggregate["rouge2_f/reference"].N != 6 || res.PassRate.N != 6 {
		t.Fatalf("result %+v", res.Aggregate)
	}
	for _, f := range []string{"report.md", "report.html", "result.json"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The per-paper scores are in the store.
	if !strings.Contains(r.stderr, "6/6") {
		t.Errorf("no progress shown:\n%s", r.stderr)
	}

	base := filepath.Join(out, "result.json")
	if g := cli(t, db, "", "eval", "gate", "--baseline", base, base); g.err != nil {
		t.Fatalf("gate against itself: %v\n%s", g.err, g.stdout)
	}
	// A regression: every summary's accuracy drops by two points.
	worse := res
	worse.Items = append([]eval.Item(nil), res.Items...)
	for i := range worse.Items {
		m := map[string]float64{}
		for k, v := range worse.Items[i].Metrics {
			m[k] = v
		}
		m["accuracy"] -= 2
		worse.Items[i].Metrics = m
	}
	worse.Aggregate = nil
	data, _ := json.Marshal(worse)
	worsePath := filepath.Join(dir, "worse.json")
	os.WriteFile(worsePath, data, 0o644)
	g := cli(t, db, "", "eval", "gate", "--baseline", base, worsePath)
	if g.code != exitFailure || !strings.Contains(g.stdout, "accuracy") {
		t.Fatalf("gate on a regression: exit %d\n%s", g.code, g.stdout)
	}

	cfg := writeConfig(t, "target_words: 60\n")
	ab := cli(t, db, "", "eval", "ab", "--a", "default", "--b", cfg, "--dataset", ds)
	if ab.err != nil || !strings.Contains(ab.stdout, "rouge") {
		t.Fatalf("ab: %v\n%s", ab.err, ab.stdout)
	}
}

func TestEvalHumanRoundTrip(t *testing.T) {
	ds := "jsonl:" + writeJSONLDataset(t, 4)
	dir := t.TempDir()
	db := filepath.Join(dir, "e.db")
	outA, outB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if r := cli(t, db, "", "eval", "run", "--dataset", ds, "--out", outA); r.err != nil {
		t.Fatal(r.err)
	}
	cfg := writeConfig(t, "target_words: 60\n")
	if r := cli(t, db, "", "--config", cfg, "eval", "run", "--dataset", ds, "--out", outB); r.err != nil {
		t.Fatal(r.err)
	}
	sheet, key := filepath.Join(dir, "sheet.csv"), filepath.Join(dir, "key.csv")
	r := cli(t, db, "", "eval", "human", "export", "--a", filepath.Join(outA, "result.json"), "--b", filepath.Join(outB, "result.json"),
		"--sheet", sheet, "--key", key)
	if r.err != nil {
		t.Fatal(r.err)
	}
	// Two raters fill in the sheet; the second gives one out-of-range score.
	fill := func(name string, score func(row int) string) string {
		f, _ := os.Open(sheet)
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(recs); i++ {
			for j, h := range recs[0] {
				switch {
				case strings.HasPrefix(h, "summary_") && strings.Count(h, "_") == 2:
					recs[i][j] = score(i)
				case h == "preference":
					recs[i][j] = "1"
				}
			}
		}
		p := filepath.Join(dir, name)
		f, _ = os.Create(p)
		csv.NewWriter(f).WriteAll(recs)
		f.Close()
		return p
	}
	s1 := fill("r1.csv", func(row int) string { return fmt.Sprint(5 + row%4) })
	s2 := fill("r2.csv", func(row int) string { return fmt.Sprint(5 + row%4) })
	bad := fill("bad.csv", func(row int) string { return "11" })
	ratings := filepath.Join(dir, "ratings.jsonl")
	if r := cli(t, db, "", "eval", "human", "import", "--sheet", bad, "--key", key, "--rater", "x", "--out", ratings); r.code != exitFailure ||
		!strings.Contains(r.stderr, "11") {
		t.Fatalf("out-of-range scores: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(ratings); err == nil {
		t.Fatal("a rejected sheet wrote ratings")
	}
	for i, s := range []string{s1, s2} {
		if r := cli(t, db, "", "eval", "human", "import", "--sheet", s, "--key", key, "--rater", fmt.Sprint("rater", i), "--out", ratings); r.err != nil {
			t.Fatalf("import: %v\n%s", r.err, r.stderr)
		}
	}
	ag := cli(t, db, "", "eval", "human", "agreement", ratings, "--judge", filepath.Join(outA, "result.json"))
	if ag.err != nil || !strings.Contains(ag.stdout, "alpha") {
		t.Fatalf("agreement: %v\n%s", ag.err, ag.stdout)
	}
}

// TestQualityGate is papersum's own quality gate: the built-in
// configuration evaluated on examples/ci/gate.jsonl must not regress
// against examples/ci/baseline.json (see examples/ci/README.md to refresh
// it on purpose).
func TestQualityGate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	cur := filepath.Join(t.TempDir(), "current.json")
	r := cli(t, db, "", "eval", "run", "--dataset", "jsonl:../../examples/ci/gate.jsonl", "--format", "json")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	os.WriteFile(cur, []byte(r.stdout), 0o644)
	g := cli(t, db, "", "eval", "gate", "--baseline", "../../examples/ci/baseline.json", cur)
	if g.err != nil {
		t.Fatalf("quality gate: %v\n%s", g.err, g.stdout)
	}
}
