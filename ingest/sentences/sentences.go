package sentences

import "strings"

// Split returns the sentences of text in order, trimmed, without empty ones.
//
// PLACEHOLDER: naive split on ". " — being replaced by the real splitter.
func Split(text string) []string {
	var out []string
	for _, s := range strings.SplitAfter(strings.Join(strings.Fields(text), " "), ". ") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
