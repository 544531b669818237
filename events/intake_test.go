package events

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum"
)

// fakeSummaries is the part of papersum.Summaries the intake calls.
type fakeSummaries struct {
	papersum.Summaries
	reqs []papersum.SubmitRequest
	err  error
}

func (f *fakeSummaries) Submit(_ context.Context, req papersum.SubmitRequest) (papersum.SubmitResult, error) {
	f.reqs = append(f.reqs, req)
	return papersum.SubmitResult{RunID: "run-1"}, f.err
}

// A paper message becomes one submission keyed by the message ID, with
// the run's Source naming the message; a refusal that retrying cannot fix
// is permanent, an outage is not.
func TestSubmitHandler(t *testing.T) {
	f := &fakeSummaries{}
	h := SubmitHandler(f)
	msg := PaperMessage{ID: "m1", Text: "paper", Title: "T", Team: "t1", CallbackURL: "https://cb.example/x"}
	if err := h(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	want := papersum.SubmitRequest{Text: "paper", Title: "T", CallbackURL: "https://cb.example/x", IdempotencyKey: "kafka:m1",
		Team: "t1", User: "kafka", Source: "kafka:m1"}
	if len(f.reqs) != 1 || f.reqs[0].Text != want.Text || f.reqs[0].IdempotencyKey != want.IdempotencyKey ||
		f.reqs[0].Source != want.Source || f.reqs[0].Team != want.Team || f.reqs[0].User != want.User ||
		f.reqs[0].CallbackURL != want.CallbackURL || f.reqs[0].Title != want.Title {
		t.Fatalf("submitted %+v, want %+v", f.reqs, want)
	}
	for code, permanent := range map[string]bool{papersum.EINVALID: true, papersum.ECONFLICT: true, papersum.EUNAVAILABLE: false} {
		f.err = papersum.Errorf(code, "refused")
		if err := h(context.Background(), msg); IsPermanent(err) != permanent || papersum.ErrorCode(err) != code {
			t.Errorf("%s: %v, permanent %v, want %v", code, err, IsPermanent(err), permanent)
		}
	}
}

// PublishSummary echoes the ID of the message that asked for the run, and
// refuses a run that has not finished.
func TestPublishSummary(t *testing.T) {
	c := newCluster(t)
	p, err := NewProducer(ProducerConfig{Brokers: c.ListenAddrs(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var _ papersum.SummaryPublisher = p
	done := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ctx := context.Background()
	if err := p.PublishSummary(ctx, &papersum.Run{ID: "r0", PaperID: "p", Status: papersum.RunRunning}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("running run: %v, want EINVALID", err)
	}
	for _, run := range []*papersum.Run{
		{ID: "r1", PaperID: "sha256:a", Status: papersum.RunSucceeded, Source: SourcePrefix + "m1", FinishedAt: &done},
		{ID: "r2", PaperID: "sha256:b", Status: papersum.RunFailed, Error: "boom", Source: "paper.txt", FinishedAt: &done},
	} {
		if err := p.PublishSummary(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	reader := newClient(t, c, kgo.ConsumeTopics(DefaultSummariesTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := map[string]string{}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(got) < 2 && rctx.Err() == nil {
		reader.PollFetches(rctx).EachRecord(func(r *kgo.Record) {
			m, err := DecodeSummaryMessage(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			got[m.RunID] = m.PaperMessageID
		})
	}
	if got["r1"] != "m1" || got["r2"] != "" || len(got) != 2 {
		t.Errorf("paper message IDs by run %v, want r1:m1 and r2 none", got)
	}
}
