package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// List limits, as in the SQLite store. RunFilter.Limit 0 means
// DefaultListLimit; larger than MaxListLimit is cut to MaxListLimit, so one
// request cannot load the whole table.
const (
	DefaultListLimit = storeutil.DefaultListLimit
	MaxListLimit     = storeutil.MaxListLimit
)

// PutPaper stores the paper under its ID. The ID is a content hash, so a
// paper already stored under that ID is the same paper and storing it again
// is a no-op that keeps the first row.
//
// Errors: EINVALID when p is nil or has no ID, or holds text Postgres
// cannot store (a NUL byte, invalid UTF-8).
func (s *DB) PutPaper(ctx context.Context, p *papersum.Paper) error {
	const op = "postgres.PutPaper"
	now, ok := storeutil.EncodeTime(s.clock.Now())
	if !ok {
		return storeutil.Invalid(op, "clock time out of range")
	}
	row, err := storeutil.NewPaperRow(op, p, now)
	if err != nil {
		return err
	}
	// One statement is a transaction of its own: an explicit one would
	// only add two round trips (BEGIN, COMMIT) to every submitted paper.
	if _, err := s.pool.Exec(ctx, insertPapersSQL, papersArgs([]paperRow{row})...); err != nil {
		return s.dbError(op, err)
	}
	return nil
}

// GetPaper returns the paper with this ID.
//
// Errors: ENOTFOUND when no paper has this ID.
func (s *DB) GetPaper(ctx context.Context, id string) (*papersum.Paper, error) {
	const op = "postgres.GetPaper"
	var p papersum.Paper
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		var sections []byte
		err := tx.QueryRow(ctx, `SELECT id, title, source, format, sections FROM papers WHERE id = $1`, id).
			Scan(&p.ID, &p.Title, &p.Source, &p.Format, &sections)
		if errors.Is(err, pgx.ErrNoRows) {
			return storeutil.NotFound(op, "paper %s not found", id)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(sections, &p.Sections); err != nil {
			return fmt.Errorf("paper %s: decode sections: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateRun stores a new run, with the stage results it already carries,
// if any. A run is created running (Status "" or running: the CLI) or
// queued (the service); a run answered from the result cache is created
// finished: succeeded, with Cached set, the cached summary and no stages,
// its FinishedAt set from the store's clock when nil. When run.CreatedAt is
// zero it is set from the store's clock. On success run.Status,
// run.CreatedAt and a cached run's FinishedAt are the stored values.
//
// Errors: EINVALID when run is nil, has no ID or paper ID, breaks the
// rules above (see papersum.Run.ValidateNew), has an unknown error class, a
// negative target length or scores that are not finite; ENOTFOUND when its
// paper is not stored; ECONFLICT when a run with this ID exists, also when
// another process creates it at the same moment.
func (s *DB) CreateRun(ctx context.Context, run *papersum.Run) error {
	return s.createRuns(ctx, "postgres.CreateRun", []*papersum.Run{run})
}

// CreateRuns is CreateRun for several runs, all or none: EINVALID also
// when runs is empty or holds one ID twice, and any error of one run
// stores none. It costs one round trip and one commit whatever the number
// of runs.
func (s *DB) CreateRuns(ctx context.Context, runs []*papersum.Run) error {
	const op = "postgres.CreateRuns"
	if len(runs) == 0 {
		return storeutil.Invalid(op, "no runs to create")
	}
	return s.createRuns(ctx, op, runs)
}

// RecordCacheHits records cache hits as papersum.JobStore documents: the
// first hit of a key is a new cached run, a later one counts on it. The
// hits of one key in the call are one INSERT ... ON CONFLICT (hit_key) DO
// UPDATE ... RETURNING, which inserts the first of them or adds them all
// to the key's run, so identical hits that arrive together cost one row
// version, not one each. The statements go in one batch sent without
// BEGIN, which is one implicit transaction and one round trip (see
// createRuns), in key order, so that two calls with keys in common lock
// them in the same order and the second waits for the first instead of
// the two deadlocking; the unique index on hit_key makes concurrent hits
// of one key agree on one row. The hits' structs are set from the
// returned rows once the batch has committed.
//
// Errors: EINVALID when hits is empty or a hit is not a run CreateRun
// takes as cached; ENOTFOUND when its paper is not stored; ECONFLICT when
// a new run's ID exists.
func (s *DB) RecordCacheHits(ctx context.Context, hits []*papersum.Run) error {
	const op = "postgres.RecordCacheHits"
	rows, err := storeutil.NewHitRows(op, hits, s.clock)
	if err != nil {
		return err
	}
	groups := storeutil.GroupHits(hits)
	b := &pgx.Batch{}
	for _, g := range groups {
		r := rows[g.Indexes[0]]
		last := r.Created
		for _, i := range g.Indexes {
			last = max(last, rows[i].Created)
		}
		b.Queue(upsertHitSQL, hitArgs(r, len(g.Indexes), last, g.Key)...)
	}
	stored := make([]*papersum.Run, len(groups))
	br := s.pool.SendBatch(ctx, b)
	for gi, g := range groups {
		var run *papersum.Run
		if run, err = scanRun(br.QueryRow()); err != nil {
			err = hitError(op, rows[g.Indexes[0]].Run, err)
			break
		}
		stored[gi] = run
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return s.dbError(op, err)
	}
	for gi, g := range groups {
		for _, i := range g.Indexes {
			*hits[i] = *storeutil.CopyRun(stored[gi])
		}
	}
	return nil
}

// upsertHitSQL records the n hits of one key (see RecordCacheHits): a new
// cached run that counts them, or n more hits on the run of the key,
// returned as stored.
var upsertHitSQL = `INSERT INTO runs (id, paper_id, title, source, status, error, error_class, config_hash,
		target_words, summary, scores, team, user_name, created_at, finished_at, config, cached, batch_id,
		callback_url, key_id, cache_hits, last_hit_at, hit_key, revised_scores)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24::jsonb)
	ON CONFLICT (hit_key) WHERE hit_key IS NOT NULL DO UPDATE SET
		cache_hits = runs.cache_hits + EXCLUDED.cache_hits,
		last_hit_at = GREATEST(runs.last_hit_at, EXCLUDED.last_hit_at)
	RETURNING ` + runColumns

// hitArgs are the arguments of upsertHitSQL for r, the first of n hits of
// key, the latest of which came at last.
func hitArgs(r runRow, n int, last int64, key string) []any {
	run := r.Run
	return []any{run.ID, run.PaperID, run.Title, run.Source, string(r.Status), run.Error, string(run.ErrorClass),
		run.ConfigHash, int64(run.TargetWords), run.Summary, r.Scores, run.Team, run.User, r.Created, r.FinishedNS,
		run.Config, run.Cached, r.BatchID, run.CallbackURL, run.KeyID, int32(n), last, key, r.Revised}
}

// hitError names the hit at fault: a run whose ID exists (ECONFLICT) or
// whose paper is not stored (ENOTFOUND). Other errors are returned
// unchanged, for dbError.
func hitError(op string, run *papersum.Run, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == uniqueViolation && pgErr.TableName == "runs":
		return storeutil.Conflict(op, "run %s already exists", run.ID)
	case pgErr.Code == foreignKeyViolation && pgErr.TableName == "runs":
		return storeutil.NotFound(op, "run %s: paper %s not found; store the paper first", run.ID, run.PaperID)
	}
	return err
}

// createRuns validates runs and stores them with their stages, one
// statement per table, in one batch without BEGIN: the statements of a
// batch sent outside a transaction form one implicit transaction, which
// commits when the last succeeds and rolls back at the first failure, so
// the runs take one round trip instead of three (BEGIN, the inserts,
// COMMIT).
func (s *DB) createRuns(ctx context.Context, op string, runs []*papersum.Run) error {
	w := writes{runs: make([]runRow, len(runs))}
	seen := make(map[string]bool, len(runs))
	for i, run := range runs {
		r, err := storeutil.NewRunRow(op, run, s.clock)
		if err != nil {
			return err
		}
		if seen[run.ID] {
			return storeutil.Invalid(op, "run %s appears twice in the call", run.ID)
		}
		seen[run.ID] = true
		w.runs[i] = r
	}
	b := &pgx.Batch{}
	w.queue(b)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return s.dbError(op, w.explain(op, err))
	}
	for _, r := range w.runs {
		r.WriteBack()
	}
	return nil
}

// runRow is a validated new run, encoded and ready to insert; stageRow
// is one of its stages (see storeutil.NewRunRow).
type (
	runRow   = storeutil.RunRow
	stageRow = storeutil.StageRow
)

// lockRun locks the row of run id until the transaction ends and returns
// its status. FOR NO KEY UPDATE is the weakest lock that makes AddStage
// and FinishRun on one run wait for each other (which the SQLite store
// gets from its single writer); unlike FOR UPDATE it lets other
// transactions insert rows that reference the run (batch_job_runs).
func lockRun(ctx context.Context, tx pgx.Tx, op, id string) (papersum.RunStatus, error) {
	var st string
	err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", storeutil.NotFound(op, "run %s not found", id)
	}
	return papersum.RunStatus(st), err
}

// AddStage appends a stage result to a running run; stages keep the order
// in which they were added, also when several processes add to one run at
// once: the run's row is locked while the next sequence number is chosen,
// so the numbers have no gaps and no duplicates. When res.StartedAt is zero
// it is set from the store's clock.
//
// Errors: EINVALID when res is nil, names an unknown stage, or has negative
// token counts, latency or cost, or a cost that is not a number; ENOTFOUND
// when the run does not exist; ECONFLICT when the run is not running
// (queued, which StartRun must move first, or finished).
func (s *DB) AddStage(ctx context.Context, runID string, res *papersum.StageResult) error {
	const op = "postgres.AddStage"
	r, err := storeutil.NewStageRow(op, runID, res, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s; only a running run takes stages", runID, st)
		}
		var seq int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM stage_results WHERE run_id = $1`, runID).Scan(&seq); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertStagesSQL, stagesArgs([]numberedStage{{seq: seq, stageRow: r}})...)
		return err
	})
	if err != nil {
		return err
	}
	res.StartedAt = storeutil.DecodeTime(r.StartedAt)
	return nil
}

// FinishRun ends a running run with run.Status (succeeded or failed) and
// its summary, scores, error and error class, atomically. When
// run.FinishedAt is nil it is set from the store's clock. Other fields of
// run (title, config, stages, ...) are not changed.
//
// Errors: EINVALID when run is nil or has no ID, when the status is not
// succeeded or failed, when a failed run has no error message, or for an
// unknown error class or non-finite scores; ENOTFOUND when the run does not
// exist; ECONFLICT when it is not running (queued, or already finished).
// A run is canceled with CancelRun.
func (s *DB) FinishRun(ctx context.Context, run *papersum.Run) error {
	const op = "postgres.FinishRun"
	f, err := storeutil.NewFinishRow(op, run, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, run.ID)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s, not running; only a running run finishes", run.ID, st)
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET status = $1, error = $2, error_class = $3, summary = $4, scores = $5,
				revised_scores = $6, finished_at = $7 WHERE id = $8 AND status = 'running'`,
			string(run.Status), run.Error, string(run.ErrorClass), run.Summary, f.Scores, f.Revised, f.Finished, run.ID)
		return err
	})
	if err != nil {
		return err
	}
	if run.FinishedAt == nil {
		t := storeutil.DecodeTime(f.Finished)
		run.FinishedAt = &t
	}
	return nil
}

// runColumns are the runs columns that scanRun reads, in order.
const runColumns = `id, paper_id, title, source, status, error, error_class, config_hash, target_words,
	summary, scores, team, user_name, created_at, finished_at, config, cached, batch_id, callback_url, key_id,
	cache_hits, last_hit_at, revised_scores, started_at, waits, waiting, repeated_calls`

func scanRun(row pgx.Row) (*papersum.Run, error) {
	var (
		r                          papersum.Run
		status, errorClass         string
		scores, revised, waiting   []byte
		created                    int64
		finished, lastHit, started *int64
	)
	if err := row.Scan(&r.ID, &r.PaperID, &r.Title, &r.Source, &status, &r.Error, &errorClass, &r.ConfigHash,
		&r.TargetWords, &r.Summary, &scores, &r.Team, &r.User, &created, &finished,
		&r.Config, &r.Cached, &r.BatchID, &r.CallbackURL, &r.KeyID, &r.CacheHits, &lastHit, &revised,
		&started, &r.Waits, &waiting, &r.RepeatedCalls); err != nil {
		return nil, err
	}
	if started != nil {
		t := storeutil.DecodeTime(*started)
		r.StartedAt = &t
	}
	if waiting != nil && papersum.RunStatus(status) == papersum.RunQueued {
		var err error
		if r.Waiting, err = storeutil.DecodeWait(waiting); err != nil {
			return nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
	}
	if lastHit != nil {
		t := storeutil.DecodeTime(*lastHit)
		r.LastHitAt = &t
	}
	r.Status = papersum.RunStatus(status)
	r.ErrorClass = papersum.Class(errorClass)
	r.CreatedAt = storeutil.DecodeTime(created)
	if finished != nil {
		t := storeutil.DecodeTime(*finished)
		r.FinishedAt = &t
	}
	if scores != nil {
		r.Scores = new(papersum.Scores)
		if err := json.Unmarshal(scores, r.Scores); err != nil {
			return nil, fmt.Errorf("run %s: decode scores: %w", r.ID, err)
		}
	}
	if revised != nil {
		r.RevisedScores = new(papersum.Scores)
		if err := json.Unmarshal(revised, r.RevisedScores); err != nil {
			return nil, fmt.Errorf("run %s: decode revised scores: %w", r.ID, err)
		}
	}
	r.Stages = []papersum.StageResult{}
	return &r, nil
}

// stageColumns are the stage_results columns that scanStage reads, in
// order; %s is the raw column, or ” when raw output is left out.
const stageColumns = `run_id, stage, provider, model, prompt_version, %s, output, critique, input_tokens,
	output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens, usage_estimated,
	cost_usd, latency_ns, stop_reason, fallback_reason, started_at`

func scanStage(row pgx.Row) (string, papersum.StageResult, error) {
	var (
		runID, stage, stop string
		res                papersum.StageResult
		critique           []byte
		latency, started   int64
		u                  = &res.Usage
	)
	if err := row.Scan(&runID, &stage, &res.Provider, &res.Model, &res.PromptVersion, &res.Raw, &res.Output, &critique,
		&u.InputTokens, &u.OutputTokens, &u.CacheCreation5mTokens, &u.CacheCreation1hTokens, &u.CacheReadTokens,
		&u.Estimated, &res.CostUSD, &latency, &stop, &res.FallbackReason, &started); err != nil {
		return "", res, err
	}
	res.Stage = papersum.Stage(stage)
	res.StopReason = papersum.StopReason(stop)
	res.Latency = time.Duration(latency)
	res.StartedAt = storeutil.DecodeTime(started)
	if critique != nil {
		res.Critique = new(papersum.Critique)
		if err := json.Unmarshal(critique, res.Critique); err != nil {
			return "", res, fmt.Errorf("run %s: decode critique: %w", runID, err)
		}
	}
	return runID, res, nil
}

// GetRun returns a run with its stages in the order they were added,
// including their raw output, read from one snapshot.
//
// Errors: ENOTFOUND when no run has this ID.
func (s *DB) GetRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "postgres.GetRun"
	var run *papersum.Run
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		var err error
		run, err = getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// getRun reads run id with its stages, raw output included, inside tx.
func getRun(ctx context.Context, tx pgx.Tx, op, id string) (*papersum.Run, error) {
	run, err := scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeutil.NotFound(op, "run %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	byID := map[string]*papersum.Run{id: run}
	if err := loadStages(ctx, tx, byID, true); err != nil {
		return nil, err
	}
	if err := loadAbandoned(ctx, tx, byID); err != nil {
		return nil, err
	}
	return run, nil
}

// loadStages appends the stages of the given runs to them, in seq order.
func loadStages(ctx context.Context, tx pgx.Tx, runs map[string]*papersum.Run, withRaw bool) error {
	if len(runs) == 0 {
		return nil
	}
	raw := "''"
	if withRaw {
		raw = "raw"
	}
	ids := make([]string, 0, len(runs))
	for id := range runs {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT `+fmt.Sprintf(stageColumns, raw)+` FROM stage_results
		WHERE run_id = ANY($1) ORDER BY run_id, seq`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		runID, res, err := scanStage(rows)
		if err != nil {
			return err
		}
		r := runs[runID]
		r.Stages = append(r.Stages, res)
	}
	return rows.Err()
}

// ListRuns returns runs newest first (by creation time, then ID descending
// bytewise), with their stages but without the stages' raw output, read
// from one snapshot. f.Before pages: it lists the runs that sort after
// that run, so a run created in the same nanosecond as the cursor is
// neither skipped nor repeated.
//
// The filters (status, paper, team, batch) combine with AND.
//
// Errors: EINVALID for an unknown status filter or a negative limit;
// ENOTFOUND when f.Before names no run.
func (s *DB) ListRuns(ctx context.Context, f papersum.RunFilter) ([]*papersum.Run, error) {
	const op = "postgres.ListRuns"
	limit, err := storeutil.CheckRunFilter(op, f)
	if err != nil {
		return nil, err
	}

	var out []*papersum.Run
	err = s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		var (
			where []string
			args  []any
		)
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		for _, c := range []struct{ column, value string }{
			{"status", string(f.Status)}, {"paper_id", f.PaperID}, {"team", f.Team}, {"batch_id", f.BatchID},
		} {
			if c.value != "" {
				where = append(where, c.column+" = "+arg(c.value))
			}
		}
		if f.Before != "" {
			var created int64
			err := tx.QueryRow(ctx, `SELECT created_at FROM runs WHERE id = $1`, f.Before).Scan(&created)
			if errors.Is(err, pgx.ErrNoRows) {
				return storeutil.NotFound(op, "cursor run %s not found", f.Before)
			}
			if err != nil {
				return err
			}
			// A row comparison, which the (created_at DESC, id DESC)
			// indexes serve as one range; id is COLLATE "C", so the order
			// is bytewise as in SQLite.
			where = append(where, "(created_at, id) < ("+arg(created)+", "+arg(f.Before)+")")
		}
		q := `SELECT ` + runColumns + ` FROM runs`
		if len(where) > 0 {
			q += ` WHERE ` + strings.Join(where, " AND ")
		}
		q += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(limit)

		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		byID := map[string]*papersum.Run{}
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, r)
			byID[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := loadStages(ctx, tx, byID, false); err != nil {
			return err
		}
		return loadAbandoned(ctx, tx, byID)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*papersum.Run{}
	}
	return out, nil
}

// AddAbandonedCalls adds a.Calls to the count of run runID's abandoned
// calls of a.Stage to a.Provider/a.Model, with the run's row locked: the
// first count of a (stage, provider, model) takes the next place in the
// run's order, later ones add to it.
//
// Errors: EINVALID for an unknown stage, an empty model or a count below
// 1; ENOTFOUND when the run does not exist; ECONFLICT when it is queued,
// succeeded or failed.
func (s *DB) AddAbandonedCalls(ctx context.Context, runID string, a papersum.AbandonedCalls) error {
	const op = "postgres.AddAbandonedCalls"
	if err := a.Validate(runID); err != nil {
		return storeutil.WithOp(op, err)
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if !storeutil.TakesAbandoned(st) {
			return storeutil.Conflict(op, "run %s is %s; only a running or canceled run counts abandoned calls", runID, st)
		}
		_, err = tx.Exec(ctx, `INSERT INTO abandoned_calls (run_id, seq, stage, provider, model, calls)
			VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM abandoned_calls WHERE run_id = $1), $2, $3, $4, $5)
			ON CONFLICT (run_id, stage, provider, model) DO UPDATE SET calls = abandoned_calls.calls + excluded.calls`,
			runID, string(a.Stage), a.Provider, a.Model, int64(a.Calls))
		return err
	})
}

// AddRepeatedCalls adds n to run runID's count of repeated calls, with
// the run's row locked.
//
// Errors: EINVALID for n below 1; ENOTFOUND when the run does not exist;
// ECONFLICT when it is queued, succeeded or failed.
func (s *DB) AddRepeatedCalls(ctx context.Context, runID string, n int) error {
	const op = "postgres.AddRepeatedCalls"
	if err := papersum.ValidateRepeatedCalls(runID, n); err != nil {
		return storeutil.WithOp(op, err)
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if !storeutil.TakesAbandoned(st) {
			return storeutil.Conflict(op, "run %s is %s; only a running or canceled run counts repeated calls", runID, st)
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET repeated_calls = repeated_calls + $1 WHERE id = $2`, n, runID)
		return err
	})
}

// loadAbandoned sets the abandoned calls of the given runs, in the order
// they were first counted.
func loadAbandoned(ctx context.Context, tx pgx.Tx, runs map[string]*papersum.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(runs))
	for id := range runs {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT run_id, stage, provider, model, calls FROM abandoned_calls
		WHERE run_id = ANY($1) ORDER BY run_id, seq`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			runID, stage string
			calls        int64
			a            papersum.AbandonedCalls
		)
		if err := rows.Scan(&runID, &stage, &a.Provider, &a.Model, &calls); err != nil {
			return err
		}
		a.Stage, a.Calls = papersum.Stage(stage), int(calls)
		r := runs[runID]
		r.Abandoned = append(r.Abandoned, a)
	}
	return rows.Err()
}
