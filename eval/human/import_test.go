package human

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// TestImportProblems fills a sheet with one mistake per row and checks
// that each is listed with its row, line and column, that the rows with
// problems are rejected and that the others are kept.
func TestImportProblems(t *testing.T) {
	all := testItems()
	items := append(all[:14:14], all[len(all)-1]) // P00..P13 and the single S01
	sheet, key := export(t, items, 3)
	header, rows := parseSheet(t, fillSheet(t, sheet))
	col := colIndex(header)
	// pos returns the sheet position (1 or 2) of system sys in row.
	pos := func(row []string, sys string) int {
		if systemOf(row[col[summaryCol(1)]]) == sys {
			return 1
		}
		return 2
	}
	set := func(i int, column, v string) { rows[i][col[column]] = v }
	// Row i+2 of the sheet is rows[i].
	set(1, scoreCol(1, "accuracy"), "11")
	set(2, scoreCol(2, "clarity"), "-1")
	set(3, scoreCol(1, "completeness"), "abc")
	set(4, scoreCol(1, "coherence"), "7.5")
	set(5, scoreCol(2, "accuracy"), "")
	set(6, colPreference, "")
	set(7, colPreference, "3")
	set(8, summaryCol(pos(rows[8], "baseline")), "Baseline summary, edited by the rater.")
	set(9, colItem, "ZZZ")
	rows[10] = slices.Clone(rows[0]) // P10's row replaced by a second P00
	for _, d := range dimensions {   // P11 left unrated
		set(11, scoreCol(1, d), "")
		set(11, scoreCol(2, d), "")
	}
	set(11, colPreference, "")
	set(12, scoreCol(pos(rows[12], "critique-revise"), "accuracy"), "9.0")
	set(12, colPreference, " TIE ")
	rows[13] = rows[13][:len(rows[13])-1] // P13: a cell short
	set(14, scoreCol(2, "accuracy"), "5") // S01 has one summary
	set(14, colPreference, "1")

	ratings, problems, err := Import(bytes.NewReader(writeSheet(t, header, rows)), bytes.NewReader(key), "bob")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	// Each P row spans two lines (the baseline summary has a line break)
	// except P08's, whose edited summary has one; the key has one line a
	// row. So the line of a problem differs from its row.
	type want struct {
		file      string
		row, line int
		item      string
		column    string
		text      string
	}
	wants := []want{
		{"key", 11, 11, "P09-1009", "", "no row on the sheet"},
		{"key", 12, 12, "P10-1010", "", "no row on the sheet"},
		{"sheet", 3, 4, "P01-1001", "summary_1_accuracy", "11 is out of range 0-10"},
		{"sheet", 4, 6, "P02-1002", "summary_2_clarity", "-1 is out of range 0-10"},
		{"sheet", 5, 8, "P03-1003", "summary_1_completeness", `"abc" is not a number`},
		{"sheet", 6, 10, "P04-1004", "summary_1_coherence", "7.5 is not a whole number"},
		{"sheet", 7, 12, "P05-1005", "summary_2_accuracy", "score missing"},
		{"sheet", 8, 14, "P06-1006", "preference", "preference missing"},
		{"sheet", 9, 16, "P07-1007", "preference", `"3" is not a preference`},
		{"sheet", 10, 18, "P08-1008", "", "summaries differ"},
		{"sheet", 11, 19, "ZZZ", "item", "not in the key"},
		{"sheet", 12, 21, "P00-1000", "item", "repeats row 2"},
		{"sheet", 15, 27, "P13-1013", "", "row has 14 cells, the header 15"},
		{"sheet", 16, 29, "S01", "summary_2_accuracy", "one summary"},
		{"sheet", 16, 29, "S01", "preference", "one summary"},
	}
	if len(problems) != len(wants) {
		for _, p := range problems {
			t.Log(p)
		}
		t.Fatalf("got %d problems, want %d", len(problems), len(wants))
	}
	for i, w := range wants {
		p := problems[i]
		if p.File != w.file || p.Row != w.row || p.Line != w.line || p.Item != w.item || p.Column != w.column || !strings.Contains(p.Message, w.text) {
			t.Errorf("problem %d = %+v, want %+v", i, p, w)
		}
	}
	// The only clean rated row is P12 (P00 went with its duplicate; P11
	// was left blank).
	if len(ratings) != 1 || ratings[0].Item != "P12-1012" || !ratings[0].Tie {
		t.Fatalf("ratings = %+v, want only P12 with a tie", ratings)
	}
	for _, s := range ratings[0].Summaries {
		if s.Scores != intended[s.System] {
			t.Errorf("P12 %s: %+v, want %+v", s.System, s.Scores, intended[s.System])
		}
	}
	if got := problems[2].String(); got != "sheet row 3 (line 4), item P01-1001, summary_1_accuracy: 11 is out of range 0-10" {
		t.Errorf("String() = %q", got)
	}
}

// TestImportResavedSheet imports a sheet as a spreadsheet may save it:
// semicolons, CRLF line ends, no byte order mark, the formula guard
// dropped, extra columns and reordered columns.
func TestImportResavedSheet(t *testing.T) {
	items := testItems()
	sheet, key := export(t, items, 11)
	header, rows := parseSheet(t, fillSheet(t, sheet))
	// Move comment first and add a column of the rater's own.
	perm := append([]int{len(header) - 1}, seq(len(header)-1)...)
	reorder := func(r []string) []string {
		out := make([]string, 0, len(r)+1)
		for _, i := range perm {
			out = append(out, r[i])
		}
		return append(out, "my notes")
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = ';', true
	w.Write(reorder(header))
	for _, r := range rows {
		for i, c := range r {
			r[i] = strings.TrimPrefix(c, "'")
		}
		w.Write(reorder(r))
	}
	w.Flush()
	ratings, problems, err := Import(&b, bytes.NewReader(key), "carol")
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	if len(ratings) != len(items) {
		t.Fatalf("%d ratings, want %d", len(ratings), len(items))
	}
	for _, r := range ratings {
		for _, s := range r.Summaries {
			if s.Scores != intended[s.System] {
				t.Errorf("%s %s: %+v", r.Item, s.System, s.Scores)
			}
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestImportWrongKey(t *testing.T) {
	items := testItems()
	sheet, _ := export(t, items, 1)
	_, otherKey := export(t, items, 2) // same items, another order
	_, problems, err := Import(bytes.NewReader(fillSheet(t, sheet)), bytes.NewReader(otherKey), "dan")
	if err != nil {
		t.Fatal(err)
	}
	var mismatched int
	for _, p := range problems {
		if strings.Contains(p.Message, "summaries differ") {
			mismatched++
		}
	}
	if mismatched == 0 {
		t.Error("a key from another export was accepted")
	}
}

func TestImportErrors(t *testing.T) {
	sheet, key := export(t, testItems()[:2], 1)
	for _, tc := range []struct {
		name       string
		sheet, key string
		rater      string
	}{
		{"no rater", string(sheet), string(key), " "},
		{"empty key", string(sheet), "", "x"},
		{"key header", string(sheet), "item,summary_1\nP00,a\n", "x"},
		{"empty sheet", "", string(key), "x"},
		{"sheet header", "item,title\nP00,t\n", string(key), "x"},
		{"bare quote", "item,summary_1\nP\"00,x\n", string(key), "x"},
	} {
		_, _, err := Import(strings.NewReader(tc.sheet), strings.NewReader(tc.key), tc.rater)
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
		}
	}
}

func TestImportKeyProblems(t *testing.T) {
	sheet, key := export(t, testItems()[:2], 1)
	lines := strings.SplitAfter(string(key), "\n")
	// Duplicate the first item's key row and add a row without a system.
	bad := lines[0] + lines[1] + lines[1] + lines[2] + "P99,,,,\n"
	_, problems, err := Import(bytes.NewReader(fillSheet(t, sheet)), strings.NewReader(bad), "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || problems[0].Row != 3 || !strings.Contains(problems[0].Message, "repeats key row 2") ||
		problems[1].Row != 5 || !strings.Contains(problems[1].Message, "lacks the summary_1 system") {
		t.Errorf("problems = %v", problems)
	}
}
