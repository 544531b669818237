package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/stats"
)

// judgeFlags are the flags of eval judge.
type judgeFlags struct {
	paper, summary, dataset, format string
	words, concurrency, resamples   int
	seed                            uint64
	maxBytes                        int64
}

func newEvalJudgeCmd(e *env, g *globalFlags) *cobra.Command {
	var f judgeFlags
	c := &cobra.Command{
		Use:   "judge (--paper PAPER --summary FILE | --dataset jsonl:FILE)",
		Short: "Score any summary of a paper with the configured judge",
		Long: `Judge scores summaries with the configured judge (the local engine's measured
critique unless judge: in the configuration names a model): the four rubric
dimensions (accuracy, completeness, clarity, coherence, 0-10), the weighted
overall (40/30/20/10) and the issues found. Every score records the judge and
its version (the local critique's version, or the judge prompt's hash).

--paper PAPER --summary FILE scores one summary of one paper (PAPER is any
file papersum can ingest; FILE is plain text).

--dataset jsonl:FILE scores many. Each line is
  {"id": "...", "source": "paper or article text", "summary": "...",
   "human": {"consistency": 0.67, ...}}
"source_file" (a path papersum can ingest, relative to FILE's folder) may
replace "source"; "human" is optional and may hold any number of named
ratings. When it is present, the output adds, for every dimension and every
human rating, the Pearson, Spearman and Kendall (tau-b) correlations over the
items that have the rating, each with a percentile bootstrap 95% interval
(--resamples resamples of the items, seeded by --seed).`,
		Example: `  papersum eval judge --paper paper.pdf --summary summary.txt
  papersum eval judge --dataset jsonl:judged.jsonl --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			cfg, err := loadConfig(g, e.getenv)
			if err != nil {
				return err
			}
			target := cfg.TargetWords
			if f.words > 0 {
				target = f.words
			}
			deps, err := newPipelineDeps(cfg, e, newLogger(e, g))
			if err != nil {
				return err
			}
			judge, err := newJudge(cfg, e, deps)
			if err != nil {
				return err
			}
			if f.dataset != "" {
				return judgeDataset(c.Context(), e, &f, judge, target)
			}
			return judgeOne(c.Context(), e, &f, judge, target)
		},
	}
	c.Flags().StringVar(&f.paper, "paper", "", "the paper the summary is of (PDF, text, Markdown, LaTeX, dataset XML)")
	c.Flags().StringVar(&f.summary, "summary", "", "file holding the summary to score (plain text)")
	c.Flags().StringVar(&f.dataset, "dataset", "", "many summaries to score, as jsonl:FILE")
	c.Flags().IntVarP(&f.words, "words", "w", 0, "target length the summary is judged against (default: target_words of the config)")
	c.Flags().IntVarP(&f.concurrency, "concurrency", "c", 4, "items judged at once")
	c.Flags().IntVar(&f.resamples, "resamples", 2000, "bootstrap resamples of the correlation intervals")
	c.Flags().Uint64Var(&f.seed, "seed", 1, "seed of the bootstrap")
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format")
	c.Flags().Int64Var(&f.maxBytes, "max-bytes", ingest.DefaultMaxBytes, "refuse input files larger than this many bytes")
	limitFlags(c.Flags(), wordsFlag(), intIn("concurrency", 1, 64, ""), intIn("resamples", 100, 100000, ""), formatFlag("text", "json"), maxBytesFlag())
	return c
}

// check refuses flag combinations that make no sense (exit 2).
func (f *judgeFlags) check() error {
	switch {
	case f.dataset != "" && (f.paper != "" || f.summary != ""):
		return &usageError{"--dataset cannot be combined with --paper or --summary"}
	case f.dataset != "":
		kind, path, ok := strings.Cut(f.dataset, ":")
		if !ok || kind != "jsonl" || path == "" {
			return &usageError{fmt.Sprintf("--dataset %q: eval judge reads jsonl:FILE", f.dataset)}
		}
	case f.paper == "" && f.summary == "":
		return &usageError{"give --paper PAPER --summary FILE, or --dataset jsonl:FILE"}
	case f.paper == "":
		return &usageError{"--summary needs --paper: the paper the summary is of"}
	case f.summary == "":
		return &usageError{"--paper needs --summary: the file holding the summary to score"}
	}
	return nil
}

// judgedScores are a judge's scores with the overall, as eval judge prints
// them.
type judgedScores struct {
	Accuracy     float64 `json:"accuracy"`
	Completeness float64 `json:"completeness"`
	Clarity      float64 `json:"clarity"`
	Coherence    float64 `json:"coherence"`
	Overall      float64 `json:"overall"`
}

func newJudgedScores(s papersum.Scores) judgedScores {
	return judgedScores{s.Accuracy, s.Completeness, s.Clarity, s.Coherence, s.Overall()}
}

// judgeDimensions are the dimensions correlations are reported for.
var judgeDimensions = []string{"accuracy", "completeness", "clarity", "coherence", "overall"}

func (s judgedScores) get(dim string) float64 {
	switch dim {
	case "accuracy":
		return s.Accuracy
	case "completeness":
		return s.Completeness
	case "clarity":
		return s.Clarity
	case "coherence":
		return s.Coherence
	}
	return s.Overall
}

// judgedItem is one scored summary.
type judgedItem struct {
	ID     string       `json:"id"`
	Scores judgedScores `json:"scores"`
	Issues []string     `json:"issues"`
}

// judgeOutput is what eval judge prints as JSON.
type judgeOutput struct {
	Judge        string       `json:"judge"`
	JudgeVersion string       `json:"judge_version"`
	TargetWords  int          `json:"target_words"`
	Items        []judgedItem `json:"items"`
	// Correlations[dimension][human rating], when the items have ratings.
	Correlations map[string]map[string]*agreement `json:"correlations,omitempty"`
}

// agreement is how a dimension agrees with one human rating.
type agreement struct {
	N        int       `json:"n"`
	Pearson  corrValue `json:"pearson"`
	Spearman corrValue `json:"spearman"`
	Kendall  corrValue `json:"kendall"`
}

// corrValue is a correlation with its bootstrap 95% interval; null where
// it is undefined (a constant column, fewer than three items).
type corrValue struct {
	Value *float64 `json:"value"`
	Low   *float64 `json:"low"`
	High  *float64 `json:"high"`
}

func judgeOne(ctx context.Context, e *env, f *judgeFlags, judge *pipeline.Judge, target int) error {
	paper, err := ingest.Open(ctx, f.paper, e.stdin, ingest.Options{MaxBytes: f.maxBytes})
	if err != nil {
		return ingestHint(err)
	}
	summary, err := readSummary(f.summary)
	if err != nil {
		return err
	}
	v, err := judge.Grade(ctx, paper, summary, target)
	if err != nil {
		return err
	}
	out := judgeOutput{Judge: v.Critique.Scores.Judge, JudgeVersion: v.Critique.Scores.JudgeVersion, TargetWords: target,
		Items: []judgedItem{{ID: filepath.Base(f.summary), Scores: newJudgedScores(v.Critique.Scores), Issues: nonNil(v.Critique.Issues)}}}
	if f.format == "json" {
		return writeJSON(e.stdout, out)
	}
	s := out.Items[0].Scores
	var b bytes.Buffer
	fmt.Fprintf(&b, "judge %s (%s), target %d words\n", out.Judge, out.JudgeVersion, target)
	fmt.Fprintf(&b, "accuracy      %4.1f\ncompleteness  %4.1f\nclarity       %4.1f\ncoherence     %4.1f\noverall       %5.2f\n",
		s.Accuracy, s.Completeness, s.Clarity, s.Coherence, s.Overall)
	if len(out.Items[0].Issues) == 0 {
		b.WriteString("no issues\n")
	} else {
		b.WriteString("issues:\n")
		for _, is := range out.Items[0].Issues {
			b.WriteString("  - " + is + "\n")
		}
	}
	_, err = e.stdout.Write(b.Bytes())
	return err
}

// readSummary reads a summary file; an empty one is refused, since there
// is nothing to judge.
func readSummary(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", papersum.Errorf(papersum.EINVALID, "--summary %s: %v", path, unwrapPathError(err))
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", papersum.Errorf(papersum.EINVALID, "--summary %s: the file is empty", path)
	}
	return s, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// judgeLine is one line of a judge dataset.
type judgeLine struct {
	ID         string             `json:"id"`
	Source     *string            `json:"source"`
	SourceFile string             `json:"source_file"`
	Summary    *string            `json:"summary"`
	Human      map[string]float64 `json:"human"`
}

// readJudgeDataset reads and checks every line of a judge dataset.
func readJudgeDataset(file string) ([]judgeLine, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "--dataset %s: %v", file, unwrapPathError(err))
	}
	defer fh.Close()
	var out []judgeLine
	seen := map[string]int{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		fail := func(format string, args ...any) error {
			return papersum.Errorf(papersum.EINVALID, "%s line %d: %s", file, n, fmt.Sprintf(format, args...))
		}
		var l judgeLine
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fail("not a judge record: %v", err)
		}
		switch {
		case l.ID == "":
			return nil, fail(`no "id"`)
		case seen[l.ID] > 0:
			return nil, fail("id %q repeats line %d", l.ID, seen[l.ID])
		case l.Summary == nil || strings.TrimSpace(*l.Summary) == "":
			return nil, fail(`%s: no "summary" to judge`, l.ID)
		case l.Source != nil && l.SourceFile != "":
			return nil, fail(`%s: give "source" or "source_file", not both`, l.ID)
		case (l.Source == nil || strings.TrimSpace(*l.Source) == "") && l.SourceFile == "":
			return nil, fail(`%s: no "source" or "source_file"`, l.ID)
		}
		for k, v := range l.Human {
			if math.IsNaN(v) || math.IsInf(v, 0) || k == "" {
				return nil, fail("%s: human rating %q is not a number", l.ID, k)
			}
		}
		if l.SourceFile != "" && !filepath.IsAbs(l.SourceFile) {
			l.SourceFile = filepath.Join(filepath.Dir(file), l.SourceFile)
		}
		seen[l.ID] = n
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "--dataset %s: %v", file, err)
	}
	if len(out) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "--dataset %s: no records", file)
	}
	return out, nil
}

func judgeDataset(ctx context.Context, e *env, f *judgeFlags, judge *pipeline.Judge, target int) error {
	_, file, _ := strings.Cut(f.dataset, ":")
	lines, err := readJudgeDataset(file)
	if err != nil {
		return err
	}
	items := make([]judgedItem, len(lines))
	errs := make([]error, len(lines))
	var version, name string
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range f.concurrency {
		wg.Go(func() {
			for i := range work {
				l := lines[i]
				var paper *papersum.Paper
				var err error
				if l.SourceFile != "" {
					paper, err = ingest.Open(ctx, l.SourceFile, nil, ingest.Options{MaxBytes: f.maxBytes})
				} else {
					paper, err = ingest.Parse(ctx, l.ID+".txt", []byte(*l.Source), ingest.Options{MaxBytes: f.maxBytes})
				}
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", l.ID, ingestHint(err))
					continue
				}
				v, err := judge.Grade(ctx, paper, *l.Summary, target)
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", l.ID, err)
					continue
				}
				items[i] = judgedItem{ID: l.ID, Scores: newJudgedScores(v.Critique.Scores), Issues: nonNil(v.Critique.Issues)}
				mu.Lock()
				name, version = v.Critique.Scores.Judge, v.Critique.Scores.JudgeVersion
				mu.Unlock()
			}
		})
	}
	for i := range lines {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	out := judgeOutput{Judge: name, JudgeVersion: version, TargetWords: target, Items: items}
	out.Correlations, err = correlations(lines, items, f.resamples, f.seed)
	if err != nil {
		return err
	}
	if f.format == "json" {
		return writeJSON(e.stdout, out)
	}
	return writeJudgeText(e.stdout, out)
}

// correlations computes, for every dimension and human rating, the three
// correlations with percentile bootstrap intervals, each from its own
// seeded generator so that adding a rating does not change the others.
func correlations(lines []judgeLine, items []judgedItem, resamples int, seed uint64) (map[string]map[string]*agreement, error) {
	keys := map[string]bool{}
	for _, l := range lines {
		for k := range l.Human {
			keys[k] = true
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	out := map[string]map[string]*agreement{}
	opts := stats.BootstrapOptions{Resamples: resamples, Method: stats.Percentile}
	for _, dim := range judgeDimensions {
		out[dim] = map[string]*agreement{}
		for _, key := range slices.Sorted(mapKeys(keys)) {
			var x, y []float64
			for i, l := range lines {
				if h, ok := l.Human[key]; ok {
					x = append(x, items[i].Scores.get(dim))
					y = append(y, h)
				}
			}
			a := &agreement{N: len(x)}
			for _, c := range []struct {
				dst *corrValue
				f   func(x, y []float64) float64
			}{{&a.Pearson, pearsonR}, {&a.Spearman, spearmanR}, {&a.Kendall, stats.KendallTau}} {
				*c.dst = corrValue{Value: finite4(nanIfShort(c.f, x, y))}
				if len(x) < 3 || c.dst.Value == nil {
					continue
				}
				rng := rand.New(rand.NewPCG(seed, 0))
				ci, err := stats.PairedBootstrapCI(rng, x, y, c.f, opts)
				if err != nil {
					return nil, err
				}
				c.dst.Low, c.dst.High = finite4(ci.Low), finite4(ci.High)
			}
			out[dim][key] = a
		}
	}
	return out, nil
}

func nanIfShort(f func(x, y []float64) float64, x, y []float64) float64 {
	if len(x) < 3 {
		return math.NaN()
	}
	return f(x, y)
}

func pearsonR(x, y []float64) float64 {
	r, err := stats.Pearson(x, y, stats.TwoSided)
	if err != nil {
		return math.NaN()
	}
	return r.Statistic
}

func spearmanR(x, y []float64) float64 {
	r, err := stats.Spearman(x, y, stats.TwoSided)
	if err != nil {
		return math.NaN()
	}
	return r.Statistic
}

// finite4 returns v rounded to four decimals, or nil for NaN and ±Inf
// (JSON has no NaN).
func finite4(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := math.Round(v*1e4) / 1e4
	return &r
}

func writeJudgeText(w io.Writer, out judgeOutput) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "judge %s (%s), target %d words, %d items\n", out.Judge, out.JudgeVersion, out.TargetWords, len(out.Items))
	fmt.Fprintln(tw, "id\taccuracy\tcompleteness\tclarity\tcoherence\toverall\tissues")
	for _, it := range out.Items {
		s := it.Scores
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%d\n", it.ID, s.Accuracy, s.Completeness, s.Clarity, s.Coherence, s.Overall, len(it.Issues))
	}
	if len(out.Correlations) > 0 {
		fmt.Fprintln(tw, "\ndimension\thuman\tn\tpearson [95% CI]\tspearman [95% CI]\tkendall [95% CI]")
		for _, dim := range judgeDimensions {
			for _, key := range slices.Sorted(mapKeys(out.Correlations[dim])) {
				a := out.Correlations[dim][key]
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", dim, key, a.N, a.Pearson, a.Spearman, a.Kendall)
			}
		}
	}
	return tw.Flush()
}

// String prints a correlation and its interval, "-" where undefined.
func (c corrValue) String() string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.3f", *p)
	}
	return fmt.Sprintf("%s [%s, %s]", f(c.Value), f(c.Low), f(c.High))
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
