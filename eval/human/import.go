package human

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/papersum/papersum"
)

// Rating is one rater's judgement of one item, un-blinded with the key.
type Rating struct {
	Item  string
	Rater string
	// Sheet is the sheet_sha256 of the export the rating came from.
	Sheet string
	// Row is the sheet row (the header is row 1), as a spreadsheet shows it.
	Row int
	// Summaries holds one entry per rated summary, in sheet order.
	Summaries []SummaryRating
	// Preferred is the system whose summary the rater preferred; empty for
	// a tie and for single-summary items.
	Preferred string
	// Tie is true when the rater preferred neither summary.
	Tie bool
	// Comment is the rater's free-text comment.
	Comment string
}

// SummaryRating is a rater's rubric scores for one system's summary.
type SummaryRating struct {
	System string
	// Position is where the summary was on the sheet: 1 or 2. It is kept
	// so that position bias can be checked.
	Position int
	// Scores are whole numbers from MinScore to MaxScore.
	Scores papersum.Scores
}

// Problem is one reason a row of a filled sheet (or of its key) was
// rejected.
type Problem struct {
	// File is "sheet" or "key".
	File string
	// Row is the CSV record number, the header being row 1: the row number
	// a spreadsheet shows. Line is the line of the file where the record
	// starts; they differ when a cell spans lines.
	Row, Line int
	// Item is the item ID, when known.
	Item string
	// Column is the column concerned, if one.
	Column string
	// Message says what is wrong, for the person fixing the sheet.
	Message string
}

// String renders the problem on one line, e.g.
// "sheet row 4 (line 9), item p3, summary_1_accuracy: 11 is out of range 0-10".
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s row %d (line %d)", p.File, p.Row, p.Line)
	if p.Item != "" {
		fmt.Fprintf(&b, ", item %s", p.Item)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", %s", p.Column)
	}
	return b.String() + ": " + p.Message
}

// keyEntry is one row of the key.
type keyEntry struct {
	row, line  int
	sys1, sys2 string
	content    string
	sheet      string
	seen       bool
}

// Import reads a filled rating sheet and the key that Export wrote with
// it, un-blinds the sheet, and returns the ratings of rater.
//
// Every row is validated: each score must be a whole number from 0 to 10
// ("7.0" counts as 7); the preference must be 1, 2 or tie (any case) for
// two summaries and blank for one; the item must be in the key, once, and
// its summaries must hash to the key's content_sha256 (else the key
// belongs to another export or the sheet was edited). A row is rated if
// any score or the preference is filled, and then must be complete; rows
// left blank are skipped without a problem, as not rated. Key items with
// no row on the sheet are problems too.
//
// Import does not stop at the first problem and does not fail on them: a
// row with any problem is rejected as a whole and every problem is
// returned, in file order, alongside the ratings of the valid rows. The
// caller decides whether to keep a partial import; the CLI should list the
// problems and store nothing while there are any. The error is for input
// that cannot be read at all: no rater, unreadable CSV, a header without
// the required columns, an empty key. It has code EINVALID.
//
// A UTF-8 byte order mark is ignored, and a sheet saved with semicolons or
// tabs as the delimiter (as spreadsheets do in some locales) is read too.
func Import(sheet io.Reader, key io.Reader, rater string) ([]Rating, []Problem, error) {
	rater = strings.TrimSpace(rater)
	if rater == "" {
		return nil, nil, invalid("no rater name")
	}
	keys, order, problems, err := readKey(key)
	if err != nil {
		return nil, nil, err
	}
	recs, err := readCSV(sheet, "rating sheet")
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, invalid("rating sheet is empty")
	}
	col := make(map[string]int)
	for i, name := range recs[0].fields {
		col[strings.ToLower(strings.TrimSpace(name))] = i
	}
	required := []string{colItem, summaryCol(1), summaryCol(2), colPreference}
	for pos := 1; pos <= 2; pos++ {
		for _, d := range dimensions {
			required = append(required, scoreCol(pos, d))
		}
	}
	var missing []string
	for _, name := range required {
		if _, ok := col[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, invalid("rating sheet header lacks column(s) %s", strings.Join(missing, ", "))
	}

	var ratings []Rating
	seenAt := make(map[string]int)
	dups := make(map[string]bool)
	for _, rec := range recs[1:] {
		if allBlank(rec.fields) {
			continue
		}
		r, ps := parseRow(rec, col, keys, seenAt, dups)
		problems = append(problems, ps...)
		if r != nil && len(ps) == 0 {
			r.Rater = rater
			ratings = append(ratings, *r)
		}
	}
	// Which of two rows for one item the rater meant is unknowable, so
	// both go.
	ratings = slices.DeleteFunc(ratings, func(r Rating) bool { return dups[r.Item] })
	for _, id := range order {
		if k := keys[id]; !k.seen {
			problems = append(problems, Problem{File: "key", Row: k.row, Line: k.line, Item: id,
				Message: "item is in the key but has no row on the sheet (deleted row, or a key from another export?)"})
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		// Key problems first: a bad key explains sheet problems.
		if c := boolCmp(a.File != "key", b.File != "key"); c != 0 {
			return c
		}
		return cmp.Compare(a.Row, b.Row)
	})
	return ratings, problems, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// parseRow validates one sheet record. It returns the rating (nil when the
// row is not rated or cannot be attributed) and the row's problems.
func parseRow(rec record, col map[string]int, keys map[string]*keyEntry, seenAt map[string]int, dups map[string]bool) (*Rating, []Problem) {
	cell := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec.fields) {
			return strings.TrimSpace(rec.fields[i])
		}
		return ""
	}
	var ps []Problem
	add := func(item, column, format string, args ...any) {
		ps = append(ps, Problem{File: "sheet", Row: rec.row, Line: rec.line, Item: item, Column: column, Message: fmt.Sprintf(format, args...)})
	}
	id := unguard(cell(colItem))
	if id == "" {
		add("", colItem, "row has no item ID")
		return nil, ps
	}
	if first, dup := seenAt[id]; dup {
		dups[id] = true
		add(id, colItem, "item repeats row %d; each item must appear once, so both rows are rejected", first)
		return nil, ps
	}
	seenAt[id] = rec.row
	k, ok := keys[id]
	if !ok {
		add(id, colItem, "item is not in the key (a key from another export, or an edited ID?)")
		return nil, ps
	}
	k.seen = true
	if len(rec.fields) != rec.width {
		add(id, "", "row has %d cells, the header %d", len(rec.fields), rec.width)
		return nil, ps
	}
	if contentHash(id, cell(summaryCol(1)), cell(summaryCol(2))) != k.content {
		add(id, "", "summaries differ from the ones the key was made for (a key from another export, edited summaries, or swapped cells)")
		return nil, ps
	}
	positions := 2
	if k.sys2 == "" {
		positions = 1
	}
	pref := cell(colPreference)
	rated := pref != ""
	for pos := 1; pos <= 2; pos++ {
		for _, d := range dimensions {
			rated = rated || cell(scoreCol(pos, d)) != ""
		}
	}
	if !rated {
		return nil, nil
	}

	r := &Rating{Item: id, Sheet: k.sheet, Row: rec.row, Comment: cell(colComment)}
	systems := [2]string{k.sys1, k.sys2}
	for pos := 1; pos <= 2; pos++ {
		if pos > positions {
			for _, d := range dimensions {
				if c := scoreCol(pos, d); cell(c) != "" {
					add(id, c, "this item has one summary; leave summary_2 scores blank")
				}
			}
			continue
		}
		var v [4]float64
		for i, d := range dimensions {
			c := scoreCol(pos, d)
			s := cell(c)
			if s == "" {
				add(id, c, "score missing (a whole number %d-%d)", MinScore, MaxScore)
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			switch {
			case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
				add(id, c, "%q is not a number (want a whole number %d-%d)", s, MinScore, MaxScore)
			case x < MinScore || x > MaxScore:
				add(id, c, "%s is out of range %d-%d", s, MinScore, MaxScore)
			case x != math.Trunc(x):
				add(id, c, "%s is not a whole number (want %d-%d)", s, MinScore, MaxScore)
			}
			v[i] = x
		}
		r.Summaries = append(r.Summaries, SummaryRating{
			System: systems[pos-1], Position: pos,
			Scores: papersum.Scores{Accuracy: v[0], Completeness: v[1], Clarity: v[2], Coherence: v[3]},
		})
	}
	switch p := strings.ToLower(pref); {
	case positions == 1 && p != "":
		add(id, colPreference, "this item has one summary; leave the preference blank")
	case positions == 1:
	case p == PreferFirst:
		r.Preferred = k.sys1
	case p == PreferSecond:
		r.Preferred = k.sys2
	case p == PreferTie:
		r.Tie = true
	case p == "":
		add(id, colPreference, "preference missing (1, 2 or tie)")
	default:
		add(id, colPreference, "%q is not a preference (want 1, 2 or tie)", pref)
	}
	return r, ps
}

// readKey parses the key. Duplicate or incomplete key rows are Problems
// (the first of duplicates is kept); an unreadable key is an error.
func readKey(r io.Reader) (map[string]*keyEntry, []string, []Problem, error) {
	recs, err := readCSV(r, "rating key")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(recs) < 2 {
		return nil, nil, nil, invalid("rating key has no items")
	}
	col := make(map[string]int)
	for i, name := range recs[0].fields {
		col[strings.ToLower(strings.TrimSpace(name))] = i
	}
	for _, name := range keyHeader {
		if _, ok := col[name]; !ok {
			return nil, nil, nil, invalid("rating key header lacks column %s", name)
		}
	}
	keys := make(map[string]*keyEntry)
	var order []string
	var ps []Problem
	for _, rec := range recs[1:] {
		if allBlank(rec.fields) {
			continue
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec.fields) {
				return strings.TrimSpace(rec.fields[i])
			}
			return ""
		}
		id := get(keyItem)
		bad := func(format string, args ...any) {
			ps = append(ps, Problem{File: "key", Row: rec.row, Line: rec.line, Item: id, Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case id == "":
			bad("key row has no item ID")
			continue
		case get(keySystem1) == "" || get(keyContent) == "":
			bad("key row lacks the summary_1 system or the content hash")
			continue
		}
		if k, dup := keys[id]; dup {
			bad("item repeats key row %d", k.row)
			continue
		}
		keys[id] = &keyEntry{row: rec.row, line: rec.line, sys1: get(keySystem1), sys2: get(keySystem2),
			content: get(keyContent), sheet: get(keySheet)}
		order = append(order, id)
	}
	return keys, order, ps, nil
}

// record is one CSV record with its position.
type record struct {
	fields    []string
	row, line int
	width     int // fields in the header
}

// readCSV reads a whole CSV file, dropping a byte order mark and taking
// the delimiter (comma, semicolon or tab) from the header line.
func readCSV(r io.Reader, what string) ([]record, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffDelimiter(data)
	// Rows of the wrong width are reported as Problems, not errors.
	cr.FieldsPerRecord = -1
	var recs []record
	for row := 1; ; row++ {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("%s: %v", what, err)
		}
		line, _ := cr.FieldPos(0)
		rec := record{fields: fields, row: row, line: line}
		if len(recs) > 0 {
			rec.width = len(recs[0].fields)
		} else {
			rec.width = len(fields)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// sniffDelimiter picks the most frequent of comma, semicolon and tab in
// the first line; headers hold no quoted text, so counting is enough.
func sniffDelimiter(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(first, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func allBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func invalid(format string, args ...any) error {
	e := papersum.Errorf(papersum.EINVALID, format, args...)
	e.Op = "human.Import"
	return e
}
