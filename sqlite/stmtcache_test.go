package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/papersum/papersum"
)

// A closed store's methods fail with EINTERNAL, as calls on a closed
// handle always did, whether their statement is prepared or not.
func TestClosedStoreFails(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	p := &papersum.Paper{ID: "sha256:closed", Format: "text"}
	if err := db.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	enqueue := func(context.Context, *sql.Tx, []string) error { return nil }
	queued := &papersum.Run{ID: "run-q", PaperID: p.ID, Status: papersum.RunQueued}
	for name, call := range map[string]func() error{
		"PutPaper":  func() error { return db.PutPaper(ctx, p) },
		"GetPaper":  func() error { _, err := db.GetPaper(ctx, p.ID); return err },
		"CreateRun": func() error { return db.CreateRun(ctx, &papersum.Run{ID: "run-c", PaperID: p.ID}) },
		"CreateRuns": func() error {
			return db.CreateRuns(ctx, []*papersum.Run{{ID: "run-cs", PaperID: p.ID}})
		},
		"Submit": func() error {
			_, err := db.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{queued}}, enqueue)
			return err
		},
		"GetRun":    func() error { _, err := db.GetRun(ctx, "run-q"); return err },
		"StartRun":  func() error { _, err := db.StartRun(ctx, "run-q"); return err },
		"AddStage":  func() error { return db.AddStage(ctx, "run-q", &papersum.StageResult{Stage: papersum.StageSummarize}) },
		"FinishRun": func() error { return db.FinishRun(ctx, &papersum.Run{ID: "run-q", Status: papersum.RunSucceeded}) },
		"KeyByHash": func() error { _, err := db.KeyByHash(ctx, []byte("hash")); return err },
	} {
		if err := call(); papersum.ErrorCode(err) != papersum.EINTERNAL {
			t.Errorf("%s on a closed store = %v, want %s", name, err, papersum.EINTERNAL)
		}
	}
}

// A prepared statement that failed is reset for its next use: the
// foreign key failure is ENOTFOUND each time, and a good run in between
// is stored, in and out of a transaction.
func TestPreparedStatementAfterError(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	p := &papersum.Paper{ID: "sha256:reuse", Format: "text"}
	if err := db.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i, create := range []func(*papersum.Run) error{
		func(r *papersum.Run) error { return db.CreateRun(ctx, r) },
		func(r *papersum.Run) error { return db.CreateRuns(ctx, []*papersum.Run{r}) },
	} {
		for j := range 2 {
			orphan := &papersum.Run{ID: fmt.Sprintf("run-orphan-%d-%d", i, j), PaperID: "sha256:missing"}
			if err := create(orphan); papersum.ErrorCode(err) != papersum.ENOTFOUND {
				t.Fatalf("run of a missing paper: %v, want %s", err, papersum.ENOTFOUND)
			}
			if err := create(&papersum.Run{ID: fmt.Sprintf("run-ok-%d-%d", i, j), PaperID: p.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
