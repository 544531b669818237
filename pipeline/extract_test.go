package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

func TestExtractSummary(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain", "<summary>A parser.</summary>", "A parser."},
		{"prose around", "Here is the summary:\n<summary>\nA parser.\n</summary>\nHope it helps!", "A parser."},
		{"code fence", "```xml\n<summary>A parser.</summary>\n```", "A parser."},
		{"unclosed", "<summary>A parser that\nworks well.", "A parser that works well."},
		{"duplicated takes last", "<summary>draft</summary> wait, better: <summary>final</summary>", "final"},
		{"duplicated last empty", "<summary>kept</summary><summary>  </summary>", "kept"},
		{"entities", "<summary>A &amp; B &lt;3 &quot;x&quot; &amp;amp;</summary>", `A & B <3 "x" &`},
		{"case and attrs", `<SUMMARY lang="en">Upper.</SUMMARY>`, "Upper."},
		{"nested markup", "<summary><p>One.</p> <b>Two.</b></summary>", "One. Two."},
		{"paragraphs kept", "<summary>One.\n\nTwo.</summary>", "One.\n\nTwo."},
		{"cdata", "<summary><![CDATA[a < b]]></summary>", "a < b"},
		{"not prefix tag", "<summary_notes>no</summary_notes><summary>yes</summary>", "yes"},
		{"unclosed then reopened", "<summary>first <summary>second</summary>", "second"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExtractSummary(papersum.StageSummarize, TagSummary, tc.raw)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExtractSummaryErrors(t *testing.T) {
	for _, raw := range []string{"", "no tags here", "<summary></summary>", "<summary>   </summary>", "<revised_summary>x</revised_summary>", "<summary"} {
		_, err := ExtractSummary(papersum.StageRevise, TagSummary, raw)
		var pe *papersum.ProviderError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: want ProviderError, got %v", raw, err)
		}
		if pe.Class != papersum.ClassParse || pe.Stage != papersum.StageRevise || pe.Raw != raw {
			t.Errorf("%q: got class %q stage %q raw %q", raw, pe.Class, pe.Stage, pe.Raw)
		}
	}
}

func TestExtractCritique(t *testing.T) {
	raw := "Sure.\n```xml\n<critique><scores><accuracy>8/10</accuracy><completeness>8.5</completeness>" +
		"<clarity>**7**</clarity><coherence>90/100</coherence></scores><issues><issue>key term &quot;parser&quot; not covered</issue>" +
		"<issue>sentences 2 and 5 overlap 70%</issue><issue> </issue></issues></critique>\n```"
	c, err := ExtractCritique(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := papersum.Scores{Accuracy: 8, Completeness: 8.5, Clarity: 7, Coherence: 9}
	if c.Scores != want {
		t.Errorf("scores %+v, want %+v", c.Scores, want)
	}
	if len(c.Issues) != 2 || c.Issues[0] != `key term "parser" not covered` {
		t.Errorf("issues %q", c.Issues)
	}
	// 0.4*8 + 0.3*8.5 + 0.2*7 + 0.1*9 = 8.05
	if got := c.Scores.Overall(); got != 8.05 {
		t.Errorf("overall %v, want 8.05", got)
	}
}

func TestExtractCritiqueTolerance(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want papersum.Scores
	}{
		{"no wrapper", "<accuracy>9</accuracy><completeness>8</completeness><clarity>7</clarity><coherence>6</coherence>",
			papersum.Scores{Accuracy: 9, Completeness: 8, Clarity: 7, Coherence: 6}},
		{"out of", "<critique><scores><accuracy>8 out of 10</accuracy><completeness>Score: 6</completeness><clarity>12</clarity><coherence>-1</coherence></scores></critique>",
			papersum.Scores{Accuracy: 8, Completeness: 6, Clarity: 10, Coherence: 0}},
		{"unclosed critique", "<critique><scores><accuracy>5</accuracy><completeness>5</completeness><clarity>5</clarity><coherence>5",
			papersum.Scores{Accuracy: 5, Completeness: 5, Clarity: 5, Coherence: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ExtractCritique(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.Scores != tc.want {
				t.Errorf("got %+v want %+v", c.Scores, tc.want)
			}
			if c.Issues == nil {
				t.Error("issues must be an empty list, not nil")
			}
		})
	}
}

func TestExtractCritiqueErrors(t *testing.T) {
	tests := map[string]string{
		"empty":         "",
		"missing score": "<critique><scores><accuracy>8</accuracy><clarity>7</clarity><coherence>6</coherence></scores></critique>",
		"not a number":  "<critique><scores><accuracy>good</accuracy><completeness>8</completeness><clarity>7</clarity><coherence>6</coherence></scores></critique>",
		"zero scale":    "<critique><scores><accuracy>8/0</accuracy><completeness>8</completeness><clarity>7</clarity><coherence>6</coherence></scores></critique>",
	}
	for name, raw := range tests {
		_, err := ExtractCritique(raw)
		if papersum.ClassOf(err) != papersum.ClassParse {
			t.Errorf("%s: want parse error, got %v", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "critique") {
			t.Errorf("%s: error %q does not name the stage", name, err)
		}
	}
}

// FuzzExtract checks that no input makes the extractor panic, and that
// whatever it returns is consistent: either a value or a parse error that
// carries the raw output.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"<summary>x</summary>", "<summary>", "</summary><summary", "<critique><scores><accuracy>8/10",
		"```\n<revised_summary>&amp;&#xZZ;</revised_summary>\n```", "<summary/><summary >a</summary>",
		"<accuracy>1e309</accuracy><completeness>NaN</completeness>", "\xff\xfe<summary>\x00</summary>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, tag := range []string{TagSummary, TagRevisedSummary} {
			s, err := ExtractSummary(papersum.StageSummarize, tag, raw)
			if err != nil {
				var pe *papersum.ProviderError
				if !errors.As(err, &pe) || pe.Class != papersum.ClassParse || pe.Raw != raw {
					t.Fatalf("bad error %v", err)
				}
			} else if strings.TrimSpace(s) == "" {
				t.Fatalf("empty summary without error")
			}
		}
		c, err := ExtractCritique(raw)
		if err != nil {
			if papersum.ClassOf(err) != papersum.ClassParse {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		for _, v := range []float64{c.Scores.Accuracy, c.Scores.Completeness, c.Scores.Clarity, c.Scores.Coherence} {
			if !(v >= 0 && v <= 10) {
				t.Fatalf("score %v out of range", v)
			}
		}
	})
}
