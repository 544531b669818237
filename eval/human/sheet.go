package human

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/papersum/papersum"
)

// The rubric scale of papersum: every dimension is scored 0 to 10. Human
// scores must be whole numbers so that they are ordinal categories for
// weighted kappa.
const (
	MinScore = 0
	MaxScore = 10
)

// Preference values on the sheet.
const (
	PreferFirst  = "1"
	PreferSecond = "2"
	PreferTie    = "tie"
)

// dimensions are the rubric dimensions rated on the sheet, in column
// order; papersum.Scores has the same four.
var dimensions = [4]string{"accuracy", "completeness", "clarity", "coherence"}

// Sheet columns. Raters may reorder or add columns: Import finds columns
// by name.
const (
	colItem       = "item"
	colTitle      = "title"
	colSource     = "source"
	colPreference = "preference"
	colComment    = "comment"
)

// summaryCol names the text column of the summary at position pos (1 or 2).
func summaryCol(pos int) string { return fmt.Sprintf("summary_%d", pos) }

// scoreCol names the score column of dimension dim for position pos, e.g.
// "summary_2_clarity".
func scoreCol(pos int, dim string) string { return fmt.Sprintf("summary_%d_%s", pos, dim) }

func sheetHeader() []string {
	h := []string{colItem, colTitle, colSource, summaryCol(1), summaryCol(2)}
	for pos := 1; pos <= 2; pos++ {
		for _, d := range dimensions {
			h = append(h, scoreCol(pos, d))
		}
	}
	return append(h, colPreference, colComment)
}

// Key columns.
const (
	keyItem    = "item"
	keySystem1 = "summary_1"
	keySystem2 = "summary_2"
	keyContent = "content_sha256"
	keySheet   = "sheet_sha256"
)

var keyHeader = []string{keyItem, keySystem1, keySystem2, keyContent, keySheet}

// ExportItem is one item of a rating sheet: a paper and the one or two
// summaries to rate.
type ExportItem struct {
	// ID identifies the item (usually the paper ID). Required, unique, and
	// without surrounding spaces or a leading = + - @ or ' (spreadsheets
	// would read it as a formula or strip the quote).
	ID string
	// Title is the paper title shown to the rater. Optional.
	Title string
	// Source is what the rater checks the summaries against: an excerpt of
	// the paper or a reference to it (a URL or file name). Optional.
	Source string
	// SystemA and SummaryA are the first system's name and summary; both
	// required. The name goes only to the key.
	SystemA, SummaryA string
	// SystemB and SummaryB are the second system's. Leave both empty for a
	// single-summary item, rated without a preference.
	SystemB, SummaryB string
}

// BOM starts the sheet: spreadsheet programs read a CSV file without it in
// a legacy code page and garble non-ASCII text, which papers are full of.
const bom = "\ufeff"

// Export writes a blind rating sheet for items to sheet and its key to
// key, both CSV. Items keep their order; for each item with two summaries
// a coin from rng decides whether SummaryA appears as summary_1 or
// summary_2, so the same items and seed give the same files.
//
// The sheet has the columns item, title, source, summary_1, summary_2,
// summary_1_accuracy ... summary_1_coherence, summary_2_accuracy ...
// summary_2_coherence, preference and comment, starts with a UTF-8 byte
// order mark, and never names a system. Text cells that a spreadsheet
// would take for a formula (leading = + - @, tab or carriage return: a
// summary that starts with a "- " bullet, say) get a leading apostrophe,
// OWASP's advice against CSV formula injection; a spreadsheet may show
// it, and Import ignores it whether or not it survives a re-save.
//
// The key has the columns item, summary_1, summary_2 (the systems at
// each position), content_sha256 (a hash of the item's ID and summaries in
// sheet order, whitespace-normalised, so that Import can tell that a
// filled sheet and a key belong together and were not reordered) and
// sheet_sha256 (the hash of the blank sheet's bytes, the same on every
// row, which names the export).
//
// Invalid items (see ExportItem) and a nil rng are errors with code
// EINVALID, reported before anything is written.
func Export(items []ExportItem, rng *rand.Rand, sheet io.Writer, key io.Writer) error {
	const op = "human.Export"
	if rng == nil {
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "export needs a random source for the summary order"}
	}
	if err := validateItems(items); err != nil {
		err.Op = op
		return err
	}
	type keyRow struct{ id, sys1, sys2, content string }
	rows := make([][]string, 0, len(items))
	keys := make([]keyRow, 0, len(items))
	for _, it := range items {
		sys1, sum1, sys2, sum2 := it.SystemA, it.SummaryA, it.SystemB, it.SummaryB
		// The coin is drawn only for pairs, so adding a single-summary
		// item does not reshuffle the others.
		if sum2 != "" && rng.IntN(2) == 1 {
			sys1, sum1, sys2, sum2 = sys2, sum2, sys1, sum1
		}
		row := make([]string, len(sheetHeader()))
		row[0], row[1], row[2], row[3], row[4] = it.ID, guard(it.Title), guard(it.Source), guard(sum1), guard(sum2)
		rows = append(rows, row)
		keys = append(keys, keyRow{it.ID, sys1, sys2, contentHash(it.ID, sum1, sum2)})
	}

	h := sha256.New()
	mw := io.MultiWriter(sheet, h)
	if _, err := io.WriteString(mw, bom); err != nil {
		return fmt.Errorf("write rating sheet: %w", err)
	}
	sw := csv.NewWriter(mw)
	if err := sw.Write(sheetHeader()); err != nil {
		return fmt.Errorf("write rating sheet: %w", err)
	}
	if err := sw.WriteAll(rows); err != nil {
		return fmt.Errorf("write rating sheet: %w", err)
	}
	sheetID := hex.EncodeToString(h.Sum(nil))

	kw := csv.NewWriter(key)
	if err := kw.Write(keyHeader); err != nil {
		return fmt.Errorf("write rating key: %w", err)
	}
	for _, k := range keys {
		if err := kw.Write([]string{k.id, k.sys1, k.sys2, k.content, sheetID}); err != nil {
			return fmt.Errorf("write rating key: %w", err)
		}
	}
	kw.Flush()
	if err := kw.Error(); err != nil {
		return fmt.Errorf("write rating key: %w", err)
	}
	return nil
}

func validateItems(items []ExportItem) *papersum.Error {
	bad := func(i int, format string, args ...any) *papersum.Error {
		return papersum.Errorf(papersum.EINVALID, "item %d: %s", i+1, fmt.Sprintf(format, args...))
	}
	if len(items) == 0 {
		return papersum.Errorf(papersum.EINVALID, "no items to export")
	}
	seen := make(map[string]int, len(items))
	for i, it := range items {
		switch {
		case it.ID == "":
			return bad(i, "no ID")
		case it.ID != strings.TrimSpace(it.ID):
			return bad(i, "ID %q has surrounding spaces", it.ID)
		case strings.ContainsAny(it.ID[:1], "=+-@'"):
			return bad(i, "ID %q starts with %q, which spreadsheets read as a formula or strip", it.ID, it.ID[:1])
		case strings.ContainsAny(it.ID, "\r\n"):
			return bad(i, "ID %q spans lines", it.ID)
		case it.SystemA == "" || strings.TrimSpace(it.SummaryA) == "":
			return bad(i, "%s: SystemA and SummaryA are required", it.ID)
		case (it.SystemB == "") != (strings.TrimSpace(it.SummaryB) == ""):
			return bad(i, "%s: give both SystemB and SummaryB, or neither", it.ID)
		case it.SystemB != "" && it.SystemB == it.SystemA:
			return bad(i, "%s: both summaries come from system %q", it.ID, it.SystemA)
		}
		if j, dup := seen[it.ID]; dup {
			return bad(i, "ID %q repeats item %d", it.ID, j+1)
		}
		seen[it.ID] = i
	}
	return nil
}

// guard prefixes an apostrophe to text that a spreadsheet would evaluate
// as a formula (the OWASP advice for CSV injection), which for a summary
// starting with a "- " bullet would show an error instead of the text.
// normalize and unguard drop the apostrophe again.
func guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unguard drops the apostrophe that guard added. A spreadsheet that saves
// the sheet again may already have dropped it.
func unguard(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// normalize is the form of a text cell that content hashes use:
// unguarded, with every run of white space (including the CRLF line ends
// a spreadsheet may write) as one space, so that re-saving a sheet does
// not break the match with its key.
func normalize(s string) string { return strings.Join(strings.Fields(unguard(s)), " ") }

// contentHash identifies an item's summaries in sheet order.
func contentHash(id, summary1, summary2 string) string {
	h := sha256.New()
	for _, s := range []string{id, normalize(summary1), normalize(summary2)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
