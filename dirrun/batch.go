package dirrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/atomicfile"
)

// Item is one paper to summarize: a file, or text given inline in a
// manifest.
type Item struct {
	// ID names the item in outputs; it defaults to the file name without
	// its extension.
	ID string `json:"id"`
	// Path is the paper's file; relative paths in a manifest are relative
	// to the manifest.
	Path string `json:"path,omitempty"`
	// Text is the paper itself, when there is no file.
	Text string `json:"text,omitempty"`
}

// supported are the file extensions a directory scan picks up.
var supported = map[string]bool{".pdf": true, ".txt": true, ".md": true, ".tex": true, ".xml": true}

// maxManifestLine bounds one manifest line; inline papers can be long.
const maxManifestLine = 64 << 20

// Collect returns the items of a directory (every supported file below it,
// in name order) or of a JSONL manifest (one {"id", "path"|"text"} object
// per line). A bad manifest line is an error naming the file and line.
func Collect(path string) ([]Item, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, papersum.Errorf(papersum.ENOTFOUND, "batch %s: no such file or directory", path)
		}
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s: %v", path, err)
	}
	if st.IsDir() {
		return collectDir(path)
	}
	return collectManifest(path)
}

func collectDir(dir string) ([]Item, error) {
	var items []Item
	ids := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !supported[strings.ToLower(filepath.Ext(p))] {
			return nil
		}
		id := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		if ids[id] {
			// Two files of one name in different folders: name the
			// second by its path, so outputs do not overwrite each other.
			id = strings.ReplaceAll(strings.TrimSuffix(filepath.ToSlash(mustRel(dir, p)), filepath.Ext(p)), "/", "_")
		}
		ids[id] = true
		items = append(items, Item{ID: id, Path: p})
		return nil
	})
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s: %v", dir, err)
	}
	if len(items) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s: no papers (.pdf, .txt, .md, .tex, .xml) in the directory", dir)
	}
	return items, nil
}

func mustRel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return r
}

func collectManifest(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxManifestLine)
	var items []Item
	seen := map[string]int{}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var it Item
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: %v", path, line, err)
		}
		if (it.Path == "") == (it.Text == "") {
			return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: give exactly one of \"path\" and \"text\"", path, line)
		}
		if it.Path != "" && !filepath.IsAbs(it.Path) {
			it.Path = filepath.Join(filepath.Dir(path), it.Path)
		}
		if it.ID == "" {
			if it.Path == "" {
				return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: an inline \"text\" needs an \"id\"", path, line)
			}
			it.ID = strings.TrimSuffix(filepath.Base(it.Path), filepath.Ext(it.Path))
		}
		if strings.ContainsAny(it.ID, `/\`) || it.ID == "." || it.ID == ".." {
			return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: id %q may not contain path separators", path, line, it.ID)
		}
		if prev, dup := seen[it.ID]; dup {
			return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: id %q repeats line %d", path, line, it.ID, prev)
		}
		seen[it.ID] = line
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s line %d: %v", path, line+1, err)
	}
	if len(items) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "batch %s: the manifest lists no papers", path)
	}
	return items, nil
}

// Progress is a snapshot of a batch in flight.
type Progress struct {
	Total, Done, Failed, Skipped int
	CostUSD                      float64
	Elapsed                      time.Duration
	// Rate is papers finished (done or failed) per second.
	Rate float64
	// ETA is the estimated time left; zero until a rate is known.
	ETA time.Duration
}

// Result is the outcome of one item.
type Result struct {
	Item    Item
	Run     *papersum.Run // nil when the paper could not be ingested
	Skipped bool          // already summarized with this configuration
	Err     error
}

// Config holds a batch's dependencies and settings.
type Config struct {
	// Ingest turns an item into a paper.
	Ingest func(ctx context.Context, it Item) (*papersum.Paper, error)
	// Summarize runs the pipeline on a paper.
	Summarize func(ctx context.Context, p *papersum.Paper) (*papersum.Run, error)
	// Store is asked which papers are already done.
	Store papersum.Store
	// ConfigHash identifies the configuration; a paper with a succeeded
	// run of the same hash is skipped, unless Force is set.
	ConfigHash string
	// Force summarizes every paper, even one already summarized with the
	// same configuration. Default false: such papers are skipped.
	Force bool
	// Concurrency is how many papers run at once. Default 4.
	Concurrency int
	// OnProgress, when set, is called after every item (serially).
	OnProgress func(Progress)
	// OnResult, when set, is called for every item (serially).
	OnResult func(Result)
	// Clock defaults to the system clock.
	Clock papersum.Clock
}

// errNotStarted marks the items an interrupted batch never reached.
var errNotStarted = papersum.Errorf(papersum.EUNAVAILABLE, "not started: the batch was interrupted")

// Summary is the outcome of a whole batch.
type Summary struct {
	Progress
	Results []Result
}

// Run processes items. It returns when every item is done or ctx ends; a
// failed paper does not stop the others. The error is ctx's error, if any.
func Run(ctx context.Context, cfg Config, items []Item) (*Summary, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	start := cfg.Clock.Now()
	sum := &Summary{Progress: Progress{Total: len(items)}, Results: make([]Result, len(items))}
	for i, it := range items {
		sum.Results[i] = Result{Item: it, Err: errNotStarted}
	}
	var mu sync.Mutex
	finish := func(i int, res Result) {
		mu.Lock()
		defer mu.Unlock()
		sum.Results[i] = res
		switch {
		case res.Skipped:
			sum.Skipped++
		case res.Err != nil:
			sum.Failed++
		default:
			sum.Done++
		}
		if res.Run != nil && !res.Skipped {
			sum.CostUSD += res.Run.TotalCost()
		}
		sum.Elapsed = cfg.Clock.Now().Sub(start)
		finished := sum.Done + sum.Failed
		if finished > 0 && sum.Elapsed > 0 {
			sum.Rate = float64(finished) / sum.Elapsed.Seconds()
			left := sum.Total - finished - sum.Skipped
			sum.ETA = time.Duration(float64(left) / sum.Rate * float64(time.Second))
		}
		if cfg.OnResult != nil {
			cfg.OnResult(res)
		}
		if cfg.OnProgress != nil {
			cfg.OnProgress(sum.Progress)
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				finish(i, process(ctx, cfg, items[i]))
			}
		}()
	}
feed:
	for i := range items {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return sum, ctx.Err()
}

func process(ctx context.Context, cfg Config, it Item) Result {
	if err := ctx.Err(); err != nil {
		return Result{Item: it, Err: err}
	}
	p, err := cfg.Ingest(ctx, it)
	if err != nil {
		return Result{Item: it, Err: err}
	}
	if run := doneBefore(ctx, cfg, p.ID); run != nil && !cfg.Force {
		return Result{Item: it, Run: run, Skipped: true}
	}
	run, err := cfg.Summarize(ctx, p)
	return Result{Item: it, Run: run, Err: err}
}

// doneBefore returns the latest succeeded run of the paper with the same
// configuration, if any.
func doneBefore(ctx context.Context, cfg Config, paperID string) *papersum.Run {
	if cfg.Store == nil {
		return nil
	}
	runs, err := cfg.Store.ListRuns(ctx, papersum.RunFilter{PaperID: paperID, Status: papersum.RunSucceeded, Limit: 100})
	if err != nil {
		return nil
	}
	for _, r := range runs {
		if r.ConfigHash == cfg.ConfigHash {
			return r
		}
	}
	return nil
}

// WriteSummaryCSV writes one line per item: its id, source, run, status,
// summary words, overall score, cost, time and error.
func WriteSummaryCSV(path string, results []Result) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "source", "run_id", "status", "summary_words", "overall", "cost_usd", "latency_ms", "error"})
	rows := append([]Result(nil), results...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Item.ID < rows[j].Item.ID })
	for _, r := range rows {
		status, runID, words, overall, cost, ms, msg := "failed", "", "", "", "", "", ""
		if r.Run != nil {
			runID = r.Run.ID
			status = string(r.Run.Status)
			words = strconv.Itoa(len(strings.Fields(r.Run.Summary)))
			if r.Run.Scores != nil {
				overall = strconv.FormatFloat(r.Run.Scores.Overall(), 'f', 2, 64)
			}
			cost = strconv.FormatFloat(r.Run.TotalCost(), 'f', 6, 64)
			var lat time.Duration
			for _, s := range r.Run.Stages {
				lat += s.Latency
			}
			ms = strconv.FormatFloat(float64(lat)/1e6, 'f', 1, 64)
		}
		if r.Skipped {
			status = "skipped"
		}
		if r.Err != nil {
			msg = papersum.ErrorMessage(r.Err)
		}
		src := r.Item.Path
		if src == "" {
			src = "(inline)"
		}
		_ = w.Write([]string{r.Item.ID, src, runID, status, words, overall, cost, ms, msg})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes())
}

// WriteFile writes one output file atomically (exported for the per-paper
// outputs the command writes).
func WriteFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
