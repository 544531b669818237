package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/papersum/papersum"
)

const (
	testPartitions = 3
	testGroup      = "papersum-test"
)

// newCluster starts an in-process Kafka cluster with the service's topics.
func newCluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(testPartitions, DefaultPapersTopic, DefaultSummariesTopic, "papers.dlq"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// testWriter sends logs to t.Log so that they show only for failing tests.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newClient(t *testing.T, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	// Version 7 of OffsetFetch is the last one that names topics; pinning
	// keeps committedOffsets simple.
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.MaxVersions(kversion.V2_8_0())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produce writes raw values to topic, keyed by key(i).
func produce(t *testing.T, cl *kgo.Client, topic string, values ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rs []*kgo.Record
	for i, v := range values {
		rs = append(rs, &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i), Value: v})
	}
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func paperJSON(t *testing.T, id string) []byte {
	t.Helper()
	b, err := json.Marshal(PaperMessage{ID: id, Text: "Attention is all you need. " + id})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// committedOffsets returns the group's committed offset per partition of
// topic, -1 where nothing is committed.
func committedOffsets(t *testing.T, cl *kgo.Client, topic string) map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = testGroup
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic = topic
	for p := range int32(testPartitions) {
		rt.Partitions = append(rt.Partitions, p)
	}
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for p := range int32(testPartitions) {
		out[p] = -1
	}
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			out[p.Partition] = p.Offset
		}
	}
	return out
}

func sumCommitted(m map[int32]int64) int64 {
	var n int64
	for _, o := range m {
		n += max(o, 0)
	}
	return n
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startConsumer runs a Consumer in the background; the returned stop
// cancels it and waits for Run to return.
func startConsumer(t *testing.T, cfg ConsumerConfig, h Handler) (stop func()) {
	t.Helper()
	cn, err := NewConsumer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cn.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func consumerConfig(t *testing.T, c *kfake.Cluster) ConsumerConfig {
	return ConsumerConfig{
		Brokers:         c.ListenAddrs(),
		Group:           testGroup,
		RetryMinBackoff: 5 * time.Millisecond,
		RetryMaxBackoff: 50 * time.Millisecond,
		Logger:          testLogger(t),
	}
}

// idempotentSink is a handler keyed by message ID, like the service's job
// enqueue: it counts every delivery but applies the side effect once.
type idempotentSink struct {
	mu         sync.Mutex
	deliveries map[string]int
	applied    map[string]int
}

func newSink() *idempotentSink {
	return &idempotentSink{deliveries: map[string]int{}, applied: map[string]int{}}
}

func (s *idempotentSink) handle(_ context.Context, m PaperMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries[m.ID]++
	if s.applied[m.ID] == 0 {
		s.applied[m.ID]++
	}
	return nil
}

func (s *idempotentSink) counts() (distinct, deliveries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.deliveries {
		deliveries += n
	}
	return len(s.deliveries), deliveries
}

func TestRoundTrip(t *testing.T) {
	c := newCluster(t)
	admin := newClient(t, c)
	const n = 20
	var values [][]byte
	for i := range n {
		values = append(values, paperJSON(t, fmt.Sprintf("paper-%02d", i)))
	}
	produce(t, admin, DefaultPapersTopic, values...)

	p, err := NewProducer(ProducerConfig{Brokers: c.ListenAddrs(), Timeout: 5 * time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}

	sink := newSink()
	var published atomic.Int64
	handler := func(ctx context.Context, m PaperMessage) error {
		if err := sink.handle(ctx, m); err != nil {
			return err
		}
		// Stand in for a finished run: publish its summary.
		err := p.Publish(ctx, SummaryMessage{RunID: "run-" + m.ID, PaperID: "sha256:" + m.ID, PaperMessageID: m.ID,
			Status: StatusSucceeded, Summary: "summary of " + m.ID, CostUSD: 0.01, Models: []StageModel{},
			CompletedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
		if err == nil {
			published.Add(1)
		}
		return err
	}
	stop := startConsumer(t, consumerConfig(t, c), handler)
	waitFor(t, 20*time.Second, "all messages handled", func() bool { d, _ := sink.counts(); return d == n })
	waitFor(t, 10*time.Second, "offsets committed", func() bool { return sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)) == n })
	stop()

	reader := newClient(t, c, kgo.ConsumeTopics(DefaultSummariesTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := map[string]SummaryMessage{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(got) < int(published.Load()) && ctx.Err() == nil {
		reader.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			m, err := DecodeSummaryMessage(r.Value)
			if err != nil {
				t.Errorf("offset %d: %v", r.Offset, err)
				return
			}
			if string(r.Key) != m.PaperID {
				t.Errorf("record key %q, want paper id %q", r.Key, m.PaperID)
			}
			if len(r.Headers) != 1 || r.Headers[0].Key != HeaderSchema || string(r.Headers[0].Value) != SummarySchemaV1 {
				t.Errorf("headers %v, want the schema header", r.Headers)
			}
			got[m.PaperMessageID] = m
		})
	}
	if len(got) != n {
		t.Fatalf("read %d distinct summaries, want %d", len(got), n)
	}
	if m := got["paper-07"]; m.Schema != SummarySchemaV1 || m.Summary != "summary of paper-07" || m.RunID != "run-paper-07" {
		t.Errorf("summary of paper-07 = %+v", m)
	}
}

func TestHandlerFailsOnceThenCommitsAfterSuccess(t *testing.T) {
	c := newCluster(t)
	admin := newClient(t, c)
	produce(t, admin, DefaultPapersTopic, paperJSON(t, "only"))

	var calls atomic.Int32
	var committedDuringFailure map[int32]int64
	handler := func(ctx context.Context, m PaperMessage) error {
		if calls.Add(1) == 1 {
			committedDuringFailure = committedOffsets(t, admin, DefaultPapersTopic)
			return errors.New("queue database is down")
		}
		return nil
	}
	stop := startConsumer(t, consumerConfig(t, c), handler)
	waitFor(t, 20*time.Second, "offset committed", func() bool { return sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)) == 1 })
	stop()

	if got := calls.Load(); got != 2 {
		t.Errorf("handler called %d times, want 2 (one failure, one retry)", got)
	}
	if n := sumCommitted(committedDuringFailure); n != 0 {
		t.Errorf("offsets %v were committed while the handler was failing", committedDuringFailure)
	}

	// A new member of the group starts after the commit: no redelivery.
	sink := newSink()
	stop2 := startConsumer(t, consumerConfig(t, c), sink.handle)
	produce(t, admin, DefaultPapersTopic, paperJSON(t, "marker"))
	waitFor(t, 20*time.Second, "marker handled", func() bool { d, _ := sink.counts(); return d >= 1 })
	stop2()
	if _, total := sink.counts(); total != 1 || sink.deliveries["marker"] != 1 {
		t.Errorf("deliveries after restart = %v, want only the marker", sink.deliveries)
	}
}

func TestRestartMidStreamLosesNothing(t *testing.T) {
	c := newCluster(t)
	admin := newClient(t, c)
	const n = 60
	var values [][]byte
	for i := range n {
		values = append(values, paperJSON(t, fmt.Sprintf("p%03d", i)))
	}
	produce(t, admin, DefaultPapersTopic, values...)

	sink := newSink()
	cfg := consumerConfig(t, c)
	cfg.MaxPollRecords = 5 // several commits before the crash

	// The first consumer dies after applying the side effect of its 25th
	// message but before acknowledging it, as a crashed process would:
	// that message must come back, and the sink must absorb it.
	ctx1, crash := context.WithCancel(context.Background())
	defer crash()
	var seen atomic.Int32
	first, err := NewConsumer(cfg, func(ctx context.Context, m PaperMessage) error {
		if err := sink.handle(ctx, m); err != nil {
			return err
		}
		if seen.Add(1) == 25 {
			crash()
			return errors.New("process killed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx1) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("first consumer did not stop")
	}
	if got := sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)); got >= 25 {
		t.Fatalf("%d offsets committed, but the 25th message was never acknowledged", got)
	}

	stop := startConsumer(t, cfg, sink.handle)
	waitFor(t, 30*time.Second, "all messages handled", func() bool { d, _ := sink.counts(); return d == n })
	waitFor(t, 10*time.Second, "all offsets committed", func() bool { return sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)) == n })
	stop()

	sink.mu.Lock()
	defer sink.mu.Unlock()
	dups := 0
	for i := range n {
		id := fmt.Sprintf("p%03d", i)
		if sink.deliveries[id] < 1 {
			t.Errorf("%s was never delivered", id)
		}
		if sink.applied[id] != 1 {
			t.Errorf("%s applied %d times, want exactly once", id, sink.applied[id])
		}
		dups += sink.deliveries[id] - 1
	}
	if dups == 0 {
		t.Errorf("no message was delivered twice, yet one was handled and not acknowledged before the crash")
	}
	t.Logf("%d duplicate deliveries absorbed", dups)
}

func TestPoisonMessagesAreSkipped(t *testing.T) {
	c := newCluster(t)
	admin := newClient(t, c)
	produce(t, admin, DefaultPapersTopic,
		[]byte(`{"id": "broken"`),                                   // bad JSON
		[]byte(`{"id": "both", "text": "x", "url": "https://a.b"}`), // invalid
		paperJSON(t, "refused"),                                     // handler says permanent
		paperJSON(t, "good"),
	)
	// All records share key prefixes but land on different partitions;
	// count by value instead of by partition.
	var mu sync.Mutex
	var handled []string
	handler := func(_ context.Context, m PaperMessage) error {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, m.ID)
		if m.ID == "refused" {
			return Permanent(papersum.Errorf(papersum.EINVALID, "paper refused"))
		}
		return nil
	}
	cfg := consumerConfig(t, c)
	cfg.DLQTopic = "papers.dlq"
	stop := startConsumer(t, cfg, handler)
	waitFor(t, 20*time.Second, "all offsets committed", func() bool { return sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)) == 4 })
	stop()

	mu.Lock()
	if strings.Join(handled, ",") != "refused,good" && strings.Join(handled, ",") != "good,refused" {
		t.Errorf("handled %v, want refused and good once each", handled)
	}
	mu.Unlock()

	reader := newClient(t, c, kgo.ConsumeTopics("papers.dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var dlq []*kgo.Record
	for len(dlq) < 3 && ctx.Err() == nil {
		reader.PollFetches(ctx).EachRecord(func(r *kgo.Record) { dlq = append(dlq, r) })
	}
	if len(dlq) != 3 {
		t.Fatalf("dead-letter topic holds %d records, want 3", len(dlq))
	}
	for _, r := range dlq {
		h := map[string]string{}
		for _, kv := range r.Headers {
			h[kv.Key] = string(kv.Value)
		}
		if h[HeaderDLQTopic] != DefaultPapersTopic || h[HeaderDLQError] == "" || h[HeaderDLQOffset] == "" || h[HeaderDLQPartition] == "" {
			t.Errorf("dead-letter record %q has headers %v", r.Value, h)
		}
	}
}

func TestShutdownWhileHandlerFails(t *testing.T) {
	c := newCluster(t)
	admin := newClient(t, c)
	produce(t, admin, DefaultPapersTopic, paperJSON(t, "stuck"))
	var calls atomic.Int32
	stop := startConsumer(t, consumerConfig(t, c), func(context.Context, PaperMessage) error {
		calls.Add(1)
		return errors.New("always down")
	})
	waitFor(t, 20*time.Second, "retries", func() bool { return calls.Load() >= 3 })
	start := time.Now()
	stop()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	if got := sumCommitted(committedOffsets(t, admin, DefaultPapersTopic)); got != 0 {
		t.Errorf("a failing message was committed (%d offsets)", got)
	}
}

func TestProducerToStoppedClusterFailsInBoundedTime(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, DefaultSummariesTopic))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProducer(ProducerConfig{Brokers: c.ListenAddrs(), Timeout: time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	msg := SummaryMessage{RunID: "r1", PaperID: "sha256:abc", Status: StatusFailed, Error: "boom",
		Models: []StageModel{}, CompletedAt: time.Now()}
	if err := p.Publish(context.Background(), msg); err != nil {
		t.Fatalf("publish while the cluster is up: %v", err)
	}
	c.Close()

	start := time.Now()
	err = p.Publish(context.Background(), msg)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("publish to a stopped cluster succeeded")
	}
	if code := papersum.ErrorCode(err); code != papersum.EUNAVAILABLE {
		t.Errorf("code %q (%v), want %q", code, err, papersum.EUNAVAILABLE)
	}
	if elapsed > 5*time.Second {
		t.Errorf("publish took %s with a 1s timeout", elapsed)
	}
	t.Logf("failed after %s: %v", elapsed.Round(time.Millisecond), err)

	pctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := p.Ping(pctx); papersum.ErrorCode(err) != papersum.EUNAVAILABLE {
		t.Errorf("Ping = %v, want EUNAVAILABLE", err)
	}
}

func TestPublishRejectsInvalidMessage(t *testing.T) {
	p, err := NewProducer(ProducerConfig{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Publish(context.Background(), SummaryMessage{RunID: "r", Status: StatusSucceeded, CompletedAt: time.Now()})
	if papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("Publish without paper id = %v, want EINVALID", err)
	}
}

func TestConfigValidation(t *testing.T) {
	h := func(context.Context, PaperMessage) error { return nil }
	for name, cfg := range map[string]ConsumerConfig{
		"no brokers":      {},
		"dlq is source":   {Brokers: []string{"x:1"}, DLQTopic: DefaultPapersTopic},
		"backoff min>max": {Brokers: []string{"x:1"}, RetryMinBackoff: time.Second, RetryMaxBackoff: time.Millisecond},
		"negative poll":   {Brokers: []string{"x:1"}, MaxPollRecords: -1},
	} {
		if _, err := NewConsumer(cfg, h); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}}, nil); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("nil handler: err = %v, want EINVALID", err)
	}
	if _, err := NewProducer(ProducerConfig{}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("producer without brokers: err = %v, want EINVALID", err)
	}
}
