package sentences

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestSplitAgreesWithScisummNet joins the gold sentences (<S> elements) of
// each section of the ScisummNet Reference_XML files, splits the result
// again and measures how many gold sentences come back unchanged. The gold
// segmentation is itself noisy (it came from PDF extraction), so the test
// asserts a floor, not equality (92.1% when written; most misses are
// errors in the gold segmentation). It runs when PAPERSUM_DATA names the
// shared data directory.
func TestSplitAgreesWithScisummNet(t *testing.T) {
	dir := os.Getenv("PAPERSUM_DATA")
	if dir == "" {
		t.Skip("PAPERSUM_DATA not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "scisummnet", "*", "Reference_XML", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ScisummNet files under %s: %v", dir, err)
	}
	sectionRE := regexp.MustCompile(`(?s)<(?:SECTION|ABSTRACT)[^>]*>(.*?)</(?:SECTION|ABSTRACT)>`)
	sentRE := regexp.MustCompile(`(?s)<S[^>]*>(.*?)</S>`)
	var gold, same int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range sectionRE.FindAllStringSubmatch(string(data), -1) {
			var want []string
			joined := ""
			for _, m := range sentRE.FindAllStringSubmatch(sec[1], -1) {
				s := html.UnescapeString(html.UnescapeString(m[1]))
				want = append(want, normalize(s))
				joined += s + " "
			}
			got := map[string]bool{}
			for _, s := range Split(joined) {
				got[s] = true
			}
			for _, w := range want {
				gold++
				if got[w] {
					same++
				}
			}
		}
	}
	rate := float64(same) / float64(gold)
	t.Logf("%d of %d gold sentences reproduced (%.1f%%)", same, gold, 100*rate)
	if rate < 0.90 {
		t.Errorf("agreement %.3f below 0.90", rate)
	}
}
