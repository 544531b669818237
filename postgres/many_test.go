package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// The statements of CreateRun's batch are one implicit transaction: a
// stage the database refuses (text with a NUL byte) takes the run, whose
// statement had already succeeded, with it.
func TestCreateRunWithRefusedStageStoresNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	ok := papersum.StageResult{Stage: papersum.StageSummarize, Raw: "fine"}
	bad := papersum.StageResult{Stage: papersum.StageCritique, Raw: "a\x00b"}
	err := db.CreateRuns(ctx, []*papersum.Run{
		{ID: "r1", PaperID: "p", Stages: []papersum.StageResult{ok}},
		{ID: "r2", PaperID: "p", Stages: []papersum.StageResult{ok, bad}},
	})
	wantCode(t, err, papersum.EINVALID)
	for _, id := range []string{"r1", "r2"} {
		if _, err := db.GetRun(ctx, id); papersum.ErrorCode(err) != papersum.ENOTFOUND {
			t.Fatalf("run %s of a failed CreateRuns: GetRun = %v, want %s", id, err, papersum.ENOTFOUND)
		}
	}
}

// A multi-row insert fails as a whole; its error still names the run, or
// batch, at fault.
func TestManyErrorsNameTheCulprit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	queued := func(id, paperID string) *papersum.Run {
		return &papersum.Run{ID: id, PaperID: paperID, Status: papersum.RunQueued}
	}
	if _, err := db.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{queued("taken", "p")},
		Batch: &papersum.SubmissionBatch{ID: "batch-taken"}}, noEnqueue); err != nil {
		t.Fatal(err)
	}
	wantError := func(t *testing.T, err error, code string, names ...string) {
		t.Helper()
		wantCode(t, err, code)
		for _, name := range names {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %s", err, name)
			}
		}
	}

	err := db.CreateRuns(ctx, []*papersum.Run{{ID: "a", PaperID: "p"}, {ID: "taken", PaperID: "p"}, {ID: "z", PaperID: "p"}})
	wantError(t, err, papersum.ECONFLICT, `run taken already exists`)
	err = db.CreateRuns(ctx, []*papersum.Run{{ID: "a", PaperID: "p"}, {ID: "b", PaperID: "nowhere"}})
	wantError(t, err, papersum.ENOTFOUND, "run b", "paper nowhere")
	// A conflict is reported before a missing paper, as in SQLite, of
	// one run or of another.
	err = db.CreateRun(ctx, &papersum.Run{ID: "taken", PaperID: "nowhere"})
	wantError(t, err, papersum.ECONFLICT, "run taken already exists")
	err = db.CreateRuns(ctx, []*papersum.Run{{ID: "b", PaperID: "nowhere"}, {ID: "taken", PaperID: "p"}})
	wantError(t, err, papersum.ECONFLICT, "run taken already exists")

	subs := func(last *papersum.Submission) []*papersum.Submission {
		return []*papersum.Submission{{Runs: []*papersum.Run{queued("s1", "p")}, Batch: &papersum.SubmissionBatch{ID: "batch-new"}}, last}
	}
	_, err = db.SubmitMany(ctx, subs(&papersum.Submission{Runs: []*papersum.Run{queued("taken", "p")}}), noEnqueue)
	wantError(t, err, papersum.ECONFLICT, "run taken already exists")
	_, err = db.SubmitMany(ctx, subs(&papersum.Submission{Runs: []*papersum.Run{queued("s2", "nowhere")}}), noEnqueue)
	wantError(t, err, papersum.ENOTFOUND, "run s2", "paper nowhere")
	_, err = db.SubmitMany(ctx, subs(&papersum.Submission{Runs: []*papersum.Run{queued("s2", "p")},
		Batch: &papersum.SubmissionBatch{ID: "batch-taken"}}), noEnqueue)
	wantError(t, err, papersum.ECONFLICT, "batch batch-taken already exists")
	// Two submissions of one call with one run: the second is refused,
	// as a second Submit would be.
	_, err = db.SubmitMany(ctx, subs(&papersum.Submission{Runs: []*papersum.Run{queued("s1", "p")}}), noEnqueue)
	wantError(t, err, papersum.ECONFLICT, "run s1 already exists")
	for _, id := range []string{"a", "b", "z", "s1", "s2"} {
		if _, err := db.GetRun(ctx, id); papersum.ErrorCode(err) != papersum.ENOTFOUND {
			t.Fatalf("run %s of a failed call: GetRun = %v, want %s", id, err, papersum.ENOTFOUND)
		}
	}
}

// Two SubmitMany calls that carry the same keys in opposite orders, at
// the same moment: the keys are inserted in one order, so the second
// waits for the first and is answered by it, instead of the two
// deadlocking (which Postgres would break after deadlock_timeout by
// failing one of them). A third transaction holds the middle key until
// both calls wait for it, so that each would hold a key the other needs
// next if they inserted them in their own orders.
func TestSubmitManyKeysInOppositeOrders(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"key-a", "key-b", "key-c"}
	blocker, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, `INSERT INTO idempotency_keys (team, key, request_hash, target_id, created_at)
		VALUES ('t', $1, 'other', 'other', 0)`, keys[1]); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		existing [2][]string
		errs     [2]error
	)
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subs := make([]*papersum.Submission, len(keys))
			for i := range keys {
				key := keys[i]
				if g == 1 {
					key = keys[len(keys)-1-i]
				}
				subs[i] = &papersum.Submission{Runs: []*papersum.Run{{ID: fmt.Sprintf("run-%d-%s", g, key), PaperID: "p",
					Status: papersum.RunQueued}}, IdempotencyKey: key, Team: "t", RequestHash: key}
			}
			existing[g], errs[g] = db.SubmitMany(ctx, subs, noEnqueue)
		}()
	}
	waitForLockWaits(t, db, 2)
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Fatalf("SubmitMany %d: %v", g, err)
		}
	}
	stored := 0
	for g := range 2 {
		for i := range keys {
			if (existing[g][i] == "") != (existing[g][0] == "") {
				t.Fatalf("call %d stored some of its submissions and was answered for others: %q", g, existing[g])
			}
		}
		if existing[g][0] == "" {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d calls stored their submissions (%q), want 1", stored, existing)
	}
}

// waitForLockWaits waits until n statements on idempotency_keys wait for a
// lock, or a while.
func waitForLockWaits(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var waiting int
		if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE cardinality(pg_blocking_pids(pid)) > 0 AND query LIKE '%idempotency_keys%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
	}
	t.Logf("fewer than %d statements wait for a lock; going on", n)
}
