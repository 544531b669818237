package ingest

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/pdftext"
	"github.com/papersum/papersum/ingest/sentences"
)

// The quality tests of issue #10 measure what ingestion gets wrong on real
// papers, against the corpora in the shared data folder:
//
//   - TestAbstractNotLeaked: with DropAbstract, no sentence of the paper
//     may repeat its abstract (a first section that restates it, say);
//   - TestPDFTitles: the title of each CL-SciSumm PDF against the title
//     of its Reference_XML;
//   - TestPDFFrontMatter: body sentences that carry author names,
//     affiliations or e-mail addresses;
//   - TestPDFVocabulary: tokens of the ingested PDF text that the
//     Reference_XML never uses (split small capitals "P ROBING", words
//     run together "paperfirst", leaked front matter).
//
// They read ../shared/data (PAPERSUM_DATA overrides it) and skip when it
// is absent. CL-SciSumm 2018 is a test set: the heuristics were developed
// on ScisummNet and on constructed inputs, and these tests only report on
// CL-SciSumm and guard the figures reached (BENCHMARKS.md, "PDF
// ingestion"). Run with -v to see the per-paper figures.

// sharedData returns the shared data folder: PAPERSUM_DATA, or
// ../shared/data; a relative path is taken from the repository root, as
// the commands in BENCHMARKS.md write it. It skips the test when the folder
// is absent.
func sharedData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PAPERSUM_DATA")
	if dir == "" {
		dir = filepath.Join("..", "shared", "data")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // go test runs in ingest/, one below the root
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("shared data folder %q not found; set PAPERSUM_DATA to run this test", dir)
	}
	return dir
}

// pdfPaths are the two PDF paths every PDF figure is measured on.
var pdfPaths = []struct{ name, opt string }{
	{"pdftotext", ""},
	{"go", pdftext.Off},
}

// needPath skips the pdftotext path when poppler is not installed.
func needPath(t *testing.T, opt string) {
	t.Helper()
	if opt == "" {
		if _, err := exec.LookPath("pdftotext"); err != nil {
			t.Skip("pdftotext not installed")
		}
	}
}

// ingestCache keeps the papers ingested by these tests, so that each PDF
// is read once per path and option set per test binary.
var ingestCache sync.Map

type cachedPaper struct {
	once sync.Once
	p    *papersum.Paper
	err  error
}

// ingestFile ingests path once per option set and returns the shared
// result; callers must not modify it.
func ingestFile(path string, opts Options) (*papersum.Paper, error) {
	key := fmt.Sprintf("%s|%s|%v", path, opts.PDFToText, opts.DropAbstract)
	v, _ := ingestCache.LoadOrStore(key, &cachedPaper{})
	c := v.(*cachedPaper)
	c.once.Do(func() { c.p, c.err = Open(context.Background(), path, nil, opts) })
	return c.p, c.err
}

// clIDs returns the IDs of the CL-SciSumm 2018 papers, sorted.
func clIDs(t *testing.T, data string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(data, "cl-scisumm-2018", "Reference_XML", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CL-SciSumm Reference_XML under %s", data)
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, strings.TrimSuffix(filepath.Base(f), ".xml"))
	}
	sort.Strings(ids)
	return ids
}

// refDoc is a Reference_XML paper as the quality tests read it: the title
// and the sentences, unescaped twice.
type refDoc struct {
	title    string
	abstract []string
	body     []string
}

func readRef(t *testing.T, path string) refDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		S        []string `xml:"S"`
		Abstract []string `xml:"ABSTRACT>S"`
		Sections []struct {
			Title string   `xml:"title,attr"`
			S     []string `xml:"S"`
		} `xml:"SECTION"`
	}
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	un := func(s string) string { return strings.Join(strings.Fields(html.UnescapeString(s)), " ") }
	var d refDoc
	if len(x.S) > 0 {
		d.title = un(x.S[0])
	}
	for _, s := range x.Abstract {
		d.abstract = append(d.abstract, un(s))
	}
	for _, sec := range x.Sections {
		for _, s := range sec.S {
			d.body = append(d.body, un(s))
		}
	}
	return d
}

// words returns the lower-case runs of letters and digits of s.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// unigramF is ROUGE-1-like: the F1 of the word multisets of a and b.
func unigramF(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	count := map[string]int{}
	for _, w := range b {
		count[w]++
	}
	hit := 0
	for _, w := range a {
		if count[w] > 0 {
			count[w]--
			hit++
		}
	}
	if hit == 0 {
		return 0
	}
	p, r := float64(hit)/float64(len(a)), float64(hit)/float64(len(b))
	return 2 * p * r / (p + r)
}

// leakScore returns the highest unigram F of any sentence of p against any
// sentence of the abstract, and that sentence.
func leakScore(p *papersum.Paper, abstract []string) (float64, string) {
	var abs [][]string
	for _, a := range abstract {
		if w := words(a); len(w) > 0 {
			abs = append(abs, w)
		}
	}
	best, which := 0.0, ""
	for _, s := range p.Sentences() {
		sw := words(s.Text)
		for _, a := range abs {
			if f := unigramF(sw, a); f > best {
				best, which = f, s.Text
			}
		}
	}
	return best, which
}

// maxAbstractLeak is the highest unigram F that a sentence left after
// DropAbstract may have against a sentence of the gold abstract. A copy of
// an abstract sentence scores near 1; on ScisummNet the median paper's
// highest score after DropAbstract is 0.54 (sentences that share the
// paper's terms), and scores between 0.75 and 0.8 are mostly conclusions
// that paraphrase the abstract.
const maxAbstractLeak = 0.8

// goldAbstract reads an abstract file of plain text and splits it into
// sentences.
func goldAbstract(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(b)), " ")
	return sentences.Split(text)
}

// TestAbstractNotLeaked ingests every ScisummNet and CL-SciSumm
// Reference_XML, and every CL-SciSumm PDF on both paths, with
// DropAbstract, and checks that no sentence left repeats a sentence of the
// paper's abstract (the gold abstract file of the corpus).
func TestAbstractNotLeaked(t *testing.T) {
	data := sharedData(t)
	type input struct{ id, path, abstract string }
	var sets = map[string][]input{}
	ss, _ := filepath.Glob(filepath.Join(data, "scisummnet", "*", "Reference_XML", "*.xml"))
	for _, f := range ss {
		id := strings.TrimSuffix(filepath.Base(f), ".xml")
		sets["scisummnet-xml"] = append(sets["scisummnet-xml"], input{id, f, filepath.Join(data, "scisummnet", id, "summary", id+".abstract.txt")})
	}
	for _, id := range clIDs(t, data) {
		abs := filepath.Join(data, "cl-scisumm-2018", "Task2_gold", id+".abstract")
		sets["cl-xml"] = append(sets["cl-xml"], input{id, filepath.Join(data, "cl-scisumm-2018", "Reference_XML", id+".xml"), abs})
		sets["cl-pdf"] = append(sets["cl-pdf"], input{id, filepath.Join(data, "cl-scisumm-2018", "pdf", id+".pdf"), abs})
	}
	// run checks one set; at most allowed papers may keep a sentence over
	// maxAbstractLeak.
	run := func(t *testing.T, inputs []input, opts Options, allowed int) {
		over, n := 0, 0
		worst, worstID := 0.0, ""
		var scores []float64
		extra, body := 0, 0 // sentences dropped besides the abstract section; sentences outside it
		for _, in := range inputs {
			abs := goldAbstract(t, in.abstract)
			p, err := ingestFile(in.path, Options{PDFToText: opts.PDFToText, DropAbstract: true})
			if err != nil {
				if strings.Contains(err.Error(), "too short") {
					continue
				}
				t.Errorf("%s: %v", in.id, err)
				continue
			}
			n++
			// How much else DropAbstract takes (with -v only: it
			// ingests every paper a second time).
			if testing.Verbose() {
				if full, err := ingestFile(in.path, Options{PDFToText: opts.PDFToText}); err == nil {
					outside := 0
					for _, s := range full.Sections {
						if s.Kind != papersum.KindAbstract {
							outside += len(s.Sentences)
						}
					}
					body += outside
					extra += outside - len(p.Sentences())
				}
			}
			score, s := leakScore(p, abs)
			scores = append(scores, score)
			if score > worst {
				worst, worstID = score, in.id
			}
			if score > maxAbstractLeak {
				over++
				t.Logf("%s: a sentence repeats the abstract (unigram F %.3f): %.120q", in.id, score, s)
			} else if testing.Verbose() && len(inputs) <= 20 {
				t.Logf("%s: highest unigram F against an abstract sentence %.3f", in.id, score)
			}
		}
		sort.Float64s(scores)
		if len(scores) > 0 {
			t.Logf("%d papers: %d over %.2f; highest %.3f (%s); median %.3f; 95th percentile %.3f",
				n, over, maxAbstractLeak, worst, worstID, scores[len(scores)/2], scores[len(scores)*95/100])
			if testing.Verbose() {
				t.Logf("sentences dropped outside the abstract section: %d of %d (%.4f)", extra, body, float64(extra)/float64(max(body, 1)))
			}
		}
		if over > allowed {
			t.Errorf("%d papers keep a sentence that repeats the abstract, want at most %d", over, allowed)
		}
	}
	// ScisummNet keeps a residue that ingestion cannot see: papers whose
	// Reference_XML has no abstract, or an <ABSTRACT> that is not the
	// abstract (another part of the paper, references, a truncated copy),
	// and conclusions that paraphrase the abstract closely.
	// The 781 ScisummNet papers take most of this test's time: they run
	// when PAPERSUM_DATA asks for the data (as CI does), not in a plain
	// go test ./... that merely finds ../shared beside the clone.
	t.Run("scisummnet-xml", func(t *testing.T) {
		if os.Getenv("PAPERSUM_DATA") == "" {
			t.Skip("the ScisummNet sweep runs when PAPERSUM_DATA is set (e.g. PAPERSUM_DATA=../shared/data)")
		}
		run(t, sets["scisummnet-xml"], Options{}, 45)
	})
	t.Run("cl-xml", func(t *testing.T) { run(t, sets["cl-xml"], Options{}, 0) })
	for _, path := range pdfPaths {
		t.Run("cl-pdf-"+path.name, func(t *testing.T) {
			needPath(t, path.opt)
			run(t, sets["cl-pdf"], Options{PDFToText: path.opt}, 0)
		})
	}
}

// normTitleText normalises a title for comparison: case, white space, and
// footnote marks after it ("Parser *", "FORMALISMS*").
func normTitleText(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), " *∗†‡")
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// refTitleErrors corrects the one CL-SciSumm Reference_XML title that is
// itself wrong: W99-0613's has the author's name run into it.
var refTitleErrors = map[string]string{
	"W99-0613": "Unsupervised Models for Named Entity Classification",
}

// minTitles is the fewest CL-SciSumm PDF titles (of 20) each path must get
// right, exactly after normalising case, white space and footnote marks.
const minTitles = 18

func TestPDFTitles(t *testing.T) {
	data := sharedData(t)
	ids := clIDs(t, data)
	for _, path := range pdfPaths {
		t.Run(path.name, func(t *testing.T) {
			needPath(t, path.opt)
			ok, okRaw := 0, 0
			for _, id := range ids {
				ref := readRef(t, filepath.Join(data, "cl-scisumm-2018", "Reference_XML", id+".xml"))
				want := ref.title
				if fixed, found := refTitleErrors[id]; found {
					want = fixed
				}
				p, err := ingestFile(filepath.Join(data, "cl-scisumm-2018", "pdf", id+".pdf"), Options{PDFToText: path.opt})
				if err != nil {
					t.Errorf("%s: %v", id, err)
					continue
				}
				if normTitleText(p.Title) == normTitleText(ref.title) {
					okRaw++
				}
				if normTitleText(p.Title) == normTitleText(want) {
					ok++
					continue
				}
				t.Logf("%s: title %q, want %q", id, p.Title, want)
			}
			t.Logf("%s: %d/%d titles exact (case, spaces and footnote marks normalised); %d/%d against the uncorrected Reference_XML titles",
				path.name, ok, len(ids), okRaw, len(ids))
			if ok < minTitles {
				t.Errorf("%d/%d titles right, want at least %d", ok, len(ids), minTitles)
			}
		})
	}
}

// frontMatterTokens returns the tokens of the author block of a
// CL-SciSumm PDF: the words of page 1 before the abstract (or the
// introduction), as poppler's default mode reads them, that the paper's
// Reference_XML never uses. The Reference_XML has no author block, so these
// are the names, affiliations, addresses and e-mail addresses; a body
// sentence that contains one has front matter in it. The set is made with
// pdftotext whichever path is measured, so that it does not depend on the
// code under test.
func frontMatterTokens(t *testing.T, pdf string, vocab map[string]bool) map[string]bool {
	t.Helper()
	out, err := exec.Command("pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", pdf, err)
	}
	text := string(out)
	low := strings.ToLower(text)
	cut := len(text)
	for _, w := range []string{"abstract", "introduction"} {
		if i := strings.Index(low, w); i >= 0 && i < cut {
			cut = i
		}
	}
	toks := map[string]bool{}
	for _, f := range strings.Fields(text[:cut]) {
		f = strings.Trim(f, ",.;:()[]{}*∗†‡'\"")
		if strings.Contains(f, "@") {
			toks[f] = true
			continue
		}
		for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			// Names and affiliations are capitalised; postal codes are
			// numbers. Lower-case words of this region are more often the
			// start of the abstract of a paper without an "Abstract"
			// heading.
			letters := strings.IndexFunc(w, unicode.IsLetter) >= 0
			if letters && (len([]rune(w)) < 3 || !unicode.IsUpper([]rune(w)[0])) || !letters && len(w) < 4 {
				continue
			}
			if !vocab[strings.ToLower(w)] {
				toks[w] = true
			}
		}
	}
	return toks
}

// refVocab is the set of lower-case words of a Reference_XML paper.
func refVocab(d refDoc) map[string]bool {
	v := map[string]bool{}
	for _, s := range append(append([]string{d.title}, d.abstract...), d.body...) {
		for _, w := range words(s) {
			v[w] = true
		}
	}
	return v
}

// hasToken reports whether the word tokens of s include one of toks
// (exactly, case kept; e-mail addresses as substrings).
func hasToken(s string, toks map[string]bool) string {
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "@") {
			for tok := range toks {
				if strings.Contains(tok, "@") && strings.Contains(f, tok) {
					return tok
				}
			}
		}
		for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if toks[w] {
				return w
			}
		}
	}
	return ""
}

// maxFrontMatterLeaks is the most body sentences, over the 20 CL-SciSumm
// PDFs, that may contain a token of the author block, per path.
const maxFrontMatterLeaks = 12

// TestPDFFrontMatter counts the sentences of the ingested CL-SciSumm PDFs
// (title excluded) that contain a token of the paper's author block.
func TestPDFFrontMatter(t *testing.T) {
	data := sharedData(t)
	needPath(t, "")
	ids := clIDs(t, data)
	toks := map[string]map[string]bool{}
	for _, id := range ids {
		ref := readRef(t, filepath.Join(data, "cl-scisumm-2018", "Reference_XML", id+".xml"))
		toks[id] = frontMatterTokens(t, filepath.Join(data, "cl-scisumm-2018", "pdf", id+".pdf"), refVocab(ref))
	}
	for _, path := range pdfPaths {
		t.Run(path.name, func(t *testing.T) {
			needPath(t, path.opt)
			total, sents := 0, 0
			for _, id := range ids {
				p, err := ingestFile(filepath.Join(data, "cl-scisumm-2018", "pdf", id+".pdf"), Options{PDFToText: path.opt})
				if err != nil {
					t.Errorf("%s: %v", id, err)
					continue
				}
				n := 0
				for _, s := range p.Sentences() {
					sents++
					if tok := hasToken(s.Text, toks[id]); tok != "" {
						n++
						if testing.Verbose() {
							t.Logf("%s: %q in %.160q", id, tok, s.Text)
						}
					}
				}
				total += n
			}
			t.Logf("%s: %d of %d sentences contain a token of the author block", path.name, total, sents)
			if total > maxFrontMatterLeaks {
				t.Errorf("%d sentences with author-block tokens, want at most %d", total, maxFrontMatterLeaks)
			}
		})
	}
}

// splitCaps matches a capital letter set apart from the rest of its word
// in capitals, which is how some PDFs' text layers give small capitals:
// "P ROBING".
var splitCapsWords = func(s string) int {
	n := 0
	f := strings.Fields(s)
	for i := 0; i+1 < len(f); i++ {
		a, b := f[i], strings.TrimRight(f[i+1], ".,;:)")
		if len(a) == 1 && a[0] >= 'A' && a[0] <= 'Z' && a != "A" && a != "I" && len(b) >= 2 && strings.ToUpper(b) == b &&
			strings.IndexFunc(b, unicode.IsLetter) >= 0 {
			n++
		}
	}
	return n
}

// refBigrams is the set of adjacent word pairs ("a b") of a Reference_XML
// paper.
func refBigrams(d refDoc) map[string]bool {
	b := map[string]bool{}
	for _, s := range append(append([]string{d.title}, d.abstract...), d.body...) {
		w := words(s)
		for i := 0; i+1 < len(w); i++ {
			b[w[i]+" "+w[i+1]] = true
		}
	}
	return b
}

// endings are word endings that make a reference word plus an ending look
// like two words run together ("bordering" = "border" + "ing"); such
// tokens are not counted as run together.
var endings = map[string]bool{"ing": true, "ed": true, "er": true, "ers": true, "ly": true, "s": true,
	"es": true, "al": true, "ion": true, "ions": true, "ment": true, "ness": true, "able": true}

// vocabStats measures the words of the ingested paper p against the
// Reference_XML's vocabulary and word pairs: tokens; tokens the reference
// never uses; of those, the ones that are two reference words run together;
// and pairs of neighbouring tokens that are one reference word split in
// two (the reference has the word and never the pair).
func vocabStats(p *papersum.Paper, vocab, pairs map[string]bool) (total, oov, joined, split int, examples, splitExamples []string) {
	for _, s := range p.Sentences() {
		ws := words(s.Text)
		for i, w := range ws {
			if strings.IndexFunc(w, unicode.IsLetter) < 0 {
				continue
			}
			total++
			if i+1 < len(ws) && len(w)+len(ws[i+1]) >= 5 && vocab[w+ws[i+1]] && !pairs[w+" "+ws[i+1]] &&
				strings.IndexFunc(ws[i+1], unicode.IsDigit) < 0 {
				split++
				if len(splitExamples) < 8 {
					splitExamples = append(splitExamples, w+" "+ws[i+1])
				}
			}
			if vocab[w] {
				continue
			}
			oov++
			for i := 2; i <= len(w)-2; i++ {
				if vocab[w[:i]] && vocab[w[i:]] && len(w) >= 6 && !endings[w[i:]] {
					joined++
					if len(examples) < 8 {
						examples = append(examples, w)
					}
					break
				}
			}
		}
	}
	return total, oov, joined, split, examples, splitExamples
}

// maxOOVShare is the highest share of ingested PDF tokens, over the 20
// CL-SciSumm papers, that the Reference_XML never uses, per path. It is
// not zero because half of the papers are scans whose Reference_XML came
// from a different OCR run than the PDF's text layer.
var maxOOVShare = map[string]float64{"pdftotext": 0.04, "go": 0.04}

// TestPDFVocabulary measures how much of the ingested text of the
// CL-SciSumm PDFs is words the Reference_XML never uses, how many of those
// are two of its words run together, and how many capitals are split from
// the rest of their word.
func TestPDFVocabulary(t *testing.T) {
	data := sharedData(t)
	ids := clIDs(t, data)
	for _, path := range pdfPaths {
		t.Run(path.name, func(t *testing.T) {
			needPath(t, path.opt)
			var total, oov, joined, split, caps int
			for _, id := range ids {
				ref := readRef(t, filepath.Join(data, "cl-scisumm-2018", "Reference_XML", id+".xml"))
				p, err := ingestFile(filepath.Join(data, "cl-scisumm-2018", "pdf", id+".pdf"), Options{PDFToText: path.opt})
				if err != nil {
					t.Errorf("%s: %v", id, err)
					continue
				}
				tt, o, j, sp, ex, spx := vocabStats(p, refVocab(ref), refBigrams(ref))
				c := 0
				for _, s := range p.Sentences() {
					c += splitCapsWords(s.Text)
				}
				total, oov, joined, split, caps = total+tt, oov+o, joined+j, split+sp, caps+c
				if testing.Verbose() {
					t.Logf("%s: %d tokens, %d not in the reference (%.3f), %d run together %v, %d split in two %q, %d split capitals", id, tt, o, float64(o)/float64(max(tt, 1)), j, ex, sp, spx, c)
				}
			}
			share := float64(oov) / float64(max(total, 1))
			t.Logf("%s: %d tokens; not in the Reference_XML vocabulary %d (%.4f); two reference words run together %d; one reference word split in two %d; split capitals %d",
				path.name, total, oov, share, joined, split, caps)
			if share > maxOOVShare[path.name] {
				t.Errorf("share of tokens not in the reference vocabulary %.4f, want at most %.4f", share, maxOOVShare[path.name])
			}
		})
	}
}
