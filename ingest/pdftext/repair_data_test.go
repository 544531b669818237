package pdftext

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// The word repairs were developed on ScisummNet (the development set of
// the shared data), whose Reference_XML sentences are text extracted from
// PDFs with a different tool. This test measures them there:
//
//   - on the text as it is, how many tokens the repairs change (most
//     ScisummNet words are right, so changes are mostly false alarms,
//     except where the corpus's own extraction ran words together);
//   - on the same text with one word space in 40 removed between two
//     lower-case words, how many of those the run-together split restores.
//
// Run: PAPERSUM_DATA=../shared/data PAPERSUM_REPAIR_ALL=1 go test ./ingest/pdftext -run RepairOnScisummNet -v

var sentenceRE = regexp.MustCompile(`(?s)<S\b[^>]*>(.*?)</S>`)

func scisummnetSentences(t *testing.T) map[string][]string {
	t.Helper()
	dir := dataDir()
	files, _ := filepath.Glob(filepath.Join(dir, "scisummnet", "*", "Reference_XML", "*.xml"))
	if len(files) == 0 {
		t.Skipf("no ScisummNet Reference_XML under %q; set PAPERSUM_DATA to run this test", dir)
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ss []string
		for _, m := range sentenceRE.FindAllStringSubmatch(string(b), -1) {
			s := strings.Join(strings.Fields(html.UnescapeString(html.UnescapeString(m[1]))), " ")
			if s != "" {
				ss = append(ss, s)
			}
		}
		out[filepath.Base(f)] = ss
	}
	return out
}

// dataDir is PAPERSUM_DATA, or ../shared/data; a relative path is taken
// from the repository root (go test runs two levels below it).
func dataDir() string {
	dir := os.Getenv("PAPERSUM_DATA")
	if dir == "" {
		dir = filepath.Join("..", "shared", "data")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	return dir
}

func TestRepairOnScisummNet(t *testing.T) {
	papers := scisummnetSentences(t)
	if os.Getenv("PAPERSUM_REPAIR_ALL") == "" {
		// A quarter of the papers keeps plain go test quick; set
		// PAPERSUM_REPAIR_ALL=1 to measure all 781.
		names := make([]string, 0, len(papers))
		for k := range papers {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			if i%4 != 0 {
				delete(papers, k)
			}
		}
	}
	var tokens, changed, joinedPairs, restored int
	var samples []string
	nChanges := 0
	for _, ss := range papers {
		lines := make([]line, len(ss))
		for i, s := range ss {
			lines[i] = line{text: s}
		}
		v := newVocab(lines)
		for _, s := range ss {
			tokens += len(strings.Fields(s))
			if r := repairLine(s, v); r != s {
				a, b := strings.Fields(s), strings.Fields(r)
				changed += abs(len(a) - len(b))
				if nChanges++; nChanges%80 == 0 && len(samples) < 60 {
					samples = append(samples, diffWords(a, b))
				}
			}
		}
		// Remove one space in 40 between lower-case words, then repair
		// with the vocabulary of the damaged text, as a PDF's would be.
		var damaged []string
		var want []string     // the joined tokens
		var wantAt [][]string // per sentence, the word pairs to restore
		n := 0
		for _, s := range ss {
			var pairs []string
			f := strings.Fields(s)
			var out []string
			for i := 0; i < len(f); i++ {
				n++
				if n%40 == 0 && i+1 < len(f) && lowerWord(f[i]) && lowerWord(f[i+1]) {
					out = append(out, f[i]+f[i+1])
					want = append(want, f[i]+f[i+1])
					pairs = append(pairs, f[i]+" "+f[i+1])
					i++
					continue
				}
				out = append(out, f[i])
			}
			damaged = append(damaged, strings.Join(out, " "))
			wantAt = append(wantAt, pairs)
		}
		dl := make([]line, len(damaged))
		for i, s := range damaged {
			dl[i] = line{text: s}
		}
		dv := newVocab(dl)
		for i, s := range damaged {
			r := " " + repairLine(s, dv) + " "
			for _, w := range wantAt[i] {
				if strings.Contains(r, " "+w+" ") {
					restored++
				}
			}
		}
		joinedPairs += len(want)
	}
	t.Logf("%d papers, %d tokens: the repairs change %d tokens (%.2f per 10,000)", len(papers), tokens, changed, 1e4*float64(changed)/float64(tokens))
	t.Logf("one space in 40 removed between lower-case words: %d run-together pairs, %d split back (%.3f)",
		joinedPairs, restored, float64(restored)/float64(max(joinedPairs, 1)))
	for _, s := range samples {
		t.Logf("  change: %s", s)
	}
	// Guards against a repair that runs wild: fewer than 20 changes per
	// 10,000 tokens of good text, and at least a third of the
	// run-together pairs restored (most others have a half the paper
	// uses fewer than three times).
	if 1e4*float64(changed)/float64(tokens) > 20 {
		t.Errorf("too many changes on ScisummNet text")
	}
	if float64(restored) < float64(joinedPairs)/3 {
		t.Errorf("too few run-together pairs restored")
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// lowerWord reports whether s is a lower-case word of two or more letters.
func lowerWord(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// diffWords shows the first difference between two token lists.
func diffWords(a, b []string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	ea, eb := len(a), len(b)
	for ea > i && eb > i && a[ea-1] == b[eb-1] {
		ea--
		eb--
	}
	return strings.Join(a[i:ea], " ") + " -> " + strings.Join(b[i:eb], " ")
}
