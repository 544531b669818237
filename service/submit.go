package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/pipeline"
)

// Submit reads the paper of req and queues its run, or answers it from the
// cache. See the package comment.
func (s *Service) Submit(ctx context.Context, req papersum.SubmitRequest) (papersum.SubmitResult, error) {
	ctx, span := s.tracer.Start(ctx, SpanSubmit)
	res, err := s.submit(ctx, req)
	if span.IsRecording() {
		span.SetAttributes(attribute.String("papersum.run.id", res.RunID), attribute.String("papersum.run.status", string(res.Status)),
			attribute.Bool("papersum.deduplicated", res.Deduplicated), attribute.String("papersum.team", req.Team))
	}
	endSpan(span, err)
	return res, err
}

func (s *Service) submit(ctx context.Context, req papersum.SubmitRequest) (papersum.SubmitResult, error) {
	runner, err := s.runner(req.Config)
	if err != nil {
		return papersum.SubmitResult{}, err
	}
	if err := s.checkCallback(req.CallbackURL); err != nil {
		return papersum.SubmitResult{}, err
	}
	in, err := s.read(ctx, req.Text, req.URL, req.File, req.FileName)
	if err != nil {
		return papersum.SubmitResult{}, err
	}
	if req.IdempotencyKey == "" {
		if run, ok := s.fromCache(ctx, runner, in, req); ok {
			return papersum.SubmitResult{RunID: run.ID, Status: run.Status}, nil
		}
	}
	paper, err := s.parse(ctx, in, req.Title)
	if err != nil {
		return papersum.SubmitResult{}, err
	}
	run := s.newRun(runner, paper, req.Config, req.Team, req.User, req.CallbackURL)
	run.KeyID = req.KeyID
	if req.Source != "" {
		run.Source = req.Source
	}
	sub := &papersum.Submission{Papers: []*papersum.Paper{paper}, Runs: []*papersum.Run{run},
		IdempotencyKey: req.IdempotencyKey, Team: req.Team,
		RequestHash: requestHash(in.hash, req.URL, req.Title, req.Config, req.CallbackURL)}
	existing, err := s.commit(ctx, sub)
	if err != nil {
		return papersum.SubmitResult{}, err
	}
	s.remember(ctx, runner, in, paper)
	if existing != "" {
		prev, err := s.cfg.Store.GetRun(ctx, existing)
		if err != nil {
			return papersum.SubmitResult{}, err
		}
		return papersum.SubmitResult{RunID: prev.ID, Status: prev.Status, Deduplicated: true}, nil
	}
	return papersum.SubmitResult{RunID: run.ID, Status: run.Status}, nil
}

// runner returns the pipeline configuration called name.
func (s *Service) runner(name string) (*pipeline.Runner, error) {
	r := s.cfg.Runners[name]
	if r == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "unknown config %q", papersum.Excerpt(name))
	}
	return r, nil
}

// checkCallback refuses a callback URL that could never be delivered
// (papersum.ValidateCallbackURL, the rule of every entry point). The
// address it resolves to is checked at delivery, by the sender's dialer,
// since DNS can change in between.
func (s *Service) checkCallback(raw string) error {
	if raw == "" {
		return nil
	}
	if s.cfg.Deliverer == nil {
		return papersum.Errorf(papersum.EINVALID, "callbacks are not enabled on this server")
	}
	return papersum.ValidateCallbackURL(raw)
}

// input is a submitted paper before it is read: its bytes, the name that
// tells ingest its format, the hash of the bytes, and the URL it was
// fetched from, if it was.
type input struct {
	data []byte
	name string
	hash string
	url  string
}

// read returns the bytes of a submission: the text, the uploaded file, or
// what the URL serves.
func (s *Service) read(ctx context.Context, text, rawURL string, file []byte, fileName string) (*input, error) {
	var in input
	switch {
	case text != "":
		in = input{data: []byte(text), name: "submitted text"}
	case len(file) > 0:
		// The name's extension tells ingest the format, as on the CLI;
		// a file without one is sniffed (a PDF by its header).
		in = input{data: file, name: orDefault(fileName, "upload")}
	case rawURL != "":
		if s.cfg.Fetcher == nil {
			return nil, papersum.Errorf(papersum.EINVALID, "fetching papers by URL is not enabled on this server")
		}
		doc, err := s.cfg.Fetcher.Fetch(ctx, rawURL)
		if err != nil {
			return nil, err
		}
		in = input{data: doc.Body, name: nameFor(doc.FinalURL, doc.ContentType), url: rawURL}
	default:
		return nil, papersum.Errorf(papersum.EINVALID, "no paper: give text, url or a PDF")
	}
	sum := sha256.Sum256(in.data)
	in.hash = "sha256:" + hex.EncodeToString(sum[:])
	return &in, nil
}

// nameFor names a fetched document so that ingest picks its format: the
// URL's last path element when it has an extension, else one from the
// content type. arXiv serves PDFs from /pdf/ID without an extension.
func nameFor(finalURL, contentType string) string {
	base := "fetched"
	if u, err := url.Parse(finalURL); err == nil {
		if b := path.Base(u.Path); b != "." && b != "/" {
			base = b
		}
	}
	if path.Ext(base) != "" {
		return base
	}
	switch {
	case strings.Contains(contentType, "pdf"):
		return base + ".pdf"
	case strings.Contains(contentType, "html"), strings.Contains(contentType, "xml"):
		return base + ".xml"
	}
	return base + ".txt"
}

// parse reads in into a paper, which its submission stores. A fetched
// document that cannot be read as a paper is a fetch failure (not_a_paper):
// the URL answered, but not with a paper.
func (s *Service) parse(ctx context.Context, in *input, title string) (*papersum.Paper, error) {
	ctx, span := s.tracer.Start(ctx, SpanIngest)
	paper, err := ingest.Parse(ctx, in.name, in.data, s.cfg.Ingest)
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("papersum.input.bytes", len(in.data)))
		if paper != nil {
			span.SetAttributes(attribute.String("papersum.paper.id", paper.ID), attribute.Int("papersum.paper.sections", len(paper.Sections)))
		}
	}
	endSpan(span, err)
	if err != nil && in.url != "" && papersum.ErrorCode(err) == papersum.EINVALID {
		return nil, &papersum.Error{Code: papersum.EINVALID,
			Message: fmt.Sprintf("the document at %s is not a paper papersum can read: %s", papersum.Excerpt(in.url), papersum.ErrorMessage(err)),
			Err:     &papersum.FetchError{Reason: papersum.FetchNotAPaper, Err: err}}
	}
	if err != nil {
		return nil, err
	}
	if title = strings.TrimSpace(title); title != "" {
		paper.Title = title
	}
	return paper, nil
}

// remember notes, once paper is stored, that in's bytes are that paper,
// so that the next identical submission is a cache lookup.
func (s *Service) remember(ctx context.Context, runner *pipeline.Runner, in *input, paper *papersum.Paper) {
	if s.cfg.Cache != nil {
		_ = s.cfg.Cache.Set(ctx, s.aliasKey(runner, in), []byte(paper.ID), s.cfg.CacheTTL)
	}
}

// newRun returns a queued run of paper, not yet stored.
func (s *Service) newRun(runner *pipeline.Runner, paper *papersum.Paper, config, team, user, callback string) *papersum.Run {
	run := runner.NewRun(paper, pipeline.Options{TargetWords: s.cfg.TargetWords, Team: team, User: user})
	run.Status = papersum.RunQueued
	run.Config = config
	run.CallbackURL = callback
	return run
}

// requestHash identifies a request's content for its idempotency key.
func requestHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cached is what the result cache holds for a finished run.
type cached struct {
	PaperID string           `json:"paper_id"`
	Title   string           `json:"title"`
	Source  string           `json:"source"`
	Summary string           `json:"summary"`
	Scores  *papersum.Scores `json:"scores,omitempty"`
	// RevisedScores are the revised summary's scores, so that a cache
	// hit reports (and the quality metric counts) both, like the run.
	RevisedScores *papersum.Scores `json:"revised_scores,omitempty"`
	RunID         string           `json:"run_id"`
}

// resultKey is the cache key of a paper's result under runner's
// configuration.
func (s *Service) resultKey(runner *pipeline.Runner, paperID string) papersum.CacheKey {
	return papersum.CacheKey{PaperHash: paperID, ConfigHash: fmt.Sprintf("%s;words=%d", runner.ConfigHash(), s.cfg.TargetWords),
		PromptVersions: runner.PromptVersions()}
}

// aliasKey maps the hash of submitted bytes to the paper they were read
// into. It shares the result key's configuration fields, so that it is
// dropped together with the results when the configuration changes. The
// same bytes uploaded as Markdown and as plain text are read into
// different papers, so a text file's extension is part of the key; a
// PDF is known by its bytes, whatever its name.
func (s *Service) aliasKey(runner *pipeline.Runner, in *input) papersum.CacheKey {
	id := "input:" + in.hash
	if ext := strings.ToLower(path.Ext(in.name)); ext != "" && ext != ".pdf" {
		id += ";ext=" + ext
	}
	return s.resultKey(runner, id)
}

// fromCache answers req from the cache when its bytes were read before and
// the paper's result is cached. The hit is recorded by
// JobStore.RecordCacheHits: the first hit of its key (team, paper,
// configuration, title, callback URL) is a new run, succeeded and cached,
// with no stages and no cost; a later hit is answered with that run, whose
// hit count grows, so that hits do not grow the store.
func (s *Service) fromCache(ctx context.Context, runner *pipeline.Runner, in *input, req papersum.SubmitRequest) (*papersum.Run, bool) {
	if s.cfg.Cache == nil {
		return nil, false
	}
	hit := func(ctx context.Context) (*papersum.Run, bool) {
		paperID, ok, err := s.cfg.Cache.Get(ctx, s.aliasKey(runner, in))
		if err != nil || !ok {
			return nil, false
		}
		data, ok, err := s.cfg.Cache.Get(ctx, s.resultKey(runner, string(paperID)))
		if err != nil || !ok {
			return nil, false
		}
		var c cached
		if json.Unmarshal(data, &c) != nil || c.PaperID != string(paperID) || c.Summary == "" {
			return nil, false
		}
		title := c.Title
		if t := strings.TrimSpace(req.Title); t != "" {
			title = t
		}
		now := s.cfg.Clock.Now().UTC()
		run := &papersum.Run{
			ID: pipeline.NewRunID(), PaperID: c.PaperID, Title: title, Source: c.Source,
			Status: papersum.RunSucceeded, ConfigHash: runner.ConfigHash(), TargetWords: s.cfg.TargetWords,
			Summary: c.Summary, Scores: c.Scores, RevisedScores: c.RevisedScores, Team: req.Team, User: req.User, Config: req.Config,
			Cached: true, CallbackURL: req.CallbackURL, KeyID: req.KeyID, CreatedAt: now, FinishedAt: &now,
		}
		if _, err := s.hits.Do(ctx, run); err != nil {
			// The paper row is gone or the store refused: run it anew.
			s.log.Warn("cache hit could not be recorded; running the paper", "err", err)
			return nil, false
		}
		// run is now the stored run: this hit's, or the one that answered
		// the key's first hit.
		return run, true
	}
	lctx, span := s.tracer.Start(ctx, SpanCacheLookup)
	run, ok := hit(lctx)
	span.SetAttributes(attribute.Bool("papersum.cache.hit", ok))
	span.End()
	if s.cfg.Metrics != nil {
		if ok {
			s.cfg.Metrics.CacheHit()
		} else {
			s.cfg.Metrics.CacheMiss()
		}
	}
	if ok {
		// A cached run has finished: its webhook, event and metrics are
		// due like any other run's.
		if err := s.finished(ctx, run, true); err != nil {
			s.log.Warn("cached run's completion effects failed", "run", run.ID, "err", err)
		}
	}
	return run, ok
}

// storeResult caches a succeeded run's result.
func (s *Service) storeResult(ctx context.Context, run *papersum.Run) {
	if s.cfg.Cache == nil || run.Status != papersum.RunSucceeded || run.Cached {
		return
	}
	runner := s.cfg.Runners[run.Config]
	if runner == nil || runner.ConfigHash() != run.ConfigHash {
		return // the configuration changed since the run was queued
	}
	data, err := json.Marshal(cached{PaperID: run.PaperID, Title: run.Title, Source: run.Source,
		Summary: run.Summary, Scores: run.Scores, RevisedScores: run.RevisedScores, RunID: run.ID})
	if err != nil {
		return
	}
	_ = s.cfg.Cache.Set(ctx, s.resultKey(runner, run.PaperID), data, s.cfg.CacheTTL)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// SubmitPaper stores an already read paper and queues its run with the
// default configuration, charged to team and user. It is how the CLI's
// batch command puts its papers on the queue. A queued or running run of
// the same paper and configuration (left by an interrupted batch) is
// returned instead of queueing another, so a rerun resumes it.
func (s *Service) SubmitPaper(ctx context.Context, paper *papersum.Paper, team, user string) (*papersum.Run, error) {
	runner := s.cfg.Runners[""]
	for _, st := range []papersum.RunStatus{papersum.RunRunning, papersum.RunQueued} {
		runs, err := s.cfg.Store.ListRuns(ctx, papersum.RunFilter{PaperID: paper.ID, Status: st, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.ConfigHash == runner.ConfigHash() && r.TargetWords == s.cfg.TargetWords && r.Config == "" {
				return r, nil
			}
		}
	}
	run := s.newRun(runner, paper, "", team, user, "")
	if _, err := s.commit(ctx, &papersum.Submission{Papers: []*papersum.Paper{paper}, Runs: []*papersum.Run{run}}); err != nil {
		return nil, err
	}
	return run, nil
}

// commit writes sub in the next group commit, in a span, with the trace
// context its runs' jobs carry.
func (s *Service) commit(ctx context.Context, sub *papersum.Submission) (string, error) {
	ctx, span := s.tracer.Start(ctx, SpanCommit)
	sub.TraceContext = traceContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("papersum.runs", len(sub.Runs)))
	}
	existing, err := s.submits.Do(ctx, sub)
	endSpan(span, err)
	return existing, err
}
