package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/dirrun"
	"github.com/papersum/papersum/eval"
	"github.com/papersum/papersum/eval/dataset"
	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/report"
)

// evalFlags are the flags of eval run and eval ab.
type evalFlags struct {
	dataset     string
	limit       int
	repeat      int
	words       int
	concurrency int
	out         string
	format      string
	seed        uint64
	rougeData   string
	style       string
	// rouge are ROUGE's data files (loadRouge), nil when the dataset's
	// protocol needs none.
	rouge *rouge.Resources
}

func (f *evalFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.dataset, "dataset", "", "dataset as KIND:PATH (scisummnet:DIR, clscisumm:DIR, scitldr:FILE, jsonl:FILE)")
	c.Flags().IntVar(&f.limit, "limit", 0, "evaluate only the first N papers")
	c.Flags().IntVar(&f.repeat, "repeat", 1, "run each paper K times and average (for nondeterministic models)")
	c.Flags().IntVarP(&f.words, "words", "w", 0, "summary length in words (default: 20 for scitldr, a one-sentence TLDR; else target_words of the config)")
	c.Flags().IntVarP(&f.concurrency, "concurrency", "c", 4, "papers evaluated at once")
	c.Flags().StringVarP(&f.out, "out", "o", "", "directory for the report (report.md, report.html, result.json)")
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format")
	c.Flags().Uint64Var(&f.seed, "seed", 1, "seed of the bootstrap confidence intervals")
	c.Flags().StringVar(&f.rougeData, "rouge-data", "", rougeDataHelp)
	c.Flags().StringVar(&f.style, "style", "", "summary style: abstract, highlights or tldr (default: style of the config); highlights are summarized from the paper without its abstract and scored against every reference")
	limitFlags(c.Flags(), intIn("limit", 1, noMax, "all"), intIn("repeat", 1, 100, ""), wordsFlag(),
		intIn("concurrency", 1, 64, ""), formatFlag("text", "json"), styleFlag())
}

// loadRouge loads ROUGE's data files when the dataset's protocol scores
// with -m or -s (every kind but jsonl), before anything is run.
func (f *evalFlags) loadRouge(getenv func(string) string) error {
	kind, _, _ := strings.Cut(f.dataset, ":")
	var err error
	f.rouge, err = loadRougeData(f.rougeData, getenv, f.dataset, kind != "jsonl", "the "+kind+" protocol (ROUGE with -m or -s)")
	return err
}

func (f *evalFlags) check() error {
	if f.dataset == "" {
		return &usageError{msg: "--dataset is required (e.g. --dataset scisummnet:../shared/data/scisummnet)"}
	}
	return nil
}

func newEvalRunCmd(e *env, g *globalFlags) *cobra.Command {
	f := &evalFlags{}
	c := &cobra.Command{
		Use:   "run --dataset KIND:PATH [--config FILE]",
		Short: "Summarize a dataset and score it: ROUGE, rubric (judge), cost, latency",
		Long: `Run summarizes every paper of a dataset with the configuration (--config, or
the defaults) and scores each summary:

  - ROUGE against the dataset's references, by its protocol: CL-SciSumm
    with the official Task 2 flags against abstract (abstract removed from
    the input), human and community summaries; ScisummNet against the human
    summary and the abstract; SciTLDR with the max-over-targets protocol,
    with and without stemming; generic JSONL with ROUGE-1/2/L/SU4 without
    stemming;
  - the rubric (accuracy, completeness, clarity, coherence, overall) from
    the judge (the local engine's measured critique unless judge: says
    otherwise);
  - cost and latency per paper.

It prints the means with 95% bootstrap confidence intervals and the share
of summaries meeting the quality thresholds, stores the per-paper scores,
and with --out writes report.md, report.html (self-contained, with charts)
and result.json (the input of eval gate and eval ab).

Every protocol but generic JSONL stems (-m) or drops stopwords (-s), which
needs ROUGE-1.5.5's data files: --rouge-data DIR, PAPERSUM_ROUGE_DATA, or a
rouge-resources/ directory beside the dataset (as in ../shared/data).`,
		Example: `  papersum eval run --dataset scisummnet:../shared/data/scisummnet --limit 50
  papersum eval run --dataset clscisumm:../shared/data/cl-scisumm-2018 --words 150 --out report/
  papersum eval run --dataset scitldr:../shared/data/scitldr/SciTLDR-A/dev.jsonl --format json > tldr.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if err := f.loadRouge(e.getenv); err != nil {
				return err
			}
			cfg, err := loadConfig(g, e.getenv)
			if err != nil {
				return err
			}
			ds, err := dataset.Load(c.Context(), f.dataset, dataset.Options{Limit: f.limit})
			if err != nil {
				return err
			}
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			res, err := evaluate(c.Context(), e, g, f, cfg, configName(g, e.getenv), ds, store)
			if err != nil {
				return err
			}
			return writeEvalOutputs(e, f, res)
		},
	}
	f.register(c)
	return c
}

func configName(g *globalFlags, getenv func(string) string) string {
	if g.config != "" {
		return g.config
	}
	if p := getenv("PAPERSUM_CONFIG"); p != "" {
		return p
	}
	return "default"
}

// evaluate runs the pipeline over the dataset and scores every summary.
func evaluate(ctx context.Context, e *env, g *globalFlags, f *evalFlags, cfg *config.Config, name string,
	ds *dataset.Dataset, store papersum.Store) (*eval.Result, error) {
	logger := newLogger(e, g)
	if f.style != "" {
		cfg.Style = papersum.Style(f.style)
	}
	target := cfg.TargetWords
	if ds.Kind == "scitldr" {
		target = 20 // the protocol asks for a one-sentence TLDR
	} else if f.style == string(papersum.StyleTLDR) {
		target = config.TLDRTargetWords
	}
	if f.words > 0 {
		target = f.words
	}
	cfg.TargetWords = target
	if cfg.Style == papersum.StyleHighlights {
		ds = highlightsInputs(ds)
	}
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		return nil, err
	}
	runner, err := deps.runner(store, logger, cfg)
	if err != nil {
		return nil, err
	}
	judge, err := newJudge(cfg, e, deps)
	if err != nil {
		return nil, err
	}
	res := &eval.Result{Schema: eval.SchemaResult, ID: "eval_" + strings.TrimPrefix(pipeline.NewRunID(), "run_"),
		Dataset: ds.Spec, DatasetHash: ds.Hash, Config: name, ConfigHash: cfg.Hash(), Repeat: f.repeat,
		CreatedAt: time.Now().UTC(), Thresholds: eval.Thresholds{Accuracy: cfg.Thresholds.Accuracy, Overall: cfg.Thresholds.Overall},
		Items: make([]eval.Item, len(ds.Items))}
	bar := newProgress(e.stderr, papersum.SystemClock{}, len(ds.Items))
	tickCtx, stopTicks := context.WithCancel(ctx)
	defer stopTicks()
	go bar.run(tickCtx, time.Second)
	var mu sync.Mutex
	prog := dirrun.Progress{Total: len(ds.Items)}
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < f.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				it, cost := evaluateItem(ctx, runner, judge, ds, ds.Items[i], target, f.repeat, f.rouge)
				mu.Lock()
				res.Items[i] = it
				if it.Error != "" {
					prog.Failed++
					bar.printf("%s: %s\n", it.ID, it.Error)
				} else {
					prog.Done++
				}
				prog.CostUSD += cost
				prog.Elapsed = time.Since(start)
				prog.Rate = float64(prog.Done+prog.Failed) / prog.Elapsed.Seconds()
				prog.ETA = time.Duration(float64(prog.Total-prog.Done-prog.Failed) / prog.Rate * float64(time.Second))
				bar.update(prog)
				mu.Unlock()
			}
		}()
	}
	for i := range ds.Items {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	stopTicks()
	bar.finish(prog, "")
	if err := ctx.Err(); err != nil {
		return nil, err // an interrupted evaluation is not stored as complete
	}
	rng := rand.New(rand.NewPCG(f.seed, 0x5eed))
	res.Aggregate = eval.Aggregate(res.Items, rng)
	if res.Corpus, err = corpusROUGE(ds, res.Items, store, f.rouge); err != nil {
		return nil, err
	}
	res.PassRate = eval.PassRate(res.Items, res.Thresholds)
	if es, ok := store.(papersum.EvalStore); ok {
		body, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		rec := &papersum.EvalRecord{ID: res.ID, Dataset: res.Dataset, DatasetHash: res.DatasetHash,
			ConfigHash: res.ConfigHash, CreatedAt: res.CreatedAt, Result: body}
		for _, it := range res.Items {
			rec.Items = append(rec.Items, papersum.EvalItem{ItemID: it.ID, Metrics: finite(it.Metrics), RunIDs: it.RunIDs, Error: it.Error})
		}
		if err := es.PutEval(ctx, rec); err != nil {
			return nil, fmt.Errorf("store evaluation: %w", err)
		}
	}
	return res, nil
}

// highlightsInputs returns ds with each paper's input without its abstract
// (dataset.InputNoAbstract) as its only input, scored against every
// reference type of the paper. Highlights are written from the body of a
// paper and must not copy its abstract; with the abstract in the input,
// their scores against human summaries (which draw on the abstract) would
// not say whether they did. Papers without such an input keep theirs.
func highlightsInputs(ds *dataset.Dataset) *dataset.Dataset {
	out := *ds
	out.Items = make([]dataset.Item, len(ds.Items))
	for i, it := range ds.Items {
		out.Items[i] = it
		var noAbs *dataset.Input
		var refs []string
		for j := range it.Inputs {
			if it.Inputs[j].Name == dataset.InputNoAbstract {
				noAbs = &it.Inputs[j]
			}
			refs = append(refs, it.Inputs[j].RefTypes...)
		}
		if noAbs == nil {
			continue
		}
		in := *noAbs
		in.RefTypes = refs
		out.Items[i].Inputs = []dataset.Input{in}
	}
	return &out
}

// corpusROUGE computes the corpus-level ROUGE of the summaries, as
// ROUGE-1.5.5 prints it for a whole set of evaluations (rouge.Aggregate),
// per reference type, for the datasets whose protocol reports it
// (CL-SciSumm). It re-reads each item's first run of each input.
func corpusROUGE(ds *dataset.Dataset, items []eval.Item, store papersum.Store, res *rouge.Resources) (map[string]float64, error) {
	if ds.Kind != "clscisumm" {
		return nil, nil
	}
	cfg, err := rouge.Preset("clscisumm")
	if err != nil {
		return nil, err
	}
	cfg.Resources = res
	perType := map[string][]rouge.Result{}
	for i, it := range items {
		if it.Error != "" {
			continue
		}
		for j, in := range ds.Items[i].Inputs {
			if j >= len(it.RunIDs) {
				break
			}
			run, err := store.GetRun(context.Background(), it.RunIDs[j])
			if err != nil {
				return nil, err
			}
			for _, rt := range in.RefTypes {
				r, err := rouge.Evaluate(sentences.Split(run.Summary), ds.Items[i].References[rt], cfg)
				if err != nil {
					return nil, err
				}
				perType[rt] = append(perType[rt], r)
			}
		}
	}
	out := map[string]float64{}
	for rt, rs := range perType {
		for metric, avg := range rouge.Aggregate(rs, cfg) {
			out[eval.MetricName(eval.ROUGEKey(metric), eval.PartF, rt)] = avg.F.Mean
		}
	}
	return out, nil
}

// finite drops NaN and infinite values, which JSON and the store cannot
// hold; a metric that could not be computed is absent.
func finite(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// evaluateItem summarizes each input of one paper repeat times and scores
// the summaries; it returns the item and what it cost.
func evaluateItem(ctx context.Context, runner *pipeline.Runner, judge *pipeline.Judge, ds *dataset.Dataset,
	item dataset.Item, target, repeat int, res *rouge.Resources) (eval.Item, float64) {
	out := eval.Item{ID: item.ID, Metrics: map[string]float64{}, RunIDs: []string{}}
	sums := map[string]float64{}
	var cost float64
	for r := 0; r < repeat; r++ {
		rep := map[string]float64{}
		for _, in := range item.Inputs {
			run, err := runner.Run(ctx, in.Paper, pipeline.Options{TargetWords: target})
			if run != nil {
				out.RunIDs = append(out.RunIDs, run.ID)
				cost += run.TotalCost()
				rep[eval.MetricCost] += run.TotalCost()
				var lat time.Duration
				for _, s := range run.Stages {
					lat += s.Latency
				}
				rep[eval.MetricLatency] += float64(lat) / 1e6
			}
			if err != nil {
				out.Error = fmt.Sprintf("%s (%s): %s", item.ID, in.Name, errorLine(err))
				return out, cost
			}
			cand := sentences.Split(run.Summary)
			scores, err := scoreInput(ds.Kind, cand, item, in, res)
			if err != nil {
				out.Error = fmt.Sprintf("%s (%s): %s", item.ID, in.Name, errorLine(err))
				return out, cost
			}
			for k, v := range scores {
				rep[k] = v
			}
			// The rubric is read on the whole-paper input: that is what a
			// user summarizes.
			if in.Name != "no_abstract" || len(item.Inputs) == 1 {
				v, err := judge.Grade(ctx, in.Paper, run.Summary, target)
				if err != nil {
					out.Error = fmt.Sprintf("%s (%s): judge: %s", item.ID, in.Name, errorLine(err))
					return out, cost
				}
				cost += v.CostUSD
				rep[eval.MetricCost] += v.CostUSD
				for k, val := range eval.RubricValues(v.Critique.Scores) {
					rep[k] = val
				}
			}
		}
		for k, v := range rep {
			sums[k] += v
		}
	}
	for k, v := range sums {
		out.Metrics[k] = v / float64(repeat)
	}
	return out, cost
}

// scoreInput scores one summary with the dataset's protocol. res are
// ROUGE's data files, which every protocol but generic JSONL needs.
func scoreInput(kind string, cand []string, item dataset.Item, in dataset.Input, res *rouge.Resources) (map[string]float64, error) {
	switch kind {
	case "scitldr":
		out := map[string]float64{}
		for _, stem := range []bool{false, true} {
			s, err := eval.ScoreSciTLDR(cand, item.References["tldr"], stem, res)
			if err != nil {
				return nil, err
			}
			for k, v := range s {
				if stem {
					k = eval.QualifyMetric("stem", k)
				}
				out[k] = v
			}
		}
		return out, nil
	case "clscisumm":
		return eval.ScoreROUGE(cand, item.References, in.RefTypes, []string{"clscisumm"}, res)
	case "jsonl":
		// Generic data is scored without -m, so that it needs no data
		// files (a quality gate runs on a bare clone).
		return eval.ScoreROUGE(cand, item.References, in.RefTypes, []string{"scitldr_su4"}, nil)
	default:
		return eval.ScoreROUGE(cand, item.References, in.RefTypes, []string{"scitldr_stem_su4"}, res)
	}
}

// newJudge builds the configured judge: the local engine by default.
func newJudge(cfg *config.Config, e *env, d *pipelineDeps) (*pipeline.Judge, error) {
	tmpl, err := pipeline.JudgeTemplate(cfg.Prompts)
	if err != nil {
		return nil, err
	}
	ref := cfg.Judge
	if ref.Provider == config.ProviderLocal {
		return pipeline.NewJudge(ref.Provider, ref.Model, local.New(local.Config{}), d.pricer, tmpl), nil
	}
	if !d.pricer.Known(ref.Provider, ref.Model, time.Now()) {
		return nil, papersum.Errorf(papersum.EINVALID, "judge: no price for %s model %q", ref.Provider, ref.Model)
	}
	pc, _ := cfg.Provider(ref.Provider)
	adapter, err := newAdapter(ref.Provider, pc, d.pricer, e.getenv)
	if err != nil {
		return nil, err
	}
	return pipeline.NewJudge(ref.Provider, ref.Model, d.breakers.Wrap(ref.Provider, ref.Model, adapter), d.pricer, tmpl), nil
}

// writeEvalOutputs prints the result and writes the report files.
func writeEvalOutputs(e *env, f *evalFlags, res *eval.Result) error {
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return papersum.Errorf(papersum.EINVALID, "--out %s: %v", f.out, err)
		}
		var md, html bytes.Buffer
		if err := report.WriteEvalMarkdown(&md, *res); err != nil {
			return err
		}
		if err := report.WriteEvalHTML(&html, *res); err != nil {
			return err
		}
		js, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		for name, data := range map[string][]byte{"report.md": md.Bytes(), "report.html": html.Bytes(), "result.json": append(js, '\n')} {
			if err := dirrun.WriteFile(filepath.Join(f.out, name), data); err != nil {
				return err
			}
		}
	}
	if f.format == "json" {
		return writeJSON(e.stdout, res)
	}
	return writeEvalText(e, res)
}

func writeEvalText(e *env, res *eval.Result) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "evaluation %s: %s, %d papers, config %s\n\n", res.ID, res.Dataset, len(res.Items), res.Config)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tN\tMEAN\t95% CI")
	names := make([]string, 0, len(res.Aggregate))
	for k := range res.Aggregate {
		if strings.Contains(k, "_r/") || strings.Contains(k, "_p/") {
			continue // recall and precision are in the JSON and the report
		}
		names = append(names, k)
	}
	names = eval.SortMetrics(names)
	for _, k := range names {
		s := res.Aggregate[k]
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t[%.4f, %.4f]\n", k, s.N, s.Mean, s.CI[0], s.CI[1])
	}
	tw.Flush()
	if len(res.Corpus) > 0 {
		fmt.Fprintf(&b, "\ncorpus-level ROUGE (as ROUGE-1.5.5 prints it for the whole set):\n")
		keys := make([]string, 0, len(res.Corpus))
		for k := range res.Corpus {
			keys = append(keys, k)
		}
		for _, k := range eval.SortMetrics(keys) {
			fmt.Fprintf(&b, "  %-28s %.4f\n", k, res.Corpus[k])
		}
	}
	fmt.Fprintf(&b, "\npass rate (accuracy >= %.1f, overall >= %.1f): %d/%d = %.1f%% [%.1f%%, %.1f%%]\n",
		res.Thresholds.Accuracy, res.Thresholds.Overall, res.PassRate.K, res.PassRate.N, 100*res.PassRate.Value,
		100*res.PassRate.CI[0], 100*res.PassRate.CI[1])
	var failed []string
	for _, it := range res.Items {
		if it.Error != "" {
			failed = append(failed, it.Error)
		}
	}
	sort.Strings(failed)
	for _, f := range failed {
		fmt.Fprintf(&b, "failed: %s\n", f)
	}
	_, err := e.stdout.Write(b.Bytes())
	return err
}
