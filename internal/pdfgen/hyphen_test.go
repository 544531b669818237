package pdfgen

import (
	"reflect"
	"testing"
)

func TestHyphenPoints(t *testing.T) {
	show := func(w string) string {
		out := ""
		last := 0
		for _, p := range hyphenPoints(w) {
			out += w[last:p] + "-"
			last = p
		}
		return out + w[last:]
	}
	for w, want := range map[string]string{
		"summaries":    "sum-ma-ries",
		"rewrites":     "re-writes",
		"describe":     "de-scribe",
		"sentences":    "sen-tences",
		"recognition":  "re-cog-ni-tion",
		"information":  "in-for-ma-tion",
		"projective":   "pro-jec-tive",
		"quickly":      "quickly",
		"papers":       "pa-pers",
		"Capitalized":  "Capitalized",
		"state-of-art": "state-of-art",
		"written":      "writ-ten",
		"extraction":   "ex-trac-tion",
	} {
		if got := show(w); got != want {
			t.Errorf("%s: %s, want %s", w, got, want)
		}
	}
	if got := hyphenPoints("abc"); !reflect.DeepEqual(got, []int(nil)) {
		t.Errorf("short word: %v", got)
	}
}
