package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestEvalRouge(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	cand := write("c.txt", "the cat sat on the mat\nit was happy\n")
	r1 := write("r1.txt", "a cat sat on a mat\n")
	r2 := write("r2.txt", "the cat was on the mat\n")
	r := cli(t, "", "", "eval", "rouge", "--format", "json", cand, r1, r2)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got map[string]struct{ Recall, Precision, F float64 }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	// ROUGE-1 with -f A over two references: hits 3+4... computed by hand:
	// r1 tokens {a,cat,sat,on,a,mat}: hits cat,sat,on,mat = 4 of 6;
	// r2 tokens {the,cat,was,on,the,mat}: hits the,cat,was,on,the,mat = 6 of 6;
	// recall = 10/12 = 0.83333, precision = 10/(9*2) = 0.55556.
	if g := got["ROUGE-1"]; g.Recall != 0.83333 || g.Precision != 0.55556 {
		t.Errorf("ROUGE-1 %+v", g)
	}
	same := cli(t, "", "", "eval", "rouge", "--format", "json", "--preset", "clscisumm", "--rouge-data", writeRougeData(t, t.TempDir()), r1, r1)
	json.Unmarshal([]byte(same.stdout), &got)
	if got["ROUGE-2"].F != 1 {
		t.Errorf("identical files: %+v", got)
	}
	if r := cli(t, "", "", "eval", "rouge", "--preset", "nope", cand, r1); r.code != exitUsage {
		t.Errorf("bad preset: exit %d", r.code)
	}
	if r := cli(t, "", "", "eval", "rouge", cand, filepath.Join(dir, "missing.txt")); r.code != exitFailure {
		t.Errorf("missing reference: exit %d", r.code)
	}
	if r := cli(t, "", "", "eval", "rouge", cand, write("empty.txt", "\n\n")); r.code != exitFailure {
		t.Errorf("empty reference: exit %d", r.code)
	}
	if r := cli(t, "", "", "eval", "rouge", write("bin.txt", "\xff\xfe\x00x"), r1); r.code != exitFailure {
		t.Errorf("binary candidate: exit %d", r.code)
	}
}
