package postgres

import (
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// The inserts of new rows. Each table's rows go in one INSERT ... SELECT
// FROM unnest(one array per column), whatever their number: one statement
// text, which pgx prepares once per connection and the server then only
// binds and runs, where a statement per row would cost a bind and an
// execution each, and a VALUES list of n rows a new statement text per n.
//
// Rows whose keys other transactions may insert at the same time (papers,
// runs, idempotency keys) are inserted in key order, so that two
// transactions with keys in common lock them in the same order and the
// second waits for the first instead of the two deadlocking.

// SQLSTATEs that name the row at fault.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// paperRow is a validated paper, encoded for insertPapersSQL.
type paperRow = storeutil.PaperRow

// insertPapersSQL stores the papers of papersArgs; a paper already stored
// is left as it is.
const insertPapersSQL = `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
	SELECT id, title, source, format, sections::jsonb, word_count, created_at
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
		AS u (id, title, source, format, sections, word_count, created_at)
	ON CONFLICT (id) DO NOTHING`

// papersArgs are the arguments of insertPapersSQL: each paper once (the
// first given of an ID, as PutPaper one after the other would keep), in ID
// order.
func papersArgs(rows []paperRow) []any {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b paperRow) int { return strings.Compare(a.P.ID, b.P.ID) })
	rows = slices.CompactFunc(rows, func(a, b paperRow) bool { return a.P.ID == b.P.ID })
	n := len(rows)
	id, title, source, format, sections := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	words, created := make([]int64, n), make([]int64, n)
	for i, r := range rows {
		id[i], title[i], source[i], format[i], sections[i] = r.P.ID, r.P.Title, r.P.Source, r.P.Format, r.Sections
		words[i], created[i] = r.Words, r.Created
	}
	return []any{id, title, source, format, sections, words, created}
}

// insertRunsSQL inserts the runs of runsArgs. It has no ON CONFLICT: a run
// that exists, or another in the same statement with its ID, fails the
// statement (unique violation), so that nothing of a call is stored; a
// transaction that creates the same run at the same moment waits for the
// first and then fails the same way. A unique violation is found as each
// row is inserted, the foreign key on paper_id (the only one of runs) only
// at the end of the statement, so a conflict is reported first, as the
// SQLite store does.
const insertRunsSQL = `INSERT INTO runs (id, paper_id, title, source, status, error, error_class, config_hash,
		target_words, summary, scores, team, user_name, created_at, finished_at, config, cached, batch_id,
		callback_url, key_id, cache_hits, last_hit_at, revised_scores)
	SELECT id, paper_id, title, source, status, error, error_class, config_hash,
		target_words, summary, scores::jsonb, team, user_name, created_at, finished_at, config, cached, batch_id,
		callback_url, key_id, cache_hits, last_hit_at, revised_scores::jsonb
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[],
		$16::text[], $17::boolean[], $18::text[], $19::text[], $20::text[], $21::integer[], $22::bigint[], $23::text[])
		AS u (id, paper_id, title, source, status, error, error_class, config_hash,
			target_words, summary, scores, team, user_name, created_at, finished_at, config, cached, batch_id,
			callback_url, key_id, cache_hits, last_hit_at, revised_scores)`

// runsArgs are the arguments of insertRunsSQL: the runs in ID order.
func runsArgs(rows []runRow) []any {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b runRow) int { return strings.Compare(a.Run.ID, b.Run.ID) })
	n := len(rows)
	texts := func() []string { return make([]string, n) }
	id, paperID, title, source, status, errMsg, errClass, configHash := texts(), texts(), texts(), texts(), texts(), texts(), texts(), texts()
	summary, team, user, config, batchID, callbackURL, keyID := texts(), texts(), texts(), texts(), texts(), texts(), texts()
	targetWords, created := make([]int64, n), make([]int64, n)
	scores, revised, finished, cached := make([]*string, n), make([]*string, n), make([]*int64, n), make([]bool, n)
	cacheHits, lastHit := make([]int32, n), make([]*int64, n)
	for i, r := range rows {
		run := r.Run
		id[i], paperID[i], title[i], source[i] = run.ID, run.PaperID, run.Title, run.Source
		status[i], errMsg[i], errClass[i], configHash[i] = string(r.Status), run.Error, string(run.ErrorClass), run.ConfigHash
		targetWords[i], summary[i], scores[i], team[i], user[i] = int64(run.TargetWords), run.Summary, r.Scores, run.Team, run.User
		created[i], finished[i], config[i], cached[i] = r.Created, r.FinishedNS, run.Config, run.Cached
		batchID[i], callbackURL[i], keyID[i], revised[i] = r.BatchID, run.CallbackURL, run.KeyID, r.Revised
		cacheHits[i], lastHit[i] = int32(run.CacheHits), r.LastHit
	}
	return []any{id, paperID, title, source, status, errMsg, errClass, configHash,
		targetWords, summary, scores, team, user, created, finished, config, cached, batchID, callbackURL, keyID,
		cacheHits, lastHit, revised}
}

// numberedStage is a stage row with its sequence number in its run.
type numberedStage struct {
	seq int
	stageRow
}

// runStages returns the stages the runs of rows carry, numbered 1, 2, ...
// in each run.
func runStages(rows []runRow) []numberedStage {
	var out []numberedStage
	for _, r := range rows {
		for i, st := range r.Stages {
			out = append(out, numberedStage{seq: i + 1, stageRow: st})
		}
	}
	return out
}

// insertStagesSQL inserts the stage results of stagesArgs.
const insertStagesSQL = `INSERT INTO stage_results (run_id, seq, stage, provider, model, prompt_version, raw, output,
		critique, input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
		usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at)
	SELECT run_id, seq, stage, provider, model, prompt_version, raw, output,
		critique::jsonb, input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
		usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at
	FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[],
		$15::boolean[], $16::double precision[], $17::bigint[], $18::text[], $19::text[], $20::bigint[])
		AS u (run_id, seq, stage, provider, model, prompt_version, raw, output,
			critique, input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
			usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at)`

// stagesArgs are the arguments of insertStagesSQL.
func stagesArgs(stages []numberedStage) []any {
	n := len(stages)
	texts := func() []string { return make([]string, n) }
	ints := func() []int64 { return make([]int64, n) }
	runID, stage, provider, model, promptVersion, raw, output, stopReason, fallbackReason :=
		texts(), texts(), texts(), texts(), texts(), texts(), texts(), texts(), texts()
	input, outputTokens, cache5m, cache1h, cacheRead, latency, started := ints(), ints(), ints(), ints(), ints(), ints(), ints()
	seq, critique, estimated, cost := make([]int32, n), make([]*string, n), make([]bool, n), make([]float64, n)
	for i, st := range stages {
		res, u := st.Res, st.Res.Usage
		runID[i], seq[i], stage[i], provider[i], model[i] = st.RunID, int32(st.seq), string(res.Stage), res.Provider, res.Model
		promptVersion[i], raw[i], output[i], critique[i] = res.PromptVersion, res.Raw, res.Output, st.Critique
		input[i], outputTokens[i], cache5m[i], cache1h[i], cacheRead[i] = u.InputTokens, u.OutputTokens,
			u.CacheCreation5mTokens, u.CacheCreation1hTokens, u.CacheReadTokens
		estimated[i], cost[i], latency[i] = u.Estimated, res.CostUSD, int64(res.Latency)
		stopReason[i], fallbackReason[i], started[i] = string(res.StopReason), res.FallbackReason, st.StartedAt
	}
	return []any{runID, seq, stage, provider, model, promptVersion, raw, output,
		critique, input, outputTokens, cache5m, cache1h, cacheRead, estimated, cost, latency, stopReason, fallbackReason, started}
}

// submissionBatchRow is a submission batch ready to insert with its runs.
type submissionBatchRow struct {
	b       *papersum.SubmissionBatch
	created int64
	runIDs  []string
}

// insertBatchesSQL inserts the batches of batchesArgs. As runs, a batch
// whose ID exists fails the statement.
const insertBatchesSQL = `INSERT INTO service_batches (id, team, user_name, callback_url, created_at)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])`

// insertBatchRunsSQL inserts the batch runs of batchesArgs.
const insertBatchRunsSQL = `INSERT INTO service_batch_runs (batch_id, seq, run_id)
	SELECT * FROM unnest($1::text[], $2::integer[], $3::text[])`

// batchesArgs are the arguments of insertBatchesSQL and of
// insertBatchRunsSQL: each batch's runs are numbered 1, 2, ... in order.
func batchesArgs(rows []submissionBatchRow) (batches, runs []any) {
	n := len(rows)
	id, team, user, callbackURL, created := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	var batchIDs, runIDs []string
	var seqs []int32
	for i, r := range rows {
		id[i], team[i], user[i], callbackURL[i], created[i] = r.b.ID, r.b.Team, r.b.User, r.b.CallbackURL, r.created
		for j, runID := range r.runIDs {
			batchIDs, seqs, runIDs = append(batchIDs, r.b.ID), append(seqs, int32(j+1)), append(runIDs, runID)
		}
	}
	return []any{id, team, user, callbackURL, created}, []any{batchIDs, seqs, runIDs}
}

// writes are the new rows of one call: papers, runs with their stages, and
// service batches with their runs, one statement per table.
type writes struct {
	papers  []paperRow
	runs    []runRow
	batches []submissionBatchRow
}

// queue queues the statements of w on b, papers before the runs that
// reference them and runs before their batches. w holds at least one run.
func (w *writes) queue(b *pgx.Batch) {
	if len(w.papers) > 0 {
		b.Queue(insertPapersSQL, papersArgs(w.papers)...)
	}
	b.Queue(insertRunsSQL, runsArgs(w.runs)...)
	if stages := runStages(w.runs); len(stages) > 0 {
		b.Queue(insertStagesSQL, stagesArgs(stages)...)
	}
	if len(w.batches) > 0 {
		batches, runs := batchesArgs(w.batches)
		b.Queue(insertBatchesSQL, batches...)
		b.Queue(insertBatchRunsSQL, runs...)
	}
}

// explain turns the error of w's statements into the store's: ECONFLICT
// for a run or batch whose ID exists, ENOTFOUND for a run whose paper is
// not stored, naming the row at fault when the server's message does.
// Other errors are returned unchanged, for dbError.
func (w *writes) explain(op string, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == uniqueViolation && pgErr.TableName == "runs":
		if i, ok := culprit(pgErr, "id", len(w.runs), func(i int) string { return w.runs[i].Run.ID }); ok {
			return storeutil.Conflict(op, "run %s already exists", w.runs[i].Run.ID)
		}
		return storeutil.Conflict(op, "a run of the call already exists")
	case pgErr.Code == foreignKeyViolation && pgErr.TableName == "runs":
		if i, ok := culprit(pgErr, "paper_id", len(w.runs), func(i int) string { return w.runs[i].Run.PaperID }); ok {
			r := w.runs[i].Run
			return storeutil.NotFound(op, "run %s: paper %s not found; store the paper first", r.ID, r.PaperID)
		}
		return storeutil.NotFound(op, "the paper of a run of the call is not stored; store the paper first")
	case pgErr.Code == uniqueViolation && pgErr.TableName == "service_batches":
		if i, ok := culprit(pgErr, "id", len(w.batches), func(i int) string { return w.batches[i].b.ID }); ok {
			return storeutil.Conflict(op, "batch %s already exists", w.batches[i].b.ID)
		}
		return storeutil.Conflict(op, "a batch of the call already exists")
	}
	return err
}

// culprit returns the index of the first of n values that the detail of
// pgErr gives as the value of column ("Key (column)=(value) already
// exists."). Only that part of the detail is matched: the rest is
// translated when the server's lc_messages is not English. The detail is
// missing when the user may not read the row; ok is false then.
func culprit(pgErr *pgconn.PgError, column string, n int, value func(i int) string) (i int, ok bool) {
	for i := range n {
		if strings.Contains(pgErr.Detail, "("+column+")=("+value(i)+")") {
			return i, true
		}
	}
	return 0, false
}
