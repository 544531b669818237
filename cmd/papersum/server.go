package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly/watch"
	"github.com/papersum/papersum/apikey"
	"github.com/papersum/papersum/budget"
	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/driftwatch"
	"github.com/papersum/papersum/events"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/service"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/webhook"
)

// server is everything serve started, in the order it must stop. It is
// built in steps: open (the store and queue, metrics, Redis, the service
// and the API, each its own method), run (serve until ctx ends, then
// drain) and close.
type server struct {
	log      *slog.Logger
	http     *http.Server
	queue    *queue.Queue
	stopping chan struct{}
	closers  []func()
	// metrics serves the Prometheus registry, for --metrics-addr.
	metrics http.Handler
	// handler is the API, served once start-up is done.
	handler http.Handler

	// What the steps of open hand to each other.
	e        *env
	g        *globalFlags
	f        *serveFlags
	cfg      *config.Config
	deps     *pipelineDeps
	progress *startProgress
	store    papersum.Store
	runner   *pipeline.Runner
	reg      *prometheus.Registry
	telem    *telemetry.Metrics
	rdb      *redis.Client
	cache    cache.Cache
	limiter  ratelimit.Limiter
	fetcher  *fetch.Fetcher
	dialer   fetch.DialerConfig
	svc      *service.Service
	watcher  *watch.Watcher
	drift    *driftwatch.Monitor
	budgets  *budget.Enforcer
	// deadline is when start-up gives up waiting for a dependency: every
	// wait shares one --startup-timeout.
	deadline time.Time
}

// startServer opens a server from the flags and starts its queue,
// waiting up to --startup-timeout for the database and reporting its
// progress to the start-up probes. On error everything already opened is
// closed.
func startServer(ctx context.Context, e *env, g *globalFlags, f *serveFlags, cfg *config.Config, deps *pipelineDeps,
	logger *slog.Logger, progress *startProgress) (*server, error) {
	s := &server{log: logger, stopping: make(chan struct{}), e: e, g: g, f: f, cfg: cfg, deps: deps, progress: progress,
		deadline: time.Now().Add(f.startupTimeout)}
	if err := s.open(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// open runs the start-up steps in order.
func (s *server) open(ctx context.Context) error {
	driver, err := s.openStore(ctx)
	if err != nil {
		return err
	}
	if err := s.openMetrics(ctx); err != nil {
		return err
	}
	if err := s.openRedis(ctx); err != nil {
		return err
	}
	if err := s.openFetcher(); err != nil {
		return err
	}
	if err := s.openQueue(ctx, driver); err != nil {
		return err
	}
	if err := s.openAnomalies(ctx); err != nil {
		return err
	}
	if err := s.openDrift(ctx); err != nil {
		return err
	}
	if err := s.openBudgets(); err != nil {
		return err
	}
	if err := s.openService(); err != nil {
		return err
	}
	if err := s.openAPI(); err != nil {
		return err
	}
	return s.startWork(ctx)
}

// openStore opens the store (waiting for it up to --startup-timeout) and
// the pipeline runner on it, and returns the queue's driver on the same
// database.
func (s *server) openStore(ctx context.Context) (queue.Driver, error) {
	var driver queue.Driver
	err := awaitDependency(ctx, "store", s.deadline, s.f.startupTimeout, s.log, s.progress, func(ctx context.Context) error {
		var err error
		s.store, driver, err = openServiceStore(ctx, s.g, s.e.getenv)
		return err
	})
	if err != nil {
		return nil, err
	}
	store := s.store
	s.closers = append(s.closers, func() { _ = store.Close() })
	if err := s.awaitSchema(ctx); err != nil {
		return nil, err
	}
	if _, ok := store.(papersum.KeyStore); !ok {
		return nil, papersum.Errorf(papersum.EINTERNAL, "the store keeps no API keys")
	}
	s.runner, err = s.deps.runner(store, s.log, s.cfg)
	return driver, err
}

// openMetrics builds the Prometheus registry and the metrics, with the
// teams known to the key store.
func (s *server) openMetrics(ctx context.Context) error {
	s.reg = prometheus.NewRegistry()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	teams := newTeamDirectory(s.store.(papersum.KeyStore), papersum.SystemClock{})
	initialTeams, err := teams.teams(ctx)
	if err != nil {
		return err
	}
	s.telem, err = telemetry.NewMetrics(s.reg, telemetry.Config{Routes: httpapi.Routes(),
		Models: s.deps.models, Breakers: append([]telemetry.ModelRef{}, s.deps.breakerModels...),
		MaxTeams: s.f.maxTeams, KnownTeam: teams.known, QualityThreshold: s.cfg.Thresholds.Overall})
	if err != nil {
		return err
	}
	s.telem.AdmitTeams(initialTeams...)
	s.deps.observer.use(s.telem)
	return s.openGenAIMetrics()
}

// openRedis connects to Redis when one is configured, and builds the
// result cache and the rate limiter (on Redis, or in memory).
func (s *server) openRedis(ctx context.Context) error {
	if u := firstNonEmpty(s.f.redisURL, s.e.getenv("PAPERSUM_REDIS_URL")); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("--redis-url: %v", err)}
		}
		// One dial per call: the cache and the limiter answer a failed
		// call by their fallback within their own timeouts (250ms,
		// 100ms), which go-redis's five dial attempts 100ms apart would
		// only use up, turning "connection refused" into a timeout.
		opt.DialerRetries = 1
		rdb := redis.NewClient(opt)
		s.rdb = rdb
		s.closers = append(s.closers, func() { _ = rdb.Close() })
		// Redis down at start is what Redis down later is: degraded, not
		// fatal. The cache and the limiter use it as soon as it answers.
		if err := pingRedis(ctx, rdb); err != nil {
			s.log.Warn("redis unreachable at start; serving degraded until it answers (cache misses, rate limits per --ratelimit-fallback)",
				"dependency", "redis", "addr", opt.Addr, "cause", causeOf(err), "err", err.Error(), "ratelimit_fallback", s.f.ratelimitFallback)
		}
	}
	var err error
	s.cache, s.limiter, err = newCacheAndLimiter(s.rdb, s.f, s.log, s.telem)
	return err
}

// openFetcher builds the fetcher of papers given by URL, and the settings
// of the callback sender's dialer (the same SSRF rules).
func (s *server) openFetcher() error {
	fetcherCfg := fetch.Config{AllowedHosts: s.f.fetchHosts, MaxBytes: s.f.maxBytes}
	if s.f.allowPrivate {
		any := func(net.IP) bool { return true }
		fetcherCfg.AllowPrivateForTests, s.dialer.AllowPrivateForTests = any, any
		fetcherCfg.AllowedPorts = allPorts()
		s.dialer.AllowedPorts = fetcherCfg.AllowedPorts
	}
	var err error
	s.fetcher, err = fetch.New(fetcherCfg)
	return err
}

// openQueue builds the job queue on driver and migrates it (waiting for
// the database as openStore does); it starts in startWork.
func (s *server) openQueue(ctx context.Context, driver queue.Driver) error {
	// The queue is built first and handed the service's work when it
	// starts (StartWith): the service enqueues through it.
	q, err := queue.New(ctx, queue.Config{
		Driver:               driver,
		Logger:               s.log,
		Workers:              s.f.workers,
		JobTimeout:           s.f.jobTimeout,
		RescueStuckJobsAfter: s.f.rescueAfter,
		TracerProvider:       s.deps.tracerProvider(),
	})
	if err != nil {
		return err
	}
	s.queue = q
	if err := s.prepareSchema(ctx); err != nil {
		return err
	}
	s.progress.done("store")
	return nil
}

// openService builds the service with its completion webhook sender and
// Kafka producer.
func (s *server) openService() error {
	submissions, err := bindJobs(s.store, s.queue)
	if err != nil {
		return err
	}
	svcCfg := service.Config{
		Store: s.store.(service.Store), Submissions: submissions, Queue: s.queue, Runners: map[string]*pipeline.Runner{"": s.runner},
		Fetcher: s.fetcher, Ingest: ingest.Options{MaxBytes: s.f.maxBytes}, Cache: s.cache, CacheTTL: s.f.cacheTTL,
		Metrics: s.telem, Limiter: s.limiter, Logger: s.log, CommitWriters: s.f.commitWriters, RunDeadline: s.f.runDeadline,
		TracerProvider: s.deps.tracerProvider(),
		OnFinished:     s.finishedHooks(),
	}
	if secret := s.e.getenv("PAPERSUM_CALLBACK_SECRET"); secret != "" {
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return papersum.Errorf(papersum.EINVALID, "PAPERSUM_CALLBACK_SECRET: %v", err)
		}
		dialer, err := fetch.NewDialer(s.dialer)
		if err != nil {
			return err
		}
		sender, err := webhook.NewSender(webhook.SenderConfig{Secret: key, Client: &http.Client{Transport: dialer.Transport()},
			Record: webhook.RecordDeliveries(s.store.(service.Store), s.log)})
		if err != nil {
			return err
		}
		svcCfg.Deliverer = sender
	}
	if brokers := kafkaBrokers(s.f, s.e.getenv); len(brokers) > 0 {
		producer, err := events.NewProducer(events.ProducerConfig{Brokers: brokers, Topic: s.f.summariesTopic, Logger: s.log})
		if err != nil {
			return err
		}
		s.closers = append(s.closers, producer.Close)
		svcCfg.Publisher = producer
	}
	if svcCfg.CommitWriters == 0 {
		svcCfg.CommitWriters = commitWriters(s.store)
	}
	svc, err := service.New(svcCfg)
	if err != nil {
		return err
	}
	s.svc = svc
	s.closers = append(s.closers, svc.Close)
	return nil
}

// openAPI builds the HTTP API over the service, with the signed-webhook
// intake when a secret is set.
func (s *server) openAPI() error {
	var inbound http.Handler
	if secret := s.e.getenv("PAPERSUM_WEBHOOK_SECRET"); secret != "" {
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return papersum.Errorf(papersum.EINVALID, "PAPERSUM_WEBHOOK_SECRET: %v", err)
		}
		recv, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: [][]byte{key},
			Seen: webhook.NewMemorySeenStore(papersum.SystemClock{}), Handle: webhook.PaperPublishedHandler(s.svc, webhook.DefaultPaperTeam), Logger: s.log})
		if err != nil {
			return err
		}
		inbound = recv
	}
	auth, err := apikey.NewAuthenticator(s.store.(papersum.KeyStore), apikey.Options{})
	if err != nil {
		return err
	}
	s.metrics = metricsHandler(s.deps.breakers, s.reg)
	summaries, batches := s.guardSummaries()
	s.handler, err = s.newHandler(httpapi.Deps{
		Summaries: summaries, Batches: batches, Deliveries: s.svc, Auth: auth, Limiter: s.limiter,
		Readiness: readiness(s.store, s.workQueue(), s.runner, s.rdb), Metrics: s.telem, MetricsHandler: s.metrics,
		Webhook: inbound, MaxBodyBytes: s.f.maxBytes, MaxWait: s.f.maxWait, Stopping: s.stopping, Logger: s.log,
		CostReports: costReporter(s.store, s.deps.pricer),
	})
	s.handler = s.traced(s.handler)
	return err
}

// startWork starts the queue's workers on the service's handlers, the
// queue depth gauge, and the Kafka consumer when brokers are set.
func (s *server) startWork(ctx context.Context) error {
	if s.f.roles.works() {
		if err := s.queue.StartWith(ctx, queue.Handlers{Summarize: s.svc.Work, Callback: s.svc.Deliver}); err != nil {
			return err
		}
	}
	s.progress.done("workers")
	go reportQueueDepth(ctx, s.queue, s.telem, s.log)
	if brokers := kafkaBrokers(s.f, s.e.getenv); len(brokers) > 0 && s.f.roles.serves() {
		consumer, err := events.NewConsumer(events.ConsumerConfig{Brokers: brokers, Topic: s.f.papersTopic,
			Group: s.f.kafkaGroup, Logger: s.log}, events.SubmitHandler(s.svc))
		if err != nil {
			return err
		}
		go func() {
			if err := consumer.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("kafka consumer stopped", "err", err)
			}
		}()
	}
	return nil
}

// run serves the API (handing it to starting, which has answered the
// probes since the listener opened) until ctx ends or the HTTP server
// fails (errc), then drains requests and jobs within --shutdown-timeout.
// The profiler and the --metrics-addr listener run alongside.
func (s *server) run(ctx context.Context, starting *httpapi.Starting, errc <-chan error, metricsLn net.Listener) error {
	if s.f.debugAddr != "" {
		stop, err := serveDebug(s.f.debugAddr, s.log)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(s.e.stderr, "papersum: profiler on http://%s/debug/pprof/\n", s.f.debugAddr)
	}
	if metricsLn != nil {
		defer serveMetrics(metricsLn, s.metrics, s.log)()
		fmt.Fprintf(s.e.stderr, "papersum: metrics on http://%s/metrics\n", metricsLn.Addr())
	}
	starting.Ready(s.handler)
	s.log.Info("started")
	select {
	case err := <-errc:
		return papersum.Errorf(papersum.EUNAVAILABLE, "http server: %v", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests and jobs", "timeout", s.f.shutdownTimeout.String())
	close(s.stopping)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.f.shutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(sctx); err != nil {
		s.log.Warn("http shutdown", "err", err)
	}
	if s.f.roles.works() {
		if err := s.queue.Stop(sctx); err != nil {
			s.log.Warn("queue shutdown", "err", err)
		}
	}
	s.log.Info("stopped")
	return nil
}

// close stops what open started, last first.
func (s *server) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// finishedHooks is the service's OnFinished: the anomaly watcher, drift
// detection, then the budget thresholds, each when it is on (nil when
// none is).
func (s *server) finishedHooks() func(context.Context, *papersum.Run) {
	var hooks []func(context.Context, *papersum.Run)
	for _, h := range []func(context.Context, *papersum.Run){s.onFinished(), s.driftHook(), s.budgetHook()} {
		if h != nil {
			hooks = append(hooks, h)
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	return func(ctx context.Context, run *papersum.Run) {
		for _, h := range hooks {
			h(ctx, run)
		}
	}
}
