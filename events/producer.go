package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum"
)

// Default values of ProducerConfig.
const (
	DefaultSummariesTopic = "summaries"
	DefaultProduceTimeout = 10 * time.Second
)

// HeaderSchema carries the message schema on produced records, so that
// readers can route by schema without decoding the value.
const HeaderSchema = "papersum-schema"

// ProducerConfig configures a Producer. Zero values take the documented
// defaults.
type ProducerConfig struct {
	// Brokers are the seed brokers ("host:port"). Required.
	Brokers []string
	// Topic receives the summary messages. Default "summaries".
	Topic string
	// Timeout bounds one Publish, retries included, so that a caller
	// never hangs on a broker that is down. Default 10s.
	Timeout time.Duration
	// Logger receives the producer's logs. Default: discard.
	Logger *slog.Logger
	// ClientOpts are extra franz-go options appended after the
	// producer's own. Do not weaken acks or turn off idempotence: the
	// delivery guarantee relies on both.
	ClientOpts []kgo.Opt
}

// Producer publishes SummaryMessages. Writes wait for every in-sync
// replica (acks=all) and are idempotent (franz-go's default), so that a
// retried produce neither loses nor duplicates a record within one
// producer session. A Publish that fails may still have been written; the
// caller retries and readers dedupe on run_id.
type Producer struct {
	cfg ProducerConfig
	cl  *kgo.Client
	log *slog.Logger
}

// NewProducer creates the franz-go client; it connects lazily, on the
// first Publish or Ping.
//
// Errors: EINVALID for a bad configuration.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	if cfg.Topic == "" {
		cfg.Topic = DefaultSummariesTopic
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultProduceTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case len(cfg.Brokers) == 0:
		return nil, papersum.Errorf(papersum.EINVALID, "kafka producer: no brokers")
	case cfg.Timeout < 0:
		return nil, papersum.Errorf(papersum.EINVALID, "kafka producer: negative timeout")
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// The record timeout fails records that sit in the buffer
		// because no broker answers; without it they would wait for
		// the caller's context alone.
		kgo.RecordDeliveryTimeout(cfg.Timeout),
		// By default franz-go never fails a record that may be in
		// flight, so that idempotence holds; after a broker died
		// mid-request, a record abandoned by a timed-out Publish would
		// then stay buffered until the broker came back, and every
		// later record of its partition would queue behind it (seen
		// with kfake: minutes). Failing it costs at most a duplicate,
		// which readers must dedupe on run_id anyway.
		kgo.AllowIdempotentProduceCancellation(),
		kgo.WithLogger(kgoLogger{cfg.Logger}),
	}
	cl, err := kgo.NewClient(append(opts, cfg.ClientOpts...)...)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: "kafka producer: bad client options", Op: "events.NewProducer", Err: err}
	}
	return &Producer{cfg: cfg, cl: cl, log: cfg.Logger.With("topic", cfg.Topic)}, nil
}

// Publish validates msg and writes it keyed by its paper ID, so that all
// summaries of one paper land in one partition, in order. It returns once
// the brokers acknowledged the record or the timeout passed. An empty
// msg.Schema is set to SummarySchemaV1.
//
// Errors: EINVALID for an invalid message or one the cluster refuses (too
// large, not authorized); EUNAVAILABLE when the brokers cannot be reached
// or do not acknowledge within the timeout; EINTERNAL otherwise.
func (p *Producer) Publish(ctx context.Context, msg SummaryMessage) error {
	if msg.Schema == "" {
		msg.Schema = SummarySchemaV1
	}
	if err := msg.Validate(); err != nil {
		return err
	}
	value, err := json.Marshal(msg)
	if err != nil {
		return &papersum.Error{Code: papersum.EINTERNAL, Message: "summary message cannot be encoded", Op: "events.Producer.Publish", Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	rec := &kgo.Record{
		Key:     []byte(msg.PaperID),
		Value:   value,
		Headers: []kgo.RecordHeader{{Key: HeaderSchema, Value: []byte(msg.Schema)}},
	}
	err = produceWait(ctx, p.cl, rec)
	if err != nil {
		err = classify("events.Producer.Publish", err)
		p.log.Warn("summary publish failed", "run_id", msg.RunID, "code", papersum.ErrorCode(err), "err", err)
		return err
	}
	p.log.Debug("summary published", "run_id", msg.RunID, "partition", rec.Partition, "offset", rec.Offset)
	return nil
}

// Ping checks that a broker answers, for readiness probes.
//
// Errors: EUNAVAILABLE when no broker answers before ctx ends.
func (p *Producer) Ping(ctx context.Context) error {
	if err := p.cl.Ping(ctx); err != nil {
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "kafka is unreachable", Op: "events.Producer.Ping", Err: err}
	}
	return nil
}

// Close closes the connections. It flushes nothing: Publish waits for
// its record, so only records whose Publish already failed can still be
// buffered, and those are failed.
func (p *Producer) Close() {
	p.cl.Close()
}

// produceWait produces rec and waits for its acknowledgement or for ctx,
// whichever comes first. It exists instead of ProduceSync because
// franz-go fails a buffered record on timeout only when its sink next
// looks at it, which with a dead broker came seconds after the deadline
// (metadata refreshes are rate-limited). The record abandoned on ctx.Done
// is failed by franz-go later (its context is done); the buffered channel
// lets that promise complete with no reader.
func produceWait(ctx context.Context, cl *kgo.Client, rec *kgo.Record) error {
	done := make(chan error, 1)
	cl.Produce(ctx, rec, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
