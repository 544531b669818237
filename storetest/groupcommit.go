package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// testSubmitMany: several submissions, some with papers of their own, one
// answered by its idempotency key and one repeating a key of the same
// call, go in one transaction with one enqueue call.
func testSubmitMany[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	old := putPaper(t, s, "sha256:many-old")
	at := time.Date(2026, 3, 1, 2, 3, 4, 5, zone)

	// A key recorded before the call.
	e0 := &enqueuer[TTx]{o: o}
	prev := queuedRun("run-many-prev", old.ID, at)
	_, err := s.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{prev}, IdempotencyKey: "key-prev",
		Team: "team-a", RequestHash: "hash-prev"}, e0.enqueue)
	must(t, err)

	p1, p2 := newPaper("sha256:many-new-1"), newPaper("sha256:many-new-2")
	r1 := queuedRun("run-many-1", p1.ID, at)
	r2 := queuedRun("run-many-2", old.ID, time.Time{})
	r3 := queuedRun("run-many-3", p2.ID, at)
	r4 := queuedRun("run-many-4", p2.ID, at)
	replay := queuedRun("run-many-replay", old.ID, at)
	twin := queuedRun("run-many-twin", p2.ID, at)
	subs := []*papersum.Submission{
		{Papers: []*papersum.Paper{p1}, Runs: []*papersum.Run{r1}},
		{Runs: []*papersum.Run{r2}, IdempotencyKey: "key-new", Team: "team-a", RequestHash: "hash-new"},
		{Runs: []*papersum.Run{replay}, IdempotencyKey: "key-prev", Team: "team-a", RequestHash: "hash-prev"},
		// The paper is given again by the batch and by the one after it:
		// stored once, left as it is.
		{Papers: []*papersum.Paper{p2, p2}, Runs: []*papersum.Run{r3, r4}, Batch: &papersum.SubmissionBatch{ID: "batch-many"}},
		{Papers: []*papersum.Paper{p2}, Runs: []*papersum.Run{twin}, IdempotencyKey: "key-new", Team: "team-a", RequestHash: "hash-new"},
	}
	e := &enqueuer[TTx]{o: o, probe: "sha256:probe-many"}
	existing, err := s.SubmitMany(ctx, subs, e.enqueue)
	must(t, err)
	want := []string{"", "", prev.ID, "", r2.ID}
	if fmt.Sprint(existing) != fmt.Sprint(want) {
		t.Fatalf("SubmitMany existing = %q, want %q", existing, want)
	}
	e.wantCalls(t, []string{r1.ID, r2.ID, r3.ID, r4.ID})
	e.wantProbe(t, s, true)
	for _, r := range []*papersum.Run{r1, r2, r3, r4} {
		got, err := s.GetRun(ctx, r.ID)
		must(t, err)
		diffRun(t, got, r)
	}
	if r2.CreatedAt.IsZero() {
		t.Fatal("SubmitMany did not stamp a zero CreatedAt")
	}
	if r3.BatchID != "batch-many" || r4.BatchID != "batch-many" {
		t.Fatalf("batch runs: BatchID %q, %q; want batch-many", r3.BatchID, r4.BatchID)
	}
	b, err := s.GetBatch(ctx, "batch-many")
	must(t, err)
	if fmt.Sprint(b.RunIDs) != fmt.Sprint([]string{r3.ID, r4.ID}) {
		t.Fatalf("batch runs %v, want %v", b.RunIDs, []string{r3.ID, r4.ID})
	}
	for _, p := range []*papersum.Paper{p1, p2} {
		got, err := s.GetPaper(ctx, p.ID)
		must(t, err)
		if got.Title != p.Title || got.WordCount() != p.WordCount() {
			t.Fatalf("paper %s stored as %q (%d words), want %q (%d)", p.ID, got.Title, got.WordCount(), p.Title, p.WordCount())
		}
	}
	wantNoRun(t, s, replay.ID, twin.ID)

	// A paper given again with other content is left as stored, as with
	// PutPaper.
	changed := newPaper(p1.ID)
	changed.Title = "another title"
	r5 := queuedRun("run-many-5", p1.ID, at)
	_, err = s.SubmitMany(ctx, []*papersum.Submission{{Papers: []*papersum.Paper{changed}, Runs: []*papersum.Run{r5}}}, (&enqueuer[TTx]{o: o}).enqueue)
	must(t, err)
	got, err := s.GetPaper(ctx, p1.ID)
	must(t, err)
	if got.Title != p1.Title {
		t.Fatalf("paper %s retitled %q by a later submission, want %q kept", p1.ID, got.Title, p1.Title)
	}

	// Only answered submissions: enqueue is not called.
	e3 := &enqueuer[TTx]{o: o}
	existing, err = s.SubmitMany(ctx, []*papersum.Submission{
		{Runs: []*papersum.Run{queuedRun("run-many-replay-2", old.ID, at)}, IdempotencyKey: "key-prev", Team: "team-a", RequestHash: "hash-prev"},
	}, e3.enqueue)
	must(t, err)
	if len(existing) != 1 || existing[0] != prev.ID {
		t.Fatalf("SubmitMany of a replay = %q, want [%s]", existing, prev.ID)
	}
	e3.wantCalls(t)

	_, err = s.SubmitMany(ctx, nil, e3.enqueue)
	wantCode(t, err, papersum.EINVALID)
}

// testSubmitManyAllOrNothing: one bad submission, or a failed enqueue,
// leaves nothing of any submission stored, papers included.
func testSubmitManyAllOrNothing[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	old := putPaper(t, s, "sha256:many-none-old")
	taken := createRun(t, s, "run-many-taken", old.ID, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	fresh := func() (*papersum.Paper, []*papersum.Submission) {
		p := newPaper("sha256:many-none-new")
		return p, []*papersum.Submission{
			{Papers: []*papersum.Paper{p}, Runs: []*papersum.Run{queuedRun("run-many-ok", p.ID, at)}},
			{Runs: []*papersum.Run{queuedRun("run-many-ok-2", old.ID, at)}, Batch: &papersum.SubmissionBatch{ID: "batch-many-none"},
				IdempotencyKey: "key-many-none", Team: "team-a", RequestHash: "hash-many-none"},
		}
	}
	wantNothing := func(t *testing.T, p *papersum.Paper) {
		t.Helper()
		wantNoRun(t, s, "run-many-ok", "run-many-ok-2", "run-many-bad")
		wantNoBatch(t, s, "batch-many-none")
		if _, err := s.GetPaper(ctx, p.ID); papersum.ErrorCode(err) != papersum.ENOTFOUND {
			t.Fatalf("paper %s of a rolled-back SubmitMany: GetPaper = %v, want %s", p.ID, err, papersum.ENOTFOUND)
		}
	}

	cases := map[string]*papersum.Submission{
		"existing run ID":  {Runs: []*papersum.Run{queuedRun(taken.ID, old.ID, at)}},
		"paper not stored": {Runs: []*papersum.Run{queuedRun("run-many-bad", "sha256:nowhere", at)}},
		"key reused":       {Runs: []*papersum.Run{queuedRun("run-many-bad", old.ID, at)}, IdempotencyKey: "key-many-none", Team: "team-a", RequestHash: "other"},
		"invalid":          {Runs: []*papersum.Run{{ID: "run-many-bad", PaperID: old.ID, Status: papersum.RunSucceeded}}},
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			p, subs := fresh()
			e := &enqueuer[TTx]{o: o}
			_, err := s.SubmitMany(ctx, append(subs, bad), e.enqueue)
			if err == nil {
				t.Fatal("SubmitMany with a bad submission succeeded")
			}
			wantNothing(t, p)
		})
	}

	p, subs := fresh()
	failure := errors.New("river: insert failed")
	e := &enqueuer[TTx]{o: o, err: failure, probe: "sha256:probe-many-none"}
	_, err := s.SubmitMany(ctx, subs, e.enqueue)
	if !errors.Is(err, failure) {
		t.Fatalf("SubmitMany = %v, want enqueue's error", err)
	}
	e.wantCalls(t, []string{"run-many-ok", "run-many-ok-2"})
	e.wantProbe(t, s, false)
	wantNothing(t, p)

	// The same submissions go through afterwards: no key or paper was kept
	// half-stored.
	_, subs = fresh()
	existing, err := s.SubmitMany(ctx, subs, (&enqueuer[TTx]{o: o}).enqueue)
	must(t, err)
	if fmt.Sprint(existing) != fmt.Sprint([]string{"", ""}) {
		t.Fatalf("SubmitMany after a rollback: existing %q, want none", existing)
	}
}

// testCreateRuns: several finished runs in one transaction, all or none.
func testCreateRuns[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:create-runs")
	at := time.Date(2026, 3, 3, 4, 5, 6, 7, zone)
	cachedRun := func(id string) *papersum.Run {
		r := newRun(id, p.ID, at)
		r.Status, r.Cached = papersum.RunSucceeded, true
		r.Summary = "cached summary of " + id
		fin := at.Add(time.Millisecond)
		r.FinishedAt = &fin
		return r
	}
	runs := []*papersum.Run{cachedRun("run-cr-1"), cachedRun("run-cr-2"), cachedRun("run-cr-3")}
	runs[2].CreatedAt = time.Time{}
	// A run's hit count and last hit round-trip as given.
	lastHit := at.Add(time.Hour)
	runs[1].CacheHits, runs[1].LastHitAt = 3, &lastHit
	must(t, s.CreateRuns(ctx, runs))
	for _, r := range runs {
		got, err := s.GetRun(ctx, r.ID)
		must(t, err)
		diffRun(t, got, r)
	}
	if runs[2].CreatedAt.IsZero() {
		t.Fatal("CreateRuns did not stamp a zero CreatedAt")
	}

	for name, bad := range map[string]*papersum.Run{
		"existing run ID":  cachedRun("run-cr-1"),
		"paper not stored": newRun("run-cr-bad", "sha256:nowhere", at),
		"same ID twice":    cachedRun("run-cr-ok"),
		"invalid":          {ID: "run-cr-bad", PaperID: p.ID, Status: "exploded"},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.CreateRuns(ctx, []*papersum.Run{cachedRun("run-cr-ok"), bad})
			if err == nil {
				t.Fatal("CreateRuns with a bad run succeeded")
			}
			wantNoRun(t, s, "run-cr-ok", "run-cr-bad")
		})
	}
	wantCode(t, s.CreateRuns(ctx, nil), papersum.EINVALID)
}
