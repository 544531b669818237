package events

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pause"
)

// Default values of ConsumerConfig.
const (
	DefaultPapersTopic     = "papers"
	DefaultGroup           = "papersum"
	DefaultMaxPollRecords  = 100
	DefaultRetryMinBackoff = 200 * time.Millisecond
	DefaultRetryMaxBackoff = 30 * time.Second
	DefaultCommitTimeout   = 10 * time.Second
)

// Handler processes one paper message. It must be idempotent with respect
// to msg.ID, because the Consumer delivers at least once: the same message
// can arrive again after a crash, a failed commit or a rebalance.
//
// A nil return commits the record. An error wrapped by Permanent skips it
// as poison; any other error retries the same record with backoff, so a
// handler that fails forever stalls its partition (by design: skipping
// would lose the message).
type Handler func(ctx context.Context, msg PaperMessage) error

// ConsumerConfig configures a Consumer. Zero values take the documented
// defaults.
type ConsumerConfig struct {
	// Brokers are the seed brokers ("host:port"). Required.
	Brokers []string
	// Topic is the topic of paper messages. Default "papers".
	Topic string
	// Group is the consumer group; every replica of the service uses the
	// same group so that each message goes to one of them. Default
	// "papersum".
	Group string
	// DLQTopic, when set (conventionally "papers.dlq"), receives poison
	// records unchanged, with headers saying why and where they came
	// from. Default "": poison records are logged and skipped.
	DLQTopic string
	// MaxMessageBytes bounds a paper message; larger records are poison.
	// Default DefaultMaxMessageBytes (1 MiB).
	MaxMessageBytes int
	// MaxPollRecords bounds the records handled between two commits, and
	// so the records delivered again after a crash. Default 100.
	MaxPollRecords int
	// RetryMinBackoff and RetryMaxBackoff bound the wait before retrying a
	// failed Handler call (or a failed dead-letter produce); the wait
	// doubles per attempt, with jitter. Defaults 200ms and 30s.
	RetryMinBackoff time.Duration
	RetryMaxBackoff time.Duration
	// CommitTimeout bounds an offset commit, including the last one made
	// during shutdown after the context is canceled. Default 10s.
	CommitTimeout time.Duration
	// Logger receives the consumer's logs. Default: discard.
	Logger *slog.Logger
	// ClientOpts are extra franz-go options appended after the
	// consumer's own (tests shorten timeouts with them). Options that
	// change commit behaviour break the delivery guarantee.
	ClientOpts []kgo.Opt
}

func (c ConsumerConfig) withDefaults() ConsumerConfig {
	if c.Topic == "" {
		c.Topic = DefaultPapersTopic
	}
	if c.Group == "" {
		c.Group = DefaultGroup
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.MaxPollRecords == 0 {
		c.MaxPollRecords = DefaultMaxPollRecords
	}
	if c.RetryMinBackoff == 0 {
		c.RetryMinBackoff = DefaultRetryMinBackoff
	}
	if c.RetryMaxBackoff == 0 {
		c.RetryMaxBackoff = max(DefaultRetryMaxBackoff, c.RetryMinBackoff)
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = DefaultCommitTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c ConsumerConfig) validate() error {
	switch {
	case len(c.Brokers) == 0:
		return papersum.Errorf(papersum.EINVALID, "kafka consumer: no brokers")
	case c.DLQTopic == c.Topic:
		return papersum.Errorf(papersum.EINVALID, "kafka consumer: dead-letter topic %q is the consumed topic", c.DLQTopic)
	case c.MaxMessageBytes < 0, c.MaxPollRecords < 0, c.CommitTimeout < 0:
		return papersum.Errorf(papersum.EINVALID, "kafka consumer: negative limit")
	case c.RetryMinBackoff < 0, c.RetryMaxBackoff < c.RetryMinBackoff:
		return papersum.Errorf(papersum.EINVALID, "kafka consumer: retry backoff must satisfy 0 <= min <= max")
	}
	return nil
}

// Consumer reads paper messages from a consumer group and hands them to a
// Handler, at least once. Records are handled one at a time, in offset
// order per partition: the Handler only enqueues a job, so parallelism
// belongs to the job queue, and strict order keeps the commit rule simple
// (an offset is committed only when every record before it succeeded).
type Consumer struct {
	cfg     ConsumerConfig
	handler Handler
	log     *slog.Logger
}

// NewConsumer validates cfg. It does not connect; Run does.
//
// Errors: EINVALID for a bad configuration or a nil handler.
func NewConsumer(cfg ConsumerConfig, h Handler) (*Consumer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "kafka consumer: nil handler")
	}
	return &Consumer{cfg: cfg, handler: h, log: cfg.Logger.With("topic", cfg.Topic, "group", cfg.Group)}, nil
}

// Run consumes until ctx is canceled, then commits what was handled,
// leaves the group and returns nil. Run may be called again after it
// returns; each call joins the group afresh.
//
// Commit rule: offsets are committed manually, after each poll, for the
// records whose Handler call returned nil (or that were skipped as
// poison). Rebalances are held back while a poll is being handled
// (BlockRebalanceOnPoll) so that a commit never lands for a partition
// this member no longer owns. The price: a Handler that keeps failing
// for longer than the group's rebalance timeout gets this member expelled
// from the group; its partitions then move on from the last commit, and
// this member's late commit is rejected, which costs duplicates, not
// messages.
//
// Errors: EINVALID if franz-go rejects the client options (ClientOpts).
func (c *Consumer) Run(ctx context.Context) error {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.cfg.Brokers...),
		kgo.ConsumerGroup(c.cfg.Group),
		kgo.ConsumeTopics(c.cfg.Topic),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		// A new group reads the topic from its start: messages
		// produced before the service first ran must not be lost.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.WithLogger(kgoLogger{c.cfg.Logger}),
		// Dead-letter produces must not hang shutdown on a dead
		// broker; see NewProducer. A duplicate in the DLQ is harmless.
		kgo.AllowIdempotentProduceCancellation(),
	}
	cl, err := kgo.NewClient(append(opts, c.cfg.ClientOpts...)...)
	if err != nil {
		return &papersum.Error{Code: papersum.EINVALID, Message: "kafka consumer: bad client options", Op: "events.Consumer.Run", Err: err}
	}
	// Offsets are committed explicitly before this point, so closing
	// (which revokes every partition) needs no commit of its own.
	defer cl.CloseAllowingRebalance()
	c.log.Info("kafka consumer started")
	defer c.log.Info("kafka consumer stopped")

	for {
		fetches := cl.PollRecords(ctx, c.cfg.MaxPollRecords)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			// Records in this poll were not handled and are not
			// committed; the next owner of their partitions gets them.
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			c.log.Warn("kafka fetch error", "fetch_topic", topic, "partition", partition, "err", err)
		})
		var done []*kgo.Record
		for it := fetches.RecordIter(); !it.Done(); {
			r := it.Next()
			if err := c.process(ctx, cl, r); err != nil {
				break // shutting down; r and later records stay uncommitted
			}
			done = append(done, r)
		}
		c.commit(ctx, cl, done)
		cl.AllowRebalance()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// commit commits the handled records. It runs on a context detached from
// ctx's cancellation so that the work done before a shutdown is saved.
// A failed commit is logged, not fatal: the records come back as
// duplicates, which the Handler absorbs.
func (c *Consumer) commit(ctx context.Context, cl *kgo.Client, done []*kgo.Record) {
	if len(done) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.CommitTimeout)
	defer cancel()
	if err := cl.CommitRecords(cctx, done...); err != nil {
		c.log.Warn("kafka commit failed; the records will be delivered again", "records", len(done), "err", err)
		return
	}
	c.log.Debug("kafka offsets committed", "records", len(done))
}

// process handles one record until it succeeds or is skipped as poison.
// It returns an error only when ctx ends first.
func (c *Consumer) process(ctx context.Context, cl *kgo.Client, r *kgo.Record) error {
	log := c.log.With("partition", r.Partition, "offset", r.Offset)
	msg, err := DecodePaperMessage(r.Value, c.cfg.MaxMessageBytes)
	if err != nil {
		return c.poison(ctx, cl, r, log, err)
	}
	log = log.With("message_id", msg.ID)
	for attempt := 1; ; attempt++ {
		err := c.call(ctx, msg)
		if err == nil {
			return nil
		}
		if IsPermanent(err) {
			return c.poison(ctx, cl, r, log, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := c.backoff(attempt)
		log.Warn("paper message handler failed; retrying", "attempt", attempt, "wait", wait, "err", err)
		if err := pause.For(ctx, wait); err != nil {
			return err
		}
	}
}

// call runs the Handler, turning a panic into an error so that one bad
// message cannot take the service down; the record is retried like any
// other failure.
func (c *Consumer) call(ctx context.Context, msg PaperMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return c.handler(ctx, msg)
}

// Header keys set on dead-letter records.
const (
	HeaderDLQError     = "papersum-dlq-error"
	HeaderDLQTopic     = "papersum-dlq-topic"
	HeaderDLQPartition = "papersum-dlq-partition"
	HeaderDLQOffset    = "papersum-dlq-offset"
)

// poison skips a record that can never be handled, so that it does not
// block its partition. With a dead-letter topic the record is kept there;
// that produce is retried like a Handler failure, because committing
// past a record that reached neither the Handler nor the DLQ would lose
// it.
func (c *Consumer) poison(ctx context.Context, cl *kgo.Client, r *kgo.Record, log *slog.Logger, cause error) error {
	log.Warn("skipping poison paper message", "dlq", c.cfg.DLQTopic, "bytes", len(r.Value), "err", cause)
	if c.cfg.DLQTopic == "" {
		return nil
	}
	dlq := &kgo.Record{
		Topic: c.cfg.DLQTopic,
		Key:   r.Key,
		Value: r.Value,
		Headers: append(append([]kgo.RecordHeader(nil), r.Headers...),
			kgo.RecordHeader{Key: HeaderDLQError, Value: []byte(papersum.ErrorMessage(cause))},
			kgo.RecordHeader{Key: HeaderDLQTopic, Value: []byte(r.Topic)},
			kgo.RecordHeader{Key: HeaderDLQPartition, Value: []byte(strconv.Itoa(int(r.Partition)))},
			kgo.RecordHeader{Key: HeaderDLQOffset, Value: []byte(strconv.FormatInt(r.Offset, 10))},
		),
	}
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, c.cfg.CommitTimeout)
		err := produceWait(pctx, cl, dlq)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := c.backoff(attempt)
		log.Warn("dead-letter produce failed; retrying", "attempt", attempt, "wait", wait, "err", err)
		if err := pause.For(ctx, wait); err != nil {
			return err
		}
	}
}

// backoff returns the wait before retry attempt (1-based): a random
// point in the upper half of a ceiling that doubles per attempt, so that
// replicas retrying the same dependency do not retry in step, yet every
// wait is at least half the ceiling.
func (c *Consumer) backoff(attempt int) time.Duration {
	ceil := c.cfg.RetryMinBackoff
	for i := 1; i < attempt && ceil < c.cfg.RetryMaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.cfg.RetryMaxBackoff)
	if ceil <= 0 {
		return 0
	}
	return ceil/2 + rand.N(ceil/2+1)
}
