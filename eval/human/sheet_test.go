package human

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// testItems are 20 two-summary items and one single-summary item. Each
// summary's text names its system so that a test can fill the sheet the
// way a rater would, from the text alone, and check the un-blinding.
func testItems() []ExportItem {
	var items []ExportItem
	for i := range 20 {
		items = append(items, ExportItem{
			ID:       fmt.Sprintf("P%02d-%d", i, 1000+i),
			Title:    fmt.Sprintf("Paper %d: Ünïcode, «quotes» and \"escapes\"", i),
			Source:   fmt.Sprintf("papers/p%02d.pdf", i),
			SystemA:  "baseline",
			SummaryA: fmt.Sprintf("Baseline summary of paper %d.\nIt spans two lines, with a comma.", i),
			SystemB:  "critique-revise",
			SummaryB: fmt.Sprintf("- Revised summary of paper %d: a bullet that a spreadsheet would take for a formula.", i),
		})
	}
	items = append(items, ExportItem{ID: "S01", Title: "Single", Source: "excerpt: we study ...", SystemA: "baseline", SummaryA: "=Only one summary here."})
	return items
}

func export(t *testing.T, items []ExportItem, seed uint64) (sheet, key []byte) {
	t.Helper()
	var s, k bytes.Buffer
	if err := Export(items, rand.New(rand.NewPCG(seed, seed^0x9e3779b9)), &s, &k); err != nil {
		t.Fatalf("Export: %v", err)
	}
	return s.Bytes(), k.Bytes()
}

// parseSheet reads an exported sheet into its header and rows.
func parseSheet(t *testing.T, sheet []byte) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(sheet, []byte(bom)))).ReadAll()
	if err != nil {
		t.Fatalf("parse sheet: %v", err)
	}
	return recs[0], recs[1:]
}

func writeSheet(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(bom)
	w := csv.NewWriter(&b)
	if err := w.WriteAll(append([][]string{header}, rows...)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func colIndex(header []string) map[string]int {
	m := make(map[string]int)
	for i, h := range header {
		m[h] = i
	}
	return m
}

// intended are the scores a rater gives each system in fillSheet: the
// baseline gets 4 6 7 8 and the revised summary 9 8 7 6 on every item.
var intended = map[string]papersum.Scores{
	"baseline":        {Accuracy: 4, Completeness: 6, Clarity: 7, Coherence: 8},
	"critique-revise": {Accuracy: 9, Completeness: 8, Clarity: 7, Coherence: 6},
}

// systemOf recognises a summary's system from its text, as a rater
// recognises quality: the test filler never reads the key.
func systemOf(text string) string {
	switch {
	case strings.Contains(text, "Baseline"), strings.Contains(text, "Only one"):
		return "baseline"
	case strings.Contains(text, "Revised"):
		return "critique-revise"
	}
	return ""
}

// fillSheet fills every row of an exported sheet: scores from intended,
// preference for the revised summary, and a comment.
func fillSheet(t *testing.T, sheet []byte) []byte {
	t.Helper()
	header, rows := parseSheet(t, sheet)
	col := colIndex(header)
	for _, row := range rows {
		for pos := 1; pos <= 2; pos++ {
			sys := systemOf(row[col[summaryCol(pos)]])
			if sys == "" {
				continue
			}
			s := intended[sys]
			for i, v := range []float64{s.Accuracy, s.Completeness, s.Clarity, s.Coherence} {
				row[col[scoreCol(pos, dimensions[i])]] = fmt.Sprint(v)
			}
			if sys == "critique-revise" {
				row[col[colPreference]] = fmt.Sprint(pos)
			}
		}
		row[col[colComment]] = "checked, ok"
	}
	return writeSheet(t, header, rows)
}

func TestExportImportRoundTrip(t *testing.T) {
	items := testItems()
	sheet, key := export(t, items, 42)

	if !bytes.HasPrefix(sheet, []byte(bom)) {
		t.Error("sheet does not start with a byte order mark")
	}
	for _, name := range []string{"baseline", "critique-revise"} {
		if bytes.Contains(sheet, []byte(name)) {
			t.Errorf("sheet names system %q: not blind", name)
		}
	}
	header, rows := parseSheet(t, sheet)
	if strings.Join(header, ",") != strings.Join(sheetHeader(), ",") {
		t.Errorf("header = %v", header)
	}
	col := colIndex(header)
	var first, second int
	for i, row := range rows {
		if row[col[colItem]] != items[i].ID {
			t.Fatalf("row %d is item %q, want %q (items keep their order)", i, row[col[colItem]], items[i].ID)
		}
		if items[i].SummaryB == "" {
			if row[col[summaryCol(2)]] != "" {
				t.Errorf("single-summary item has summary_2 %q", row[col[summaryCol(2)]])
			}
			continue
		}
		if systemOf(row[col[summaryCol(1)]]) == "baseline" {
			first++
		} else {
			second++
		}
		if b := row[col[summaryCol(1)]]; strings.HasPrefix(b, "-") {
			t.Errorf("bullet summary not guarded against formula evaluation: %q", b)
		}
	}
	// 20 fair coins: both orders must occur (P(all equal) = 2^-19).
	if first == 0 || second == 0 {
		t.Errorf("order not randomised: baseline first %d times, second %d times", first, second)
	}

	ratings, problems, err := Import(bytes.NewReader(fillSheet(t, sheet)), bytes.NewReader(key), " alice ")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if len(problems) > 0 {
		t.Fatalf("problems on a correctly filled sheet: %v", problems)
	}
	if len(ratings) != len(items) {
		t.Fatalf("got %d ratings, want %d", len(ratings), len(items))
	}
	sheetIDs := map[string]bool{}
	for i, r := range ratings {
		if r.Item != items[i].ID || r.Rater != "alice" || r.Row != i+2 || r.Comment != "checked, ok" {
			t.Errorf("rating %d: item %q rater %q row %d comment %q", i, r.Item, r.Rater, r.Row, r.Comment)
		}
		sheetIDs[r.Sheet] = true
		wantN := 2
		if items[i].SummaryB == "" {
			wantN = 1
		}
		if len(r.Summaries) != wantN {
			t.Fatalf("%s: %d summaries, want %d", r.Item, len(r.Summaries), wantN)
		}
		for _, s := range r.Summaries {
			if s.Scores != intended[s.System] {
				t.Errorf("%s: system %s (position %d) got %+v, want %+v: un-blinded wrongly", r.Item, s.System, s.Position, s.Scores, intended[s.System])
			}
		}
		if wantN == 2 && (r.Preferred != "critique-revise" || r.Tie) {
			t.Errorf("%s: preferred %q tie %v, want critique-revise", r.Item, r.Preferred, r.Tie)
		}
		if wantN == 1 && (r.Preferred != "" || r.Tie) {
			t.Errorf("%s: single-summary item has a preference", r.Item)
		}
	}
	if len(sheetIDs) != 1 {
		t.Errorf("ratings carry %d sheet IDs, want 1", len(sheetIDs))
	}
}

func TestExportDeterministic(t *testing.T) {
	items := testItems()
	s1, k1 := export(t, items, 7)
	s2, k2 := export(t, items, 7)
	if !bytes.Equal(s1, s2) || !bytes.Equal(k1, k2) {
		t.Error("same seed gave different files")
	}
	s3, k3 := export(t, items, 8)
	if bytes.Equal(s1, s3) || bytes.Equal(k1, k3) {
		t.Error("different seeds gave the same order for 20 items")
	}
	// Every key row carries the hash of the blank sheet.
	recs, err := csv.NewReader(bytes.NewReader(k1)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(keyHeader, ",") || len(recs) != len(items)+1 {
		t.Fatalf("key header %v, %d rows", recs[0], len(recs))
	}
	for _, r := range recs[1:] {
		if len(r[4]) != 64 || r[4] != recs[1][4] {
			t.Errorf("sheet_sha256 %q differs between rows or is not a SHA-256", r[4])
		}
	}
}

func TestExportErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ok := ExportItem{ID: "a", SystemA: "x", SummaryA: "text"}
	for _, tc := range []struct {
		name  string
		items []ExportItem
		rng   *rand.Rand
	}{
		{"nil rng", []ExportItem{ok}, nil},
		{"no items", nil, rng},
		{"empty ID", []ExportItem{{SystemA: "x", SummaryA: "t"}}, rng},
		{"ID with spaces", []ExportItem{{ID: " a", SystemA: "x", SummaryA: "t"}}, rng},
		{"formula ID", []ExportItem{{ID: "=a", SystemA: "x", SummaryA: "t"}}, rng},
		{"no summary", []ExportItem{{ID: "a", SystemA: "x"}}, rng},
		{"no system", []ExportItem{{ID: "a", SummaryA: "t"}}, rng},
		{"summary B without system", []ExportItem{{ID: "a", SystemA: "x", SummaryA: "t", SummaryB: "u"}}, rng},
		{"same system twice", []ExportItem{{ID: "a", SystemA: "x", SummaryA: "t", SystemB: "x", SummaryB: "u"}}, rng},
		{"duplicate ID", []ExportItem{ok, ok}, rng},
	} {
		var s, k bytes.Buffer
		err := Export(tc.items, tc.rng, &s, &k)
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
		}
		if s.Len() != 0 || k.Len() != 0 {
			t.Errorf("%s: wrote output before failing", tc.name)
		}
	}
}
