package pipeline

import (
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/papersum/papersum"
)

// The output contract of each stage is an XML-ish tag that a model is asked
// to produce. Models wrap it in prose or code fences, forget to close it,
// repeat it, or escape its content; the extractor tolerates all of that.
// It does not use encoding/xml: model output is not well-formed XML (bare
// "&", "<" in text, unclosed tags), and a strict parser would reject most
// of what a model writes.

// Tag names of the output contract.
const (
	TagSummary        = "summary"
	TagRevisedSummary = "revised_summary"
	TagCritique       = "critique"
)

// parseError returns the classified parse failure for stage.
func parseError(stage papersum.Stage, raw, msg string) *papersum.ProviderError {
	return &papersum.ProviderError{Class: papersum.ClassParse, Stage: stage, Raw: raw, Message: msg}
}

// ExtractSummary returns the text inside tag (TagSummary or
// TagRevisedSummary) of raw model output. When the tag occurs more than
// once, the last non-empty occurrence wins: models that draft and then
// correct themselves put their final answer last. An unclosed tag runs to
// the end of the output. A missing or empty tag is a *papersum.ProviderError
// of class parse that carries the stage and the raw output.
func ExtractSummary(stage papersum.Stage, tag, raw string) (string, error) {
	body, ok := lastElement(stripFences(raw), tag)
	if !ok {
		return "", parseError(stage, raw, "no <"+tag+"> element in model output")
	}
	text := cleanText(body)
	if text == "" {
		return "", parseError(stage, raw, "<"+tag+"> is empty")
	}
	return text, nil
}

// ExtractCritique parses the critique contract: four scores and a list of
// issues. Scores may be written "8", "8.5", "8/10", "85/100", "8 out of
// 10" or with Markdown emphasis; they are clamped to 0..10. A missing or
// unreadable score is a parse error; a missing <issues> list is not (a
// perfect summary has none).
func ExtractCritique(raw string) (*papersum.Critique, error) {
	stage := papersum.StageCritique
	src := stripFences(raw)
	body, ok := lastElement(src, TagCritique)
	if !ok {
		// A model may drop the wrapper but keep the parts.
		body = src
	}
	scoresBody, ok := lastElement(body, "scores")
	if !ok {
		scoresBody = body
	}
	var c papersum.Critique
	fields := []struct {
		name string
		dst  *float64
	}{
		{"accuracy", &c.Scores.Accuracy},
		{"completeness", &c.Scores.Completeness},
		{"clarity", &c.Scores.Clarity},
		{"coherence", &c.Scores.Coherence},
	}
	for _, f := range fields {
		v, ok := lastElement(scoresBody, f.name)
		if !ok {
			return nil, parseError(stage, raw, "no <"+f.name+"> score in critique")
		}
		score, err := parseScore(v)
		if err != nil {
			return nil, parseError(stage, raw, "score <"+f.name+">: "+err.Error())
		}
		*f.dst = score
	}
	if v, ok := lastElement(body, "judge_version"); ok {
		c.Scores.JudgeVersion = cleanText(v)
	}
	issuesBody, ok := lastElement(body, "issues")
	if !ok {
		issuesBody = body
	}
	for _, is := range allElements(issuesBody, "issue") {
		if t := cleanText(is); t != "" {
			c.Issues = append(c.Issues, t)
		}
	}
	if c.Issues == nil {
		c.Issues = []string{}
	}
	return &c, nil
}

// fenceRE matches Markdown code fence lines (``` or ~~~ with an optional
// language), which models put around XML.
var fenceRE = regexp.MustCompile("(?m)^[ \t]*(```|~~~)[A-Za-z0-9_+-]*[ \t]*$")

func stripFences(s string) string {
	return fenceRE.ReplaceAllString(s, "")
}

// lastElement returns the content of the last non-empty <tag>…</tag> in s,
// matching the tag name case-insensitively and allowing attributes. An
// opening tag without a closing one runs to the next opening of the same
// tag or the end of s.
func lastElement(s, tag string) (string, bool) {
	all := allElements(s, tag)
	for i := len(all) - 1; i >= 0; i-- {
		if strings.TrimSpace(all[i]) != "" {
			return all[i], true
		}
	}
	if len(all) > 0 {
		return all[len(all)-1], true
	}
	return "", false
}

// allElements returns the contents of every <tag>…</tag> in s, in order.
func allElements(s, tag string) []string {
	lower := asciiLower(s)
	open := "<" + asciiLower(tag)
	closeTag := "</" + asciiLower(tag)
	var out []string
	pos := 0
	for {
		start := indexTag(lower, open, pos)
		if start < 0 {
			return out
		}
		gt := strings.IndexByte(lower[start:], '>')
		if gt < 0 {
			return out
		}
		contentStart := start + gt + 1
		if lower[start+gt-1] == '/' { // <tag/> is an empty element
			out = append(out, "")
			pos = contentStart
			continue
		}
		end := strings.Index(lower[contentStart:], closeTag)
		next := indexTag(lower, open, contentStart)
		switch {
		case end >= 0 && (next < 0 || contentStart+end < next):
			out = append(out, s[contentStart:contentStart+end])
			pos = contentStart + end + len(closeTag)
		case next >= 0:
			// Unclosed, and the tag opens again: this one ends there.
			out = append(out, s[contentStart:next])
			pos = next
		default:
			out = append(out, s[contentStart:])
			return out
		}
	}
}

// indexTag finds open ("<tag") at or after from, where the next byte ends
// the tag name, so that "<summary" does not match "<summary_notes".
func indexTag(lower, open string, from int) int {
	for from <= len(lower) {
		i := strings.Index(lower[from:], open)
		if i < 0 {
			return -1
		}
		i += from
		j := i + len(open)
		if j < len(lower) {
			switch lower[j] {
			case '>', ' ', '\t', '\n', '\r', '/':
				return i
			}
		}
		from = j
	}
	return -1
}

// tagRE matches any leftover markup inside an element's text.
var tagRE = regexp.MustCompile(`</?[A-Za-z_][A-Za-z0-9_:-]*[^<>]*>`)

// cleanText removes nested tags, CDATA markers and entities and folds white
// space, keeping paragraph breaks.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "<![CDATA[", "")
	s = strings.ReplaceAll(s, "]]>", "")
	s = tagRE.ReplaceAllString(s, "")
	// Entities may be escaped twice (&amp;amp;); unescape until stable, a
	// bounded number of times.
	for i := 0; i < 3; i++ {
		u := html.UnescapeString(s)
		if u == s {
			break
		}
		s = u
	}
	paras := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n")
	var kept []string
	for _, p := range paras {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

// scoreRE finds the first number in a score, with an optional "/ N" or
// "out of N" scale after it.
var scoreRE = regexp.MustCompile(`(-?\d+(?:\.\d+)?)\s*(?:(?:/|out\s+of)\s*(\d+(?:\.\d+)?))?`)

// parseScore reads a 0-10 score.
func parseScore(s string) (float64, error) {
	s = cleanText(s)
	m := scoreRE.FindStringSubmatch(s)
	if m == nil {
		return 0, &scoreError{s}
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &scoreError{s}
	}
	if m[2] != "" {
		scale, err := strconv.ParseFloat(m[2], 64)
		if err != nil || scale <= 0 {
			return 0, &scoreError{s}
		}
		v = v / scale * 10
	}
	return math.Max(0, math.Min(10, v)), nil
}

type scoreError struct{ text string }

func (e *scoreError) Error() string {
	t := e.text
	if len(t) > 40 {
		t = t[:40] + "…"
	}
	return strconv.Quote(t) + " is not a score"
}

// asciiLower lowercases ASCII letters only. Unlike strings.ToLower it keeps
// byte offsets, so indices found in the result are valid in the input.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
