package papersum

import (
	"context"
	"testing"
)

// The caller's key travels in the context; a context without one (work
// done inside papersum) has none.
func TestCallerContext(t *testing.T) {
	if k := CallerFromContext(context.Background()); k != nil {
		t.Fatalf("caller of a bare context = %+v", k)
	}
	k := &APIKey{ID: "k1", Team: "t"}
	if got := CallerFromContext(NewContextWithCaller(context.Background(), k)); got != k {
		t.Fatalf("caller = %+v, want %+v", got, k)
	}
}

// fakeTx is a transaction type of a store in the tests.
type fakeTx struct{ id int }

type fakeTxStore struct{ tx *fakeTx }

func (f fakeTxStore) Submit(ctx context.Context, s *Submission, enqueue EnqueueTx[*fakeTx]) (string, error) {
	ex, err := f.SubmitMany(ctx, []*Submission{s}, enqueue)
	if err != nil {
		return "", err
	}
	return ex[0], nil
}

func (f fakeTxStore) SubmitMany(ctx context.Context, subs []*Submission, enqueue EnqueueTx[*fakeTx]) ([]string, error) {
	var ids []string
	for _, s := range subs {
		for _, r := range s.Runs {
			ids = append(ids, r.ID)
		}
	}
	return make([]string, len(subs)), enqueue(ctx, f.tx, ids)
}

type fakeInserter struct {
	got  *fakeTx
	runs []string
	err  error
}

func (f *fakeInserter) EnqueueManyTx(_ context.Context, tx *fakeTx, runIDs []string) ([]int64, error) {
	f.got, f.runs = tx, runIDs
	return make([]int64, len(runIDs)), f.err
}

// BindJobs hands the store's own transaction to the queue, typed, and
// passes the queue's error back to the store (which then rolls back).
func TestBindJobs(t *testing.T) {
	tx := &fakeTx{id: 7}
	jobs := &fakeInserter{}
	sub := BindJobs[*fakeTx](fakeTxStore{tx: tx}, jobs)
	if _, err := sub.SubmitMany(context.Background(), []*Submission{{Runs: []*Run{{ID: "r1"}, {ID: "r2"}}}}); err != nil {
		t.Fatal(err)
	}
	if jobs.got != tx || len(jobs.runs) != 2 || jobs.runs[1] != "r2" {
		t.Fatalf("queue got tx %v and runs %v", jobs.got, jobs.runs)
	}
	jobs.err = Errorf(EUNAVAILABLE, "queue down")
	if _, err := sub.SubmitMany(context.Background(), []*Submission{{Runs: []*Run{{ID: "r3"}}}}); ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("err = %v, want the queue's EUNAVAILABLE", err)
	}
}
