package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// List limits. RunFilter.Limit 0 means DefaultListLimit; larger than
// MaxListLimit is cut to MaxListLimit, so one request cannot load the
// whole table.
const (
	DefaultListLimit = storeutil.DefaultListLimit
	MaxListLimit     = storeutil.MaxListLimit
)

// PutPaper stores the paper under its ID. The ID is a content hash, so a
// paper already stored under that ID is the same paper and storing it again
// is a no-op that keeps the first row.
//
// Errors: EINVALID when p is nil or has no ID.
func (s *DB) PutPaper(ctx context.Context, p *papersum.Paper) error {
	const op = "sqlite.PutPaper"
	now, ok := storeutil.EncodeTime(s.clock.Now())
	if !ok {
		return storeutil.Invalid(op, "clock time out of range")
	}
	row, err := storeutil.NewPaperRow(op, p, now)
	if err != nil {
		return err
	}
	// One statement is a transaction of its own: an explicit one would
	// only add a BEGIN and a COMMIT on the store's only connection, for
	// every submitted paper.
	if _, err := s.stmt(insertPaperSQL).ExecContext(ctx, paperArgs(row)...); err != nil {
		return dbError(op, err)
	}
	return nil
}

// insertPaperSQL inserts the paper of paperArgs, unless a paper with its
// ID exists.
const insertPaperSQL = `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`

// paperArgs are the arguments of insertPaperSQL for r.
func paperArgs(r storeutil.PaperRow) []any {
	p := r.P
	return []any{p.ID, p.Title, p.Source, p.Format, r.Sections, r.Words, r.Created}
}

// GetPaper returns the paper with this ID.
//
// Errors: ENOTFOUND when no paper has this ID.
func (s *DB) GetPaper(ctx context.Context, id string) (*papersum.Paper, error) {
	const op = "sqlite.GetPaper"
	var p papersum.Paper
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var sections string
		err := s.txStmt(ctx, tx, selectPaperSQL).QueryRowContext(ctx, id).Scan(&p.ID, &p.Title, &p.Source, &p.Format, &sections)
		if errors.Is(err, sql.ErrNoRows) {
			return storeutil.NotFound(op, "paper %s not found", id)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(sections), &p.Sections); err != nil {
			return fmt.Errorf("paper %s: decode sections: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// selectPaperSQL is GetPaper's query.
const selectPaperSQL = `SELECT id, title, source, format, sections FROM papers WHERE id = ?`

// nullable is p's value for a statement's argument, or nil (NULL) when p
// is nil: the rows of storeutil hold optional values as pointers, which
// Postgres binds as they are.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
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
// paper is not stored; ECONFLICT when a run with this ID exists.
func (s *DB) CreateRun(ctx context.Context, run *papersum.Run) error {
	const op = "sqlite.CreateRun"
	row, err := storeutil.NewRunRow(op, run, s.clock)
	if err != nil {
		return err
	}
	if len(row.Stages) == 0 {
		// One statement is a transaction of its own.
		if err := insertRunRow(ctx, s.stmt(insertRunSQL), op, row); err != nil {
			return dbError(op, err)
		}
	} else if err := s.tx(ctx, op, func(tx *sql.Tx) error { return s.insertRuns(ctx, tx, op, []runRow{row}) }); err != nil {
		return err
	}
	row.WriteBack()
	return nil
}

// CreateRuns stores several new runs, as CreateRun would each, in one
// transaction: all of them, or none, so that they do not queue one by one
// for the store's only connection. On success the runs hold the stored
// values.
//
// Errors: EINVALID when runs is empty, a run appears twice, or a run is
// one CreateRun refuses; ENOTFOUND and ECONFLICT as CreateRun.
func (s *DB) CreateRuns(ctx context.Context, runs []*papersum.Run) error {
	const op = "sqlite.CreateRuns"
	if len(runs) == 0 {
		return storeutil.Invalid(op, "no runs to create")
	}
	rows := make([]runRow, len(runs))
	seen := make(map[string]bool, len(runs))
	for i, run := range runs {
		var err error
		if rows[i], err = storeutil.NewRunRow(op, run, s.clock); err != nil {
			return err
		}
		if seen[run.ID] {
			return storeutil.Invalid(op, "run %s appears twice", run.ID)
		}
		seen[run.ID] = true
	}
	if err := s.tx(ctx, op, func(tx *sql.Tx) error { return s.insertRuns(ctx, tx, op, rows) }); err != nil {
		return err
	}
	for _, r := range rows {
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

// insertRuns inserts rows and their stages in tx, all with the same
// prepared statement of insertRunSQL.
//
// Errors: as insertRunRow.
func (s *DB) insertRuns(ctx context.Context, tx *sql.Tx, op string, rows []runRow) error {
	insert := s.txStmt(ctx, tx, insertRunSQL)
	for _, r := range rows {
		if err := insertRunRow(ctx, insert, op, r); err != nil {
			return err
		}
		for i, st := range r.Stages {
			if err := s.insertStage(ctx, tx, i+1, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertRunRow inserts the row of r, without its stages, with insert (the
// prepared statement of insertRunSQL), which also makes the checks: ON
// CONFLICT leaves an existing run alone (no row changed: ECONFLICT), and
// the foreign key, the only one of runs, refuses a run of a missing paper
// (ENOTFOUND). A conflict is reported first, as two SELECTs before the
// INSERT used to. Those SELECTs, and for a run without stages the BEGIN
// and COMMIT around them, held the store's only connection about as long
// as the INSERT itself; the service used to write such a run for every
// cache hit (RecordCacheHits now counts them on one), and under load every
// request queued behind them.
//
// Errors: ECONFLICT when the run exists; ENOTFOUND when its paper does not.
func insertRunRow(ctx context.Context, insert *sql.Stmt, op string, r runRow) error {
	res, err := insert.ExecContext(ctx, insertArgs(r)...)
	if sqliteExtendedCode(err) == sqliteConstraintForeignKey {
		return storeutil.NotFound(op, "run %s: paper %s not found; store the paper first", r.Run.ID, r.Run.PaperID)
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return storeutil.Conflict(op, "run %s already exists", r.Run.ID)
	}
	return nil
}

// insertRunSQL inserts the run row of insertArgs, unless a run with its
// ID exists.
const insertRunSQL = `INSERT INTO runs (id, paper_id, title, source, status, error, error_class,
		config_hash, target_words, summary, scores, team, user_name, created_at, finished_at,
		config, cached, batch_id, callback_url, key_id, cache_hits, last_hit_at, revised_scores)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO NOTHING`

// insertArgs are the arguments of insertRunSQL.
func insertArgs(r runRow) []any {
	run := r.Run
	return []any{run.ID, run.PaperID, run.Title, run.Source, string(r.Status), run.Error, string(run.ErrorClass),
		run.ConfigHash, run.TargetWords, run.Summary, nullable(r.Scores), run.Team, run.User, r.Created, nullable(r.FinishedNS),
		run.Config, run.Cached, r.BatchID, run.CallbackURL, run.KeyID, run.CacheHits, nullable(r.LastHit), nullable(r.Revised)}
}

// RecordCacheHits records cache hits as papersum.JobStore documents: the
// first hit of a key is a new cached run, a later one counts on it. The
// hits of one key in the call are one INSERT ... ON CONFLICT (hit_key) DO
// UPDATE ... RETURNING, which inserts the first of them or adds them all
// to the key's run; all in one transaction, so that the unique index
// decides which hit is first and the row comes back as stored. The hits'
// structs are set from those rows once the transaction has committed.
//
// Errors: EINVALID when hits is empty or a hit is not a run CreateRun
// takes as cached; ENOTFOUND when its paper is not stored; ECONFLICT when
// a new run's ID exists.
func (s *DB) RecordCacheHits(ctx context.Context, hits []*papersum.Run) error {
	const op = "sqlite.RecordCacheHits"
	rows, err := storeutil.NewHitRows(op, hits, s.clock)
	if err != nil {
		return err
	}
	groups := storeutil.GroupHits(hits)
	stored := make([]*papersum.Run, len(groups))
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		upsert := s.txStmt(ctx, tx, upsertHitSQL)
		for gi, g := range groups {
			r := rows[g.Indexes[0]]
			last := r.Created
			for _, i := range g.Indexes {
				last = max(last, rows[i].Created)
			}
			run, err := scanRun(upsert.QueryRowContext(ctx, hitArgs(r, len(g.Indexes), last, g.Key)...))
			switch {
			case sqliteExtendedCode(err) == sqliteConstraintForeignKey:
				return storeutil.NotFound(op, "run %s: paper %s not found; store the paper first", r.Run.ID, r.Run.PaperID)
			case sqliteExtendedCode(err) == sqliteConstraintPrimaryKey:
				return storeutil.Conflict(op, "run %s already exists", r.Run.ID)
			case err != nil:
				return err
			}
			stored[gi] = run
		}
		return nil
	})
	if err != nil {
		return err
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
var upsertHitSQL = `INSERT INTO runs (id, paper_id, title, source, status, error, error_class,
		config_hash, target_words, summary, scores, team, user_name, created_at, finished_at,
		config, cached, batch_id, callback_url, key_id, cache_hits, last_hit_at, hit_key, revised_scores)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (hit_key) WHERE hit_key IS NOT NULL DO UPDATE SET
		cache_hits = cache_hits + excluded.cache_hits,
		last_hit_at = max(coalesce(last_hit_at, excluded.last_hit_at), excluded.last_hit_at)
	RETURNING ` + runColumns

// hitArgs are the arguments of upsertHitSQL for r, the first of n hits of
// key, the latest of which came at last.
func hitArgs(r runRow, n int, last int64, key string) []any {
	run := r.Run
	return []any{run.ID, run.PaperID, run.Title, run.Source, string(r.Status), run.Error, string(run.ErrorClass),
		run.ConfigHash, run.TargetWords, run.Summary, nullable(r.Scores), run.Team, run.User, r.Created, nullable(r.FinishedNS),
		run.Config, run.Cached, r.BatchID, run.CallbackURL, run.KeyID, n, last, key, nullable(r.Revised)}
}

// insertStage inserts r as stage seq of its run in tx.
func (s *DB) insertStage(ctx context.Context, tx *sql.Tx, seq int, r stageRow) error {
	res, u := r.Res, r.Res.Usage
	_, err := s.txStmt(ctx, tx, insertStageSQL).ExecContext(ctx,
		r.RunID, seq, string(res.Stage), res.Provider, res.Model, res.PromptVersion,
		res.Raw, res.Output, nullable(r.Critique), u.InputTokens, u.OutputTokens, u.CacheCreation5mTokens, u.CacheCreation1hTokens,
		u.CacheReadTokens, u.Estimated, res.CostUSD, int64(res.Latency), string(res.StopReason), res.FallbackReason, r.StartedAt)
	return err
}

// insertStageSQL inserts a stage result.
const insertStageSQL = `INSERT INTO stage_results (run_id, seq, stage, provider, model, prompt_version,
		raw, output, critique, input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens,
		cache_read_tokens, usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// runStatus returns the status of run id inside tx.
func (s *DB) runStatus(ctx context.Context, tx *sql.Tx, op, id string) (papersum.RunStatus, error) {
	var st string
	err := s.txStmt(ctx, tx, selectRunStatusSQL).QueryRowContext(ctx, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", storeutil.NotFound(op, "run %s not found", id)
	}
	return papersum.RunStatus(st), err
}

// selectRunStatusSQL is runStatus's query.
const selectRunStatusSQL = `SELECT status FROM runs WHERE id = ?`

// AddStage appends a stage result to a running run; stages keep the order
// in which they were added. When res.StartedAt is zero it is set from the
// store's clock.
//
// Errors: EINVALID when res is nil, names an unknown stage, or has negative
// token counts, latency or cost, or a cost that is not a number; ENOTFOUND
// when the run does not exist; ECONFLICT when the run is not running
// (queued, which StartRun must move first, or finished).
func (s *DB) AddStage(ctx context.Context, runID string, res *papersum.StageResult) error {
	const op = "sqlite.AddStage"
	r, err := storeutil.NewStageRow(op, runID, res, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s; only a running run takes stages", runID, st)
		}
		var seq int
		if err := s.txStmt(ctx, tx, nextStageSeqSQL).QueryRowContext(ctx, runID).Scan(&seq); err != nil {
			return err
		}
		return s.insertStage(ctx, tx, seq, r)
	})
	if err != nil {
		return err
	}
	res.StartedAt = storeutil.DecodeTime(r.StartedAt)
	return nil
}

// nextStageSeqSQL is the sequence number of a run's next stage.
const nextStageSeqSQL = `SELECT coalesce(max(seq), 0) + 1 FROM stage_results WHERE run_id = ?`

// FinishRun ends a running run with run.Status (succeeded or failed) and
// its summary, scores, error and error class, in one statement. When
// run.FinishedAt is nil it is set from the store's clock. Other fields of
// run (title, config, stages, ...) are not changed.
//
// Errors: EINVALID when run is nil or has no ID, when the status is not
// succeeded or failed, when a failed run has no error message, or for an
// unknown error class or non-finite scores; ENOTFOUND when the run does not
// exist; ECONFLICT when it is not running (queued, or already finished).
// A run is canceled with CancelRun.
func (s *DB) FinishRun(ctx context.Context, run *papersum.Run) error {
	const op = "sqlite.FinishRun"
	f, err := storeutil.NewFinishRow(op, run, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, run.ID)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s, not running; only a running run finishes", run.ID, st)
		}
		_, err = s.txStmt(ctx, tx, finishRunSQL).ExecContext(ctx,
			string(run.Status), run.Error, string(run.ErrorClass), run.Summary, nullable(f.Scores), nullable(f.Revised), f.Finished, run.ID)
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

// finishRunSQL ends a running run.
const finishRunSQL = `UPDATE runs SET status = ?, error = ?, error_class = ?, summary = ?, scores = ?,
		revised_scores = ?, finished_at = ? WHERE id = ? AND status = 'running'`

// runColumns are the runs columns that scanRun reads, in order.
const runColumns = `id, paper_id, title, source, status, error, error_class, config_hash, target_words,
	summary, scores, team, user_name, created_at, finished_at, config, cached, batch_id, callback_url, key_id,
	cache_hits, last_hit_at, revised_scores, started_at, waits, waiting, repeated_calls`

func scanRun(sc interface{ Scan(...any) error }) (*papersum.Run, error) {
	var (
		r                          papersum.Run
		status, errorClass         string
		scores, revised, waiting   sql.NullString
		created                    int64
		finished, lastHit, started sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &r.PaperID, &r.Title, &r.Source, &status, &r.Error, &errorClass, &r.ConfigHash,
		&r.TargetWords, &r.Summary, &scores, &r.Team, &r.User, &created, &finished,
		&r.Config, &r.Cached, &r.BatchID, &r.CallbackURL, &r.KeyID, &r.CacheHits, &lastHit, &revised,
		&started, &r.Waits, &waiting, &r.RepeatedCalls); err != nil {
		return nil, err
	}
	if started.Valid {
		t := storeutil.DecodeTime(started.Int64)
		r.StartedAt = &t
	}
	if waiting.Valid && papersum.RunStatus(status) == papersum.RunQueued {
		var err error
		if r.Waiting, err = storeutil.DecodeWait([]byte(waiting.String)); err != nil {
			return nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
	}
	if lastHit.Valid {
		t := storeutil.DecodeTime(lastHit.Int64)
		r.LastHitAt = &t
	}
	r.Status = papersum.RunStatus(status)
	r.ErrorClass = papersum.Class(errorClass)
	r.CreatedAt = storeutil.DecodeTime(created)
	if finished.Valid {
		t := storeutil.DecodeTime(finished.Int64)
		r.FinishedAt = &t
	}
	if scores.Valid {
		r.Scores = new(papersum.Scores)
		if err := json.Unmarshal([]byte(scores.String), r.Scores); err != nil {
			return nil, fmt.Errorf("run %s: decode scores: %w", r.ID, err)
		}
	}
	if revised.Valid {
		r.RevisedScores = new(papersum.Scores)
		if err := json.Unmarshal([]byte(revised.String), r.RevisedScores); err != nil {
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

func scanStage(sc interface{ Scan(...any) error }) (string, papersum.StageResult, error) {
	var (
		runID, stage, stop string
		res                papersum.StageResult
		critique           sql.NullString
		latency, started   int64
		u                  = &res.Usage
	)
	if err := sc.Scan(&runID, &stage, &res.Provider, &res.Model, &res.PromptVersion, &res.Raw, &res.Output, &critique,
		&u.InputTokens, &u.OutputTokens, &u.CacheCreation5mTokens, &u.CacheCreation1hTokens, &u.CacheReadTokens,
		&u.Estimated, &res.CostUSD, &latency, &stop, &res.FallbackReason, &started); err != nil {
		return "", res, err
	}
	res.Stage = papersum.Stage(stage)
	res.StopReason = papersum.StopReason(stop)
	res.Latency = time.Duration(latency)
	res.StartedAt = storeutil.DecodeTime(started)
	if critique.Valid {
		res.Critique = new(papersum.Critique)
		if err := json.Unmarshal([]byte(critique.String), res.Critique); err != nil {
			return "", res, fmt.Errorf("run %s: decode critique: %w", runID, err)
		}
	}
	return runID, res, nil
}

// GetRun returns a run with its stages in the order they were added,
// including their raw output.
//
// Errors: ENOTFOUND when no run has this ID.
func (s *DB) GetRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "sqlite.GetRun"
	var run *papersum.Run
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var err error
		run, err = s.getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// getRun reads run id with its stages, raw output included, inside tx.
func (s *DB) getRun(ctx context.Context, tx *sql.Tx, op, id string) (*papersum.Run, error) {
	run, err := scanRun(s.txStmt(ctx, tx, selectRunSQL).QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeutil.NotFound(op, "run %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.txStmt(ctx, tx, selectRunStagesSQL).QueryContext(ctx, id)
	if err != nil {
		return nil, err
	}
	byID := map[string]*papersum.Run{id: run}
	if err := appendStages(rows, byID); err != nil {
		return nil, err
	}
	if err := loadAbandoned(ctx, tx, byID); err != nil {
		return nil, err
	}
	return run, nil
}

// The statements of getRun: a run, and its stages in order with their raw
// output.
var (
	selectRunSQL       = `SELECT ` + runColumns + ` FROM runs WHERE id = ?`
	selectRunStagesSQL = `SELECT ` + fmt.Sprintf(stageColumns, "raw") + ` FROM stage_results WHERE run_id = ? ORDER BY seq`
)

// loadStages appends the stages of the given runs to them, in seq order,
// without their raw output.
func loadStages(ctx context.Context, tx *sql.Tx, runs map[string]*papersum.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]any, 0, len(runs))
	for id := range runs {
		ids = append(ids, id)
	}
	q := `SELECT ` + fmt.Sprintf(stageColumns, "''") + ` FROM stage_results WHERE run_id IN (?` +
		strings.Repeat(", ?", len(ids)-1) + `) ORDER BY run_id, seq`
	rows, err := tx.QueryContext(ctx, q, ids...)
	if err != nil {
		return err
	}
	return appendStages(rows, runs)
}

// appendStages appends the stages of rows, in the order read, to their
// runs, and closes rows.
func appendStages(rows *sql.Rows, runs map[string]*papersum.Run) error {
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

// ListRuns returns runs newest first (by creation time, then ID
// descending), with their stages but without the stages' raw output.
// f.Before pages: it lists the runs that sort after that run, so a run
// created in the same nanosecond as the cursor is neither skipped nor
// repeated.
//
// The filters (status, paper, team, batch) combine with AND.
//
// Errors: EINVALID for an unknown status filter or a negative limit;
// ENOTFOUND when f.Before names no run.
func (s *DB) ListRuns(ctx context.Context, f papersum.RunFilter) ([]*papersum.Run, error) {
	const op = "sqlite.ListRuns"
	limit, err := storeutil.CheckRunFilter(op, f)
	if err != nil {
		return nil, err
	}

	var out []*papersum.Run
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		var (
			where []string
			args  []any
		)
		for _, c := range []struct{ column, value string }{
			{"status", string(f.Status)}, {"paper_id", f.PaperID}, {"team", f.Team}, {"batch_id", f.BatchID},
		} {
			if c.value != "" {
				where = append(where, c.column+" = ?")
				args = append(args, c.value)
			}
		}
		if f.Before != "" {
			var created int64
			err := tx.QueryRowContext(ctx, `SELECT created_at FROM runs WHERE id = ?`, f.Before).Scan(&created)
			if errors.Is(err, sql.ErrNoRows) {
				return storeutil.NotFound(op, "cursor run %s not found", f.Before)
			}
			if err != nil {
				return err
			}
			where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
			args = append(args, created, created, f.Before)
		}
		q := `SELECT ` + runColumns + ` FROM runs`
		if len(where) > 0 {
			q += ` WHERE ` + strings.Join(where, " AND ")
		}
		q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
		args = append(args, limit)

		rows, err := tx.QueryContext(ctx, q, args...)
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
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := loadStages(ctx, tx, byID); err != nil {
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
// calls of a.Stage to a.Provider/a.Model, in one statement: the first
// count of a (stage, provider, model) takes the next place in the run's
// order, later ones add to it.
//
// Errors: EINVALID for an unknown stage, an empty model or a count below
// 1; ENOTFOUND when the run does not exist; ECONFLICT when it is queued,
// succeeded or failed.
func (s *DB) AddAbandonedCalls(ctx context.Context, runID string, a papersum.AbandonedCalls) error {
	const op = "sqlite.AddAbandonedCalls"
	if err := a.Validate(runID); err != nil {
		return storeutil.WithOp(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if !storeutil.TakesAbandoned(st) {
			return storeutil.Conflict(op, "run %s is %s; only a running or canceled run counts abandoned calls", runID, st)
		}
		// A rare statement (calls are seldom abandoned): not one of the
		// prepared hot queries.
		_, err = tx.ExecContext(ctx, addAbandonedSQL,
			runID, runID, string(a.Stage), a.Provider, a.Model, a.Calls)
		return err
	})
}

// AddRepeatedCalls adds n to run runID's count of repeated calls.
//
// Errors: EINVALID for n below 1; ENOTFOUND when the run does not exist;
// ECONFLICT when it is queued, succeeded or failed.
func (s *DB) AddRepeatedCalls(ctx context.Context, runID string, n int) error {
	const op = "sqlite.AddRepeatedCalls"
	if err := papersum.ValidateRepeatedCalls(runID, n); err != nil {
		return storeutil.WithOp(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, runID)
		if err != nil {
			return err
		}
		if !storeutil.TakesAbandoned(st) {
			return storeutil.Conflict(op, "run %s is %s; only a running or canceled run counts repeated calls", runID, st)
		}
		// Rare, as abandoned calls are: not a prepared hot query.
		_, err = tx.ExecContext(ctx, `UPDATE runs SET repeated_calls = repeated_calls + ? WHERE id = ?`, n, runID)
		return err
	})
}

// addAbandonedSQL inserts or adds to a count of abandoned calls.
const addAbandonedSQL = `INSERT INTO abandoned_calls (run_id, seq, stage, provider, model, calls)
	VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM abandoned_calls WHERE run_id = ?), ?, ?, ?, ?)
	ON CONFLICT (run_id, stage, provider, model) DO UPDATE SET calls = calls + excluded.calls`

// loadAbandoned sets the abandoned calls of the given runs, in the order
// they were first counted.
func loadAbandoned(ctx context.Context, tx *sql.Tx, runs map[string]*papersum.Run) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]any, 0, len(runs))
	for id := range runs {
		ids = append(ids, id)
	}
	q := `SELECT run_id, stage, provider, model, calls FROM abandoned_calls WHERE run_id IN (?` +
		strings.Repeat(", ?", len(ids)-1) + `) ORDER BY run_id, seq`
	rows, err := tx.QueryContext(ctx, q, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			runID, stage string
			a            papersum.AbandonedCalls
		)
		if err := rows.Scan(&runID, &stage, &a.Provider, &a.Model, &a.Calls); err != nil {
			return err
		}
		a.Stage = papersum.Stage(stage)
		r := runs[runID]
		r.Abandoned = append(r.Abandoned, a)
	}
	return rows.Err()
}
