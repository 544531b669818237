package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/dirrun"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/report"
	"github.com/papersum/papersum/service"
)

type batchFlags struct {
	concurrency int
	out         string
	format      string
	words       int
	prompts     string
	maxBytes    int64
	pdftotext   string
	batchAPI    bool
	batchPoll   time.Duration
	force       bool
}

func newBatchCmd(e *env, g *globalFlags) *cobra.Command {
	f := &batchFlags{}
	c := &cobra.Command{
		Use:   "batch DIR|MANIFEST.jsonl",
		Short: "Summarize many papers, with progress, resuming where a previous run stopped",
		Long: `Batch summarizes every paper in DIR (.pdf, .txt, .md, .tex, .xml, searched
recursively) or listed in a JSONL manifest, one object per line:

  {"id": "paper-1", "path": "papers/one.pdf"}
  {"id": "paper-2", "text": "full text of the paper ..."}

Papers already summarized with the same configuration are skipped, so an
interrupted batch resumes when run again; --force summarizes them again. A
paper that fails does not stop the others. Progress (done/total, rate, ETA,
cost so far) goes to stderr: one live line on a terminal, and otherwise a
line per 25% of the papers or per 30 seconds, then a summary.

With --out, one output file per paper (in --format) and summary.csv are
written there; without it, the end of the batch says where the runs are
stored and how to read them.

With --batch-api, the requests of each stage go to the provider's batch
API at its batch discount: all summarize requests in one batch, then all
critique requests, then all revise requests. Batch IDs are recorded in the
store before polling, so a rerun after an interruption resumes polling
instead of submitting (and paying) again.

Exit codes: 0 every paper done, 1 some papers failed or bad input, 2 wrong
usage, 130 interrupted.`,
		Example: `  papersum batch papers/
  papersum batch --concurrency 8 --out results/ --format json papers.jsonl
  papersum batch --force papers/`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "batch takes one DIR or MANIFEST.jsonl")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runBatch(c.Context(), e, g, f, args[0])
		},
	}
	c.Flags().IntVarP(&f.concurrency, "concurrency", "c", 4, "papers summarized at once")
	c.Flags().StringVarP(&f.out, "out", "o", "", "directory for one output file per paper and summary.csv")
	c.Flags().StringVarP(&f.format, "format", "f", "json", "format of the per-paper files")
	c.Flags().IntVarP(&f.words, "words", "w", 0, "target summary length in words (default: target_words of the config, 150)")
	c.Flags().StringVar(&f.prompts, "prompts", "", "directory of prompt templates overriding the built-in ones")
	c.Flags().Int64Var(&f.maxBytes, "max-bytes", ingest.DefaultMaxBytes, "refuse input files larger than this many bytes")
	c.Flags().StringVar(&f.pdftotext, "pdftotext", "", `path to poppler's pdftotext ("off" uses the pure-Go reader)`)
	c.Flags().DurationVar(&f.batchPoll, "batch-poll", 2*time.Second, "with --batch-api: first wait between status checks of a batch (grows to 60s)")
	c.Flags().BoolVar(&f.batchAPI, "batch-api", false, "send each stage's requests as one provider batch (Anthropic Message Batches, 50% off), stage after stage; a rerun resumes submitted batches")
	c.Flags().BoolVar(&f.force, "force", false, "summarize again the papers already summarized with this configuration (default: skip them)")
	limitFlags(c.Flags(), intIn("concurrency", 1, maxConcurrency, ""), formatFlag(report.FormatJSON, report.FormatMarkdown, report.FormatText),
		wordsFlag(), maxBytesFlag(), durationIn("batch-poll", time.Millisecond, time.Hour, ""))
	return c
}

func runBatch(ctx context.Context, e *env, g *globalFlags, f *batchFlags, src string) error {
	ext := map[string]string{report.FormatJSON: ".json", report.FormatMarkdown: ".md", report.FormatText: ".txt"}[f.format]
	cfg, err := loadConfig(g, e.getenv)
	if err != nil {
		return err
	}
	if f.words > 0 {
		cfg.TargetWords = f.words
	}
	if f.prompts != "" {
		cfg.Prompts = f.prompts
	}
	items, err := dirrun.Collect(src)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return papersum.Errorf(papersum.EINVALID, "--out %s: %v", f.out, err)
		}
	}
	logger := newLogger(e, g)
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		return err
	}
	defer deps.closeTracing(e)
	store, driver, err := openServiceStore(ctx, g, e.getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	runner, err := deps.runner(store, logger, cfg)
	if err != nil {
		return err
	}
	opts := ingest.Options{MaxBytes: f.maxBytes, PDFToText: f.pdftotext}
	if f.batchAPI {
		return runBatchAPI(ctx, e, g, f, cfg, deps, runner, store, items, opts, ext)
	}
	// The papers go through the same durable queue as the service's: a
	// run is stored queued with its job, workers of this process run it,
	// and an interrupted batch leaves queued runs that the rerun (or a
	// server on the same database) finishes.
	svc, stopQueue, err := startLocalQueue(ctx, store, driver, runner, cfg.TargetWords, f.concurrency, logger, deps.tracerProvider())
	if err != nil {
		return err
	}
	defer stopQueue()
	bar := newProgress(e.stderr, papersum.SystemClock{}, len(items))
	tickCtx, stopTicks := context.WithCancel(ctx)
	go bar.run(tickCtx, time.Second)
	sum, runErr := dirrun.Run(ctx, dirrun.Config{
		Ingest: func(ctx context.Context, it dirrun.Item) (*papersum.Paper, error) {
			if it.Text != "" {
				p, err := ingest.Parse(ctx, it.ID+".txt", []byte(it.Text), opts)
				return p, ingestHint(err)
			}
			p, err := ingest.Open(ctx, it.Path, nil, opts)
			return p, ingestHint(err)
		},
		Summarize: func(ctx context.Context, p *papersum.Paper) (*papersum.Run, error) {
			run, err := svc.SubmitPaper(ctx, p, "", "")
			if err != nil {
				return nil, err
			}
			if run, err = svc.Wait(ctx, run.ID); err != nil {
				return nil, err
			}
			if run.Status != papersum.RunSucceeded {
				return run, papersum.Errorf(papersum.EINVALID, "%s", orStatus(run))
			}
			return run, nil
		},
		Store: store, ConfigHash: cfg.Hash(), Concurrency: f.concurrency, Force: f.force,
		OnProgress: bar.update,
		OnResult: func(r dirrun.Result) {
			if r.Err != nil {
				bar.printf("%s: %s\n", r.Item.ID, errorLine(r.Err))
			}
			if f.out != "" && r.Run != nil {
				var buf bytes.Buffer
				if err := writeRun(&buf, r.Run, f.format); err == nil {
					if err := dirrun.WriteFile(filepath.Join(f.out, r.Item.ID+ext), buf.Bytes()); err != nil {
						bar.printf("%s: %v\n", r.Item.ID, err)
					}
				}
			}
		},
	}, items)
	stopTicks()
	if f.out != "" {
		if err := dirrun.WriteSummaryCSV(filepath.Join(f.out, "summary.csv"), sum.Results); err != nil {
			return papersum.Errorf(papersum.EINVALID, "write summary.csv: %v", err)
		}
	}
	bar.finish(sum.Progress, resultsNote(g, e.getenv, f.out, ext))
	if runErr != nil {
		return runErr
	}
	if sum.Failed > 0 {
		return papersum.Errorf(papersum.EINVALID, "%d of %d papers failed", sum.Failed, sum.Total)
	}
	return nil
}

// progress reports a batch on stderr. A terminal gets one live line,
// redrawn in place after every paper. Anything else (a log file, CI) gets
// plain lines, one when another progressStep of the papers is finished or
// progressEvery has passed since the last line, whichever comes first,
// so that a log of a long batch stays short and still shows it moving.
// Both end with a summary line.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	clock    papersum.Clock
	start    time.Time
	last     dirrun.Progress
	lastStep int       // progressStep buckets finished at the last line
	lastLine time.Time // when the last plain line was written
}

const (
	// progressStep is the share of papers between two plain lines.
	progressStep = 25 // percent
	// progressEvery is the longest time between two plain lines.
	progressEvery = 30 * time.Second
)

func newProgress(w io.Writer, clock papersum.Clock, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd())
	}
	now := clock.Now()
	return &progress{w: w, tty: tty, clock: clock, start: now, lastLine: now, last: dirrun.Progress{Total: total}}
}

// run writes the periodic plain lines while nothing finishes; it returns
// when ctx ends.
func (b *progress) run(ctx context.Context, tick time.Duration) {
	if b.tty {
		return
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.tick()
		}
	}
}

func finished(p dirrun.Progress) int { return p.Done + p.Failed + p.Skipped }

func (b *progress) line(p dirrun.Progress) string {
	pct := 100
	if p.Total > 0 {
		pct = finished(p) * 100 / p.Total
	}
	eta := "-"
	if p.ETA > 0 {
		eta = p.ETA.Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d papers (%d%%)  %d failed  %d skipped  %.2f papers/s  ETA %s  cost %s  %s elapsed",
		finished(p), p.Total, pct, p.Failed, p.Skipped, p.Rate, eta, report.Money(p.CostUSD),
		b.clock.Now().Sub(b.start).Round(time.Second))
}

// update takes the progress after a paper finished.
func (b *progress) update(p dirrun.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = p
	if b.tty {
		const width = 24
		filled := width
		if p.Total > 0 {
			filled = finished(p) * width / p.Total
		}
		fmt.Fprintf(b.w, "\r\033[K[%s%s] %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), b.line(p))
		return
	}
	if finished(p) >= p.Total {
		return // the summary line of finish says it
	}
	step := finished(p) * 100 / p.Total / progressStep
	if step > b.lastStep || b.clock.Now().Sub(b.lastLine) >= progressEvery {
		b.writeLine(step)
	}
}

// tick writes a plain line when progressEvery has passed without one.
func (b *progress) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.tty && b.clock.Now().Sub(b.lastLine) >= progressEvery {
		b.writeLine(b.lastStep)
	}
}

func (b *progress) writeLine(step int) {
	b.lastStep, b.lastLine = step, b.clock.Now()
	fmt.Fprintln(b.w, b.line(b.last))
}

// printf writes a message (a failed paper) above the live line.
func (b *progress) printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty {
		fmt.Fprint(b.w, "\r\033[K")
	}
	fmt.Fprintf(b.w, format, args...)
}

// finish writes the summary line and where the results are.
func (b *progress) finish(p dirrun.Progress, results string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = p
	if b.tty {
		fmt.Fprint(b.w, "\r\033[K")
	}
	fmt.Fprintf(b.w, "done: %s\n", b.line(p))
	if results != "" {
		fmt.Fprintln(b.w, results)
	}
}

// resultsNote says where a batch's results went: the --out directory, or
// the store with the commands that read it.
func resultsNote(g *globalFlags, getenv func(string) string, out, ext string) string {
	if out != "" {
		return fmt.Sprintf("results: one %s file per paper and summary.csv in %s; every run is also in the store (papersum runs list)", ext, out)
	}
	where := "the PostgreSQL database"
	dbFlag := ""
	if firstNonEmpty(g.databaseURL, getenv("PAPERSUM_DATABASE_URL")) == "" {
		path, err := dbPath(g, getenv)
		if err != nil {
			path = "?"
		}
		where = path
		if g.db != "" {
			dbFlag = " --db " + path
		}
	}
	return fmt.Sprintf("results: runs stored in %s; read them with 'papersum runs list%s' and 'papersum runs show%s RUN_ID', or rerun with --out DIR for files",
		where, dbFlag, dbFlag)
}

// runBatchAPI is `papersum batch --batch-api`: ingest every paper, then
// run the stages through the providers' batch APIs.
func runBatchAPI(ctx context.Context, e *env, g *globalFlags, f *batchFlags, cfg *config.Config, deps *pipelineDeps,
	runner *pipeline.Runner, store papersum.Store, items []dirrun.Item, opts ingest.Options, ext string) error {
	bstore, ok := store.(papersum.ProviderBatchStore)
	if !ok {
		return papersum.Errorf(papersum.EINVALID, "--batch-api needs a store that keeps batch jobs")
	}
	batchers := map[papersum.Stage]papersum.MessageBatcher{}
	for _, s := range papersum.Stages {
		if b := deps.batchers[cfg.Stages.Get(s).Provider]; b != nil {
			batchers[s] = b
		}
	}
	if len(batchers) == 0 {
		return papersum.Errorf(papersum.EINVALID, "--batch-api: no stage runs on a provider with a batch API (anthropic)")
	}
	results := make([]dirrun.Result, len(items))
	var papers []*papersum.Paper
	index := map[string][]int{} // paper ID -> items
	for i, it := range items {
		results[i].Item = it
		var p *papersum.Paper
		var err error
		if it.Text != "" {
			p, err = ingest.Parse(ctx, it.ID+".txt", []byte(it.Text), opts)
		} else {
			p, err = ingest.Open(ctx, it.Path, nil, opts)
		}
		if err != nil {
			results[i].Err = ingestHint(err)
			fmt.Fprintf(e.stderr, "%s: %s\n", it.ID, errorLine(results[i].Err))
			continue
		}
		if _, dup := index[p.ID]; !dup {
			papers = append(papers, p)
		}
		index[p.ID] = append(index[p.ID], i)
	}
	jobID := pipeline.JobID(papers, cfg.Hash())
	if f.force {
		var err error
		if jobID, err = forcedJobID(ctx, bstore, store, jobID); err != nil {
			return err
		}
	}
	start := time.Now()
	runs, err := runner.RunBatch(ctx, papers, pipeline.BatchOptions{
		JobID: jobID, Batchers: batchers, Store: bstore, TargetWords: cfg.TargetWords, PollInterval: f.batchPoll,
		OnBatch: func(stage papersum.Stage, id, event string, st papersum.MessageBatchStatus) {
			fmt.Fprintf(e.stderr, "%s batch %s %s: %d processing, %d succeeded, %d errored, %d expired (%s)\n",
				stage, id, event, st.Processing, st.Succeeded, st.Errored, st.Expired, time.Since(start).Round(time.Second))
		},
	})
	if err != nil {
		return err
	}
	var failed int
	var cost float64
	for _, run := range runs {
		cost += run.TotalCost()
		for _, i := range index[run.PaperID] {
			results[i].Run = run
			if run.Status == papersum.RunFailed {
				results[i].Err = papersum.Errorf(papersum.EUNAVAILABLE, "%s", run.Error)
			}
			if f.out != "" {
				var buf bytes.Buffer
				if err := writeRun(&buf, run, f.format); err == nil {
					if err := dirrun.WriteFile(filepath.Join(f.out, results[i].Item.ID+ext), buf.Bytes()); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	if f.out != "" {
		if err := dirrun.WriteSummaryCSV(filepath.Join(f.out, "summary.csv"), results); err != nil {
			return papersum.Errorf(papersum.EINVALID, "write summary.csv: %v", err)
		}
	}
	fmt.Fprintf(e.stderr, "done: %d papers, %d failed, cost %s, %s\n%s\n", len(items), failed, report.Money(cost),
		time.Since(start).Round(time.Millisecond), resultsNote(g, e.getenv, f.out, ext))
	if failed > 0 {
		return papersum.Errorf(papersum.EINVALID, "%d of %d papers failed", failed, len(items))
	}
	return nil
}

// forcedJobID is the job of `batch --batch-api --force`: a new generation
// of the job base (the papers and the configuration), so that papers done
// before are summarized again, except that the latest generation is
// reused while some of its runs are unfinished: an interrupted forced job
// resumes its submitted batches instead of paying for them twice.
func forcedJobID(ctx context.Context, bstore papersum.ProviderBatchStore, store papersum.Store, base string) (string, error) {
	for gen := 1; ; gen++ {
		id := fmt.Sprintf("%s_force%d", base, gen)
		known, err := bstore.JobRuns(ctx, id)
		if err != nil {
			return "", err
		}
		if len(known) == 0 {
			return id, nil
		}
		for _, runID := range known {
			run, err := store.GetRun(ctx, runID)
			if err != nil {
				return "", err
			}
			if !run.Status.Finished() {
				return id, nil
			}
		}
	}
}

// orStatus is why a finished run did not succeed.
func orStatus(run *papersum.Run) string {
	if run.Error != "" {
		return run.Error
	}
	return "run " + string(run.Status)
}

// startLocalQueue starts a job queue with workers in this process over
// the store's database, and the service that feeds it. stop drains it.
func startLocalQueue(ctx context.Context, store papersum.Store, driver queue.Driver, runner *pipeline.Runner,
	targetWords, workers int, logger *slog.Logger, tp trace.TracerProvider) (*service.Service, func(), error) {
	q, err := queue.New(ctx, queue.Config{Driver: driver, Logger: logger, Workers: workers, TracerProvider: tp})
	if err != nil {
		return nil, nil, err
	}
	if err := q.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	submissions, err := bindJobs(store, q)
	if err != nil {
		return nil, nil, err
	}
	svc, err := service.New(service.Config{Store: store.(service.Store), Submissions: submissions, Queue: q,
		Runners: map[string]*pipeline.Runner{"": runner}, TargetWords: targetWords, Logger: logger,
		CommitWriters: commitWriters(store), TracerProvider: tp})
	if err != nil {
		return nil, nil, err
	}
	if err := q.StartWith(ctx, queue.Handlers{Summarize: svc.Work}); err != nil {
		return nil, nil, err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := q.Stop(sctx); err != nil {
			logger.Warn("stop the queue", "err", err)
		}
		svc.Close()
	}
	return svc, stop, nil
}
