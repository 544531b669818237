package dataset

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
)

// load loads spec or fails the test.
func load(t *testing.T, spec string, opts Options) *Dataset {
	t.Helper()
	ds, err := Load(context.Background(), spec, opts)
	if err != nil {
		t.Fatalf("Load(%q): %v", spec, err)
	}
	return ds
}

// item returns the item id of ds or fails the test.
func item(t *testing.T, ds *Dataset, id string) Item {
	t.Helper()
	for _, it := range ds.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %s", id)
	return Item{}
}

// input returns the input name of it or fails the test.
func input(t *testing.T, it Item, name string) Input {
	t.Helper()
	for _, in := range it.Inputs {
		if in.Name == name {
			return in
		}
	}
	t.Fatalf("%s: no input %s", it.ID, name)
	return Input{}
}

func ids(ds *Dataset) []string {
	var out []string
	for _, it := range ds.Items {
		out = append(out, it.ID)
	}
	return out
}

func hasKind(p *papersum.Paper, k papersum.SectionKind) int {
	n := 0
	for _, s := range p.Sections {
		if s.Kind == k {
			n += len(s.Sentences)
		}
	}
	return n
}

// copyTree copies the directory src to dst (created), byte for byte.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScisummNet(t *testing.T) {
	dir := filepath.Join("testdata", "scisummnet")
	ds := load(t, "scisummnet:"+dir, Options{})
	if ds.Kind != KindScisummNet || ds.Spec != "scisummnet:"+dir {
		t.Errorf("kind %q spec %q", ds.Kind, ds.Spec)
	}
	if got, want := ids(ds), []string{"PS-0001", "PS-0002"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	// Nothing is left out silently: each skip names its reason.
	want := map[string]string{
		"PS-0002/abstract": "PS-0002.abstract.txt: empty file",
		"PS-0003/":         "too short: 0 sentences",
		"PS-0004/":         "PS-0004.scisummnet_human.txt: no summary after the title line",
	}
	if len(ds.Skipped) != len(want) {
		t.Errorf("skipped %+v, want %d skips", ds.Skipped, len(want))
	}
	for _, s := range ds.Skipped {
		if w, ok := want[s.ID+"/"+s.RefType]; !ok || !strings.Contains(s.Reason, w) {
			t.Errorf("skip %+v, want a reason containing %q", s, w)
		}
	}

	a := item(t, ds, "PS-0001")
	full, noAbs := input(t, a, InputFull), input(t, a, InputNoAbstract)
	if !reflect.DeepEqual(full.RefTypes, []string{RefHuman}) || !reflect.DeepEqual(noAbs.RefTypes, []string{RefAbstract}) {
		t.Errorf("ref types full %v, no_abstract %v", full.RefTypes, noAbs.RefTypes)
	}
	// The human summary loses its title line and keeps one sentence a line.
	human := a.References[RefHuman]
	if len(human) != 1 || len(human[0]) != 5 {
		t.Fatalf("human references %q, want one of 5 sentences", human)
	}
	if h := human[0][0]; strings.Contains(h, "Group Commit for a Summarization Service") || !strings.HasPrefix(h, "We share one database transaction among the requests") {
		t.Errorf("first human sentence %q: the title line was not dropped", h)
	}
	if abs := a.References[RefAbstract]; len(abs) != 1 || len(abs[0]) != 3 {
		t.Errorf("abstract references %q, want one of 3 sentences", abs)
	}
	// DropAbstract removes the abstract and nothing else.
	if hasKind(full.Paper, papersum.KindAbstract) == 0 {
		t.Fatal("full paper has no abstract section")
	}
	if n := hasKind(noAbs.Paper, papersum.KindAbstract); n != 0 {
		t.Errorf("no_abstract paper has %d abstract sentences", n)
	}
	if got, want := len(noAbs.Paper.Sentences()), len(full.Paper.Sentences())-hasKind(full.Paper, papersum.KindAbstract); got != want {
		t.Errorf("no_abstract has %d sentences, want %d", got, want)
	}
	if full.Paper.ID == noAbs.Paper.ID {
		t.Error("full and no_abstract papers share an ID")
	}

	// A skipped reference type takes its input with it.
	h := item(t, ds, "PS-0002")
	if len(h.Inputs) != 1 || h.Inputs[0].Name != InputFull || len(h.References[RefAbstract]) != 0 {
		t.Errorf("PS-0002 inputs %+v references %v", h.Inputs, h.References)
	}
}

func TestCLSciSumm(t *testing.T) {
	dir := filepath.Join("testdata", "clscisumm")
	ds := load(t, "clscisumm:"+dir, Options{})
	if got, want := ids(ds), []string{"PS-1001", "PS-1002"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	if len(ds.Skipped) != 0 {
		t.Errorf("skipped %+v", ds.Skipped)
	}
	for _, it := range ds.Items {
		for rt, n := range map[string]int{RefAbstract: 1, RefHuman: 3, RefCommunity: 3} {
			if got := len(it.References[rt]); got != n {
				t.Errorf("%s: %d %s references, want %d", it.ID, got, rt, n)
			}
			// Each reference is one line, as the official scorer reads it.
			for _, ref := range it.References[rt] {
				if len(ref) != 1 || strings.ContainsAny(ref[0], "\r\n") || ref[0] != strings.TrimSpace(ref[0]) {
					t.Errorf("%s %s reference is not one clean line: %q", it.ID, rt, ref)
				}
			}
		}
		if !reflect.DeepEqual(input(t, it, InputFull).RefTypes, []string{RefHuman, RefCommunity}) ||
			!reflect.DeepEqual(input(t, it, InputNoAbstract).RefTypes, []string{RefAbstract}) {
			t.Errorf("%s: inputs %+v", it.ID, it.Inputs)
		}
		if n := hasKind(input(t, it, InputNoAbstract).Paper, papersum.KindAbstract); n != 0 {
			t.Errorf("%s: no_abstract paper has %d abstract sentences", it.ID, n)
		}
		if hasKind(input(t, it, InputFull).Paper, papersum.KindAbstract) == 0 {
			t.Errorf("%s: full paper has no abstract", it.ID)
		}
	}

	a := item(t, ds, "PS-1001")
	// ada's file: a CSV-quoted cell over two lines with doubled quotes,
	// two <S> on a line, an NA and a “NA” line, &amp;quot; entities, CRLF.
	c := a.References[RefCommunity][0][0]
	for _, bad := range []string{"<S", "</S", "sid=", `""`, "NA", "&amp;", "&quot;"} {
		if strings.Contains(c, bad) {
			t.Errorf("community reference contains %q: %.300s", bad, c)
		}
	}
	if !strings.HasPrefix(c, "The page is then walked from top to bottom in bands. A run of rows that split at the gutter is emitted left column first and right column second. The reader written in Go") {
		t.Errorf("community reference starts %.200q", c)
	}
	if !strings.Contains(c, `unless the "hyphenated" form appears elsewhere & is a compound`) {
		t.Error("community entities not unescaped")
	}
	// Annotator order (file names): ada, ben, cy.
	for i, prefix := range []string{"The paper reads two-column PDF papers", "Recovering reading order from positions", "This paper explains how papersum splits \"two-column\" pages"} {
		if !strings.HasPrefix(a.References[RefHuman][i][0], prefix) {
			t.Errorf("human reference %d is %.60q, want it to start %q", i, a.References[RefHuman][i][0], prefix)
		}
	}
	if !strings.HasPrefix(a.References[RefAbstract][0][0], "We describe how papersum recovers the reading order") || !strings.Contains(a.References[RefAbstract][0][0], `we call a sentence "recognisable"`) {
		t.Errorf("abstract %.100q", a.References[RefAbstract][0][0])
	}
	// PS-1002's abstract is five CRLF lines without a final newline: one line here.
	if abs := item(t, ds, "PS-1002").References[RefAbstract][0][0]; !strings.HasPrefix(abs, "A pipeline that calls hosted language models must survive rate limits,") || !strings.HasSuffix(abs, "every run succeeded.") {
		t.Errorf("PS-1002 abstract %q", abs)
	}
	// dee's human file starts with a tab.
	if h := item(t, ds, "PS-1002").References[RefHuman][2][0]; !strings.HasPrefix(h, "This paper talks about one retry layer") {
		t.Errorf("PS-1002 human reference 3 %q", h)
	}
}

// TestCLSciSummLineEndings loads the same gold files with LF, CRLF and
// lone-CR line endings, with and without a final newline: the
// references must not change.
func TestCLSciSummLineEndings(t *testing.T) {
	base := load(t, "clscisumm:testdata/clscisumm", Options{IDs: []string{"PS-1002"}})
	for name, conv := range map[string]func(string) string{
		"LF":            func(s string) string { return s + "\n" },
		"CRLF":          func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") + "\r\n" },
		"CR":            func(s string) string { return strings.ReplaceAll(s, "\n", "\r") },
		"no final EOL":  func(s string) string { return s },
		"blank lines":   func(s string) string { return "\n\n" + strings.ReplaceAll(s, "\n", "\n\n") + "\n\n" },
		"mixed + space": func(s string) string { return strings.Replace(strings.ReplaceAll(s, "\n", "  \r\n"), "\r\n", "\n", 1) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, "testdata/clscisumm", dir)
			gold := filepath.Join(dir, "Task2_gold")
			entries, _ := os.ReadDir(gold)
			for _, e := range entries {
				path := filepath.Join(gold, e.Name())
				data, _ := os.ReadFile(path)
				// Normalise to LF without a final newline, then convert.
				s := strings.TrimRight(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n"), "\n")
				write(t, path, conv(s))
			}
			ds := load(t, "clscisumm:"+dir, Options{IDs: []string{"PS-1002"}})
			if !reflect.DeepEqual(ds.Items[0].References, base.Items[0].References) {
				t.Errorf("references differ:\n%q\n%q", ds.Items[0].References, base.Items[0].References)
			}
		})
	}
}

func TestCommunityLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<S sid="5" ssid="1">Plain span.</S>`, "Plain span."},
		{`   <S sid="5" ssid="1">Indented span.</S>  `, "Indented span."},
		{`"<S sid=""90"" ssid=""1"">First of a CSV cell.</S>`, "First of a CSV cell."},
		{`    <S sid=""91"" ssid=""2"">Last of a CSV cell.</S>"`, "Last of a CSV cell."},
		{`<S sid="1" ssid="1">One.</S><S sid="2" ssid="2">Two.</S>`, "One. Two."},
		{`<S sid="1" ssid="1">One.</S>       <S sid="2" ssid="2">Two.</S>`, "One. Two."},
		{`S sid="15" ssid="8">Lost its bracket.</S>`, "Lost its bracket."},
		{`d="79" ssid="12">Starts mid-tag.</S>`, "Starts mid-tag."},
		{`75 ssid="4">Starts later in the tag.</S>`, "Starts later in the tag."},
		{`<S sid="97" ssid="8">Closing bracket lost.</S`, "Closing bracket lost."},
		{`<S sid="9" ssid="5">Joint S&amp;T and &amp;quot;quotes&amp;quot; &#8212; done.</S>`, `Joint S&T and "quotes" — done.`},
		{`<S sid="1" ssid="1">x &lt; 40</S>`, "x < 40"},
		{"NA", ""},
		{"“NA”", ""},
		{`"NA"`, ""},
		{"", ""},
		{`<S sid="1" ssid="1">NA is a word here.</S>`, "NA is a word here."},
	} {
		if got := communityLine(c.in); got != c.want {
			t.Errorf("communityLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSciTLDR(t *testing.T) {
	file := filepath.Join("testdata", "scitldr", "sample.jsonl")
	ds := load(t, "scitldr:"+file, Options{})
	if got, want := ids(ds), []string{"psTLDR0001", "psTLDR0002", "psTLDR0003", "psTLDR0004", "psTLDR0005"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	counts := refCounts(ds)
	if counts[RefTLDR] != 11 || counts[RefAuthor] != 5 {
		t.Errorf("references %v, want 11 tldr and 5 author", counts)
	}
	a := item(t, ds, "psTLDR0001")
	in := input(t, a, InputAbstractOnly)
	if len(a.Inputs) != 1 || !reflect.DeepEqual(in.RefTypes, []string{RefTLDR, RefAuthor}) {
		t.Errorf("inputs %+v", a.Inputs)
	}
	p := in.Paper
	if len(p.Sections) != 1 || p.Sections[0].Kind != papersum.KindAbstract || len(p.Sections[0].Sentences) != 5 {
		t.Fatalf("paper sections %+v", p.Sections)
	}
	if !strings.HasPrefix(p.Sections[0].Sentences[0], "We describe papersum, an open-source tool") || p.Title == "" || p.ID != papersum.ContentHash([]byte(p.Text())) {
		t.Errorf("paper %+v", p)
	}
	if got := a.References[RefAuthor]; len(got) != 1 || got[0][0] != a.References[RefTLDR][0][0] || !strings.HasPrefix(got[0][0], "We summarize research papers in three stages") {
		t.Errorf("author reference %q", got)
	}
	for _, it := range ds.Items {
		for _, ref := range it.References[RefTLDR] {
			if len(ref) != 1 || strings.ContainsAny(ref[0], "\r\n") {
				t.Errorf("%s: target %q is not one line", it.ID, ref)
			}
		}
	}
	// psTLDR0004 has a newline inside a target; the file has no final newline.
	if got := item(t, ds, "psTLDR0004").References[RefTLDR]; got[1][0] != "We split pages at the column gutter and read them in bands, recovering nearly every sentence." {
		t.Errorf("psTLDR0004 targets %q", got)
	}
}

func TestJSONL(t *testing.T) {
	ds := load(t, "jsonl:testdata/jsonl/set.jsonl", Options{})
	if got, want := ids(ds), []string{"lead", "inline"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("items %v, want %v", got, want)
	}
	lead := item(t, ds, "lead")
	want := [][]string{
		{"Lead baselines are weak on papers.", "The abstract matters."},
		{"Lead is weak on science.", "Abstracts hold the claims."},
	}
	if !reflect.DeepEqual(lead.References[RefReference], want) {
		t.Errorf("references %q, want %q", lead.References[RefReference], want)
	}
	in := input(t, lead, InputFull)
	if in.Paper.Format != ingest.FormatMarkdown || in.Paper.Title != "Lead Baselines for Scientific Summarization" || !reflect.DeepEqual(in.RefTypes, []string{RefReference}) {
		t.Errorf("paper %q format %q, ref types %v", in.Paper.Title, in.Paper.Format, in.RefTypes)
	}
	inline := item(t, ds, "inline")
	if p := input(t, inline, InputFull).Paper; len(p.Sentences()) != 3 {
		t.Errorf("inline paper has %d sentences, want 3", len(p.Sentences()))
	}
}

func TestOptions(t *testing.T) {
	spec := "scisummnet:testdata/scisummnet"
	// IDs keep dataset order, whatever order they are given in.
	ds := load(t, spec, Options{IDs: []string{"PS-0002", "PS-0001"}})
	if got := ids(ds); !reflect.DeepEqual(got, []string{"PS-0001", "PS-0002"}) {
		t.Errorf("IDs: items %v", got)
	}
	// Limit counts papers, skipped ones included, in dataset order.
	ds = load(t, spec, Options{Limit: 3})
	if got := ids(ds); !reflect.DeepEqual(got, []string{"PS-0001", "PS-0002"}) || len(ds.Skipped) != 2 {
		t.Errorf("Limit 3: items %v skipped %+v", got, ds.Skipped)
	}
	ds = load(t, "scitldr:testdata/scitldr/sample.jsonl", Options{Limit: 2, IDs: []string{"psTLDR0005", "psTLDR0002", "psTLDR0001"}})
	if got := ids(ds); !reflect.DeepEqual(got, []string{"psTLDR0001", "psTLDR0002"}) {
		t.Errorf("Limit+IDs: items %v", got)
	}
	ds = load(t, "clscisumm:testdata/clscisumm", Options{Limit: 1})
	if got := ids(ds); !reflect.DeepEqual(got, []string{"PS-1001"}) {
		t.Errorf("clscisumm Limit 1: items %v", got)
	}
	ds = load(t, "jsonl:testdata/jsonl/set.jsonl", Options{IDs: []string{"inline"}})
	if got := ids(ds); !reflect.DeepEqual(got, []string{"inline"}) {
		t.Errorf("jsonl IDs: items %v", got)
	}

	for _, c := range []struct {
		opts Options
		code string
		msg  string
	}{
		{Options{Limit: -1}, papersum.EINVALID, "limit is -1"},
		{Options{IDs: []string{"PS-0001", "PS-0001"}}, papersum.EINVALID, `"PS-0001" is listed twice`},
		{Options{IDs: []string{""}}, papersum.EINVALID, "empty paper id"},
		{Options{IDs: []string{"PS-0001", "X99-0000"}}, papersum.ENOTFOUND, `no paper with id "X99-0000"`},
	} {
		_, err := Load(context.Background(), spec, c.opts)
		if papersum.ErrorCode(err) != c.code || !strings.Contains(papersum.ErrorMessage(err), c.msg) {
			t.Errorf("%+v: error %v (code %s), want %s containing %q", c.opts, err, papersum.ErrorCode(err), c.code, c.msg)
		}
	}
}

func TestHash(t *testing.T) {
	specs := []string{
		"scisummnet:testdata/scisummnet",
		"clscisumm:testdata/clscisumm",
		"scitldr:testdata/scitldr/sample.jsonl",
		"jsonl:testdata/jsonl/set.jsonl",
	}
	seen := map[string]string{}
	for _, spec := range specs {
		a, b := load(t, spec, Options{}), load(t, spec, Options{})
		if a.Hash != b.Hash || !strings.HasPrefix(a.Hash, "sha256:") {
			t.Errorf("%s: hashes %s and %s", spec, a.Hash, b.Hash)
		}
		if other, dup := seen[a.Hash]; dup {
			t.Errorf("%s and %s share a hash", spec, other)
		}
		seen[a.Hash] = spec
		// A subset is not the whole set, even when the same file is read.
		sub := load(t, spec, Options{Limit: 1})
		if sub.Hash == a.Hash {
			t.Errorf("%s: Limit 1 has the hash of the whole set", spec)
		}
	}

	// The hash depends on content and relative paths, not on where the
	// data sits; one changed byte in any file read changes it.
	base := load(t, "clscisumm:testdata/clscisumm", Options{}).Hash
	for _, file := range []string{
		"Reference_XML/PS-1002.xml",
		"Task2_gold/PS-1001_ben.human.txt",
		"Task2_gold/PS-1002_cy.community",
	} {
		dir := t.TempDir()
		copyTree(t, "testdata/clscisumm", dir)
		if got := load(t, "clscisumm:"+dir, Options{}).Hash; got != base {
			t.Fatalf("a copy elsewhere hashes %s, want %s", got, base)
		}
		path := filepath.Join(dir, file)
		data, _ := os.ReadFile(path)
		i := len(data) / 2
		data[i] ^= 0x20 // flip case: still valid text, same length
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := load(t, "clscisumm:"+dir, Options{}).Hash; got == base {
			t.Errorf("changing a byte of %s did not change the hash", file)
		}
	}
	// Files that are not read (the LICENCE) do not count.
	dir := t.TempDir()
	copyTree(t, "testdata/clscisumm", dir)
	write(t, filepath.Join(dir, "LICENCE"), "changed")
	if got := load(t, "clscisumm:"+dir, Options{}).Hash; got != base {
		t.Error("an unread file changed the hash")
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, spec := range []string{"scisummnet:testdata/scisummnet", "clscisumm:testdata/clscisumm", "scitldr:testdata/scitldr/sample.jsonl", "jsonl:testdata/jsonl/set.jsonl"} {
		if ds, err := Load(ctx, spec, Options{}); !errors.Is(err, context.Canceled) || ds != nil {
			t.Errorf("%s: %v, want context.Canceled and no dataset", spec, err)
		}
	}
}
