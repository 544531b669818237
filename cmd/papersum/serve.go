package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/depwait"
	"github.com/papersum/papersum/events"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/service"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/telemetry"
)

// serveFlags are the settings of `papersum serve`.
type serveFlags struct {
	addr            string
	redisURL        string
	kafkaBrokers    []string
	kafkaGroup      string
	papersTopic     string
	summariesTopic  string
	workers         int
	jobTimeout      time.Duration
	rescueAfter     time.Duration
	maxWait         time.Duration
	shutdownTimeout time.Duration
	startupTimeout  time.Duration
	runDeadline     time.Duration
	rpm             int
	// ratelimitFallback is the rate limiter's policy while Redis is down:
	// a ratelimit.Policy.
	ratelimitFallback string
	tokensPerDay      int64
	fetchHosts        []string
	cacheEntries      int
	cacheTTL          time.Duration
	maxBytes          int64
	debugAddr         string
	metricsAddr       string
	commitWriters     int
	maxTeams          int
	// allowPrivate lets fetches and callbacks reach loopback and private
	// addresses. Tests need it; production must not.
	allowPrivate bool
	// roles are --role and --migrate (roles.go).
	roles roleFlags
	drift driftServeFlags
}

func newServeCmd(e *env, g *globalFlags) *cobra.Command {
	f := &serveFlags{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP API with its job queue and workers",
		Long: `serve runs papersum as a service: the HTTP API (v1) on --addr, a durable job
queue (River) and its workers, in one process.

With no flags it is self-contained: SQLite (the same --db as the other
commands), an in-process result cache and rate limiter, and the pipeline of
--config (the local engine by default). At scale, run several replicas with
the same flags:

  --database-url  PostgreSQL for the store and the queue
  --redis-url     shared result cache and rate limits
  --kafka-brokers consume the "papers" topic, publish to "summaries"

Every endpoint except the probes, the OpenAPI document and the signed
webhook needs an API key: create one with
'papersum keys create --team T --user U --scope write' and send it as
"Authorization: Bearer psk_...". The OpenAPI document is served at
/api/v1/openapi.json without a key, and Prometheus metrics at /metrics
(read scope) and, with --metrics-addr, without a key on a listener of
their own for an internal network.

Secrets come from the environment, never from flags:
  PAPERSUM_WEBHOOK_SECRET   whsec_... key of POST /webhook/paper-published
                            (the route is off without it)
  PAPERSUM_CALLBACK_SECRET  whsec_... key that signs completion callbacks
                            (callback_url is refused without it)

Roles (--role): all (the default) does everything in one process; api takes
requests and enqueues their jobs, working none; worker works the jobs and
serves only the probes and /metrics. Each then scales on its own signal.
With --migrate=false, start-up applies no migration and waits for
'papersum migrate' (a Job or a Helm hook) to apply them.

SIGINT or SIGTERM drains: /readyz turns 503, in-flight requests finish,
running jobs get --shutdown-timeout to end and are requeued otherwise.

When a dependency fails:
  Postgres down at start  serve listens at once (/api/v1/health 200;
                          /startupz and /readyz 503 with the store's
                          cause: connection refused, DNS failure,
                          authentication failed, missing database,
                          timeout), logs each attempt with its cause and
                          retries with backoff (0.5s doubling to 10s).
                          Other requests wait up to 5s, then 503 with
                          Retry-After. It gives up after --startup-timeout
                          with exit code 69; a signal meanwhile stops it
                          cleanly (exit 0).
  Postgres lost later     /readyz 503 (store, and workers once their lease
                          cannot be renewed: within 5s); requests that
                          need the store answer 503 with Retry-After: 5.
                          Jobs resume when it is back.
  Redis down (at start or later)
                          serve starts and keeps serving, degraded:
                          /readyz 200 with status "degraded" and the redis
                          check's cause; the cache answers misses; rate
                          limits follow --ratelimit-fallback:
                            local   each process limits on its own (the
                                    default): with N replicas a key may get
                                    N times its limit until Redis is back;
                                    each key starts from the level Redis
                                    last reported to this process, not from
                                    a full bucket
                            open    no limit until Redis is back
                            closed  keyed requests answer 503 with
                                    Retry-After: 5 until Redis is back
                          pipeline_degraded_decisions_total{component,
                          policy} counts each such answer. Redis is used
                          again as soon as it answers.

Exit codes: 0 stopped by a signal; 1 bad configuration; 2 wrong usage;
3 internal error; 69 a dependency (Postgres) still unreachable after
--startup-timeout.

A server that dies (even kill -9) is told from a slow one by its worker
lease, which a live server renews every 5s: its running jobs run again, on
a new attempt, as soon as a restarted server starts on the same host, and
within about 35s (the 30s lease and a 5s check) on any other replica. A
job of a live server is never taken, however long it runs. --rescue-after
is only the backstop for jobs whose worker holds no lease.`,
		Example: `  papersum keys create --team research --user ana --scope write
  papersum serve --addr 127.0.0.1:8080
  curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"text": "..."}' 'http://127.0.0.1:8080/api/v1/summaries?wait=30s'
  curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/pdf' --data-binary @paper.pdf http://127.0.0.1:8080/api/v1/summaries
  papersum serve --database-url postgres://postgres@127.0.0.1:5432/papersum --redis-url redis://127.0.0.1:6379`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return serve(c.Context(), e, g, f)
		},
	}
	f.register(c.Flags())
	return c
}

func serve(ctx context.Context, e *env, g *globalFlags, f *serveFlags) error {
	if f.workers < 1 {
		return &usageError{msg: "--workers must be at least 1"}
	}
	if f.commitWriters < 0 {
		return &usageError{msg: "--commit-writers must be 0 (automatic) or more"}
	}
	if f.maxTeams < 1 {
		return &usageError{msg: "--metrics-max-teams must be at least 1"}
	}
	g.skipMigrations = !f.roles.migrate
	if err := f.checkDurations(); err != nil {
		return err
	}
	logger := newServeLogger(e, g)
	// go-redis logs pool failures through one process-wide logger, to
	// stderr without structure unless told otherwise.
	redis.SetLogger(redisLogger{logger})
	cfg, err := loadConfig(g, e.getenv)
	if err != nil {
		return err
	}
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		return err
	}
	defer deps.closeTracing(e)
	// The metrics listener is opened first, so that an address that
	// cannot be used fails before the queue starts.
	var metricsLn net.Listener
	if f.metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", f.metricsAddr); err != nil {
			return papersum.Errorf(papersum.EINVALID, "--metrics-addr: %v", err)
		}
		defer metricsLn.Close()
	}

	// The API listens before the dependencies are reached: while they
	// are awaited the probes say so and the liveness probe answers, so
	// an orchestrator neither routes traffic nor restarts the process.
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return papersum.Errorf(papersum.EUNAVAILABLE, "listen on %s: %v", f.addr, err)
	}
	progress := newStartProgress()
	starting, err := httpapi.NewStarting(httpapi.StartingConfig{Checks: progress.checks, Logger: logger})
	if err != nil {
		ln.Close()
		return err
	}
	httpSrv := &http.Server{Handler: starting, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	// The address is printed on its own line so that scripts and tests
	// that ask for port 0 can find the port.
	fmt.Fprintf(e.stderr, "papersum: listening on http://%s\n", ln.Addr())

	s, err := startServer(ctx, e, g, f, cfg, deps, logger, progress)
	if err != nil {
		_ = httpSrv.Close()
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			logger.Info("stopped while starting")
			return nil
		}
		return err
	}
	defer s.close()
	s.http = httpSrv
	return s.run(ctx, starting, errc, metricsLn)
}

// register declares the flags of serve on fl, with their defaults and
// limits, filling f.
func (f *serveFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port; the address is logged)")
	fl.StringVar(&f.redisURL, "redis-url", "", "Redis for the shared result cache and rate limits, e.g. redis://127.0.0.1:6379 (default $PAPERSUM_REDIS_URL, else in-process)")
	fl.StringSliceVar(&f.kafkaBrokers, "kafka-brokers", nil, "Kafka seed brokers host:port,... (default $PAPERSUM_KAFKA_BROKERS, else no Kafka)")
	fl.StringVar(&f.kafkaGroup, "kafka-group", "papersum", "Kafka consumer group of the papers topic")
	fl.StringVar(&f.papersTopic, "kafka-papers-topic", events.DefaultPapersTopic, "topic of papers to summarize")
	fl.StringVar(&f.summariesTopic, "kafka-summaries-topic", events.DefaultSummariesTopic, "topic finished runs are published to")
	fl.IntVar(&f.workers, "workers", queue.DefaultWorkers, "jobs run at once by this process")
	fl.DurationVar(&f.jobTimeout, "job-timeout", queue.DefaultJobTimeout, "longest a job may run before it is cancelled and retried")
	fl.DurationVar(&f.rescueAfter, "rescue-after", 0, "backstop for jobs whose worker holds no lease: how long such a job may stay running before it is run again; must exceed --job-timeout (default --job-timeout + 5m; a dead server's jobs are found by its lease within 35s)")
	fl.DurationVar(&f.maxWait, "max-wait", httpapi.DefaultMaxWait, "cap on ?wait= of submissions")
	fl.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long shutdown waits for requests and jobs to finish")
	fl.DurationVar(&f.startupTimeout, "startup-timeout", defaultStartupTimeout, "how long start-up waits for the database before it exits with code 69")
	fl.StringVar(&f.ratelimitFallback, "ratelimit-fallback", string(ratelimit.PolicyLocal), "what the rate limiter does while Redis is down: local (per-process limits), open (no limit) or closed (503 with Retry-After)")
	fl.DurationVar(&f.runDeadline, "run-deadline", service.DefaultRunDeadline, "how long after its first start a run whose model provider fails transiently (rate limit, overload, 5xx, timeout, lost connection, open circuit) waits in the queue for it, retried with backoff, before it fails")
	fl.IntVar(&f.rpm, "rate-limit-rpm", 600, "requests per minute per API key (0: no limit)")
	fl.Int64Var(&f.tokensPerDay, "rate-limit-tokens-per-day", 0, "model tokens per day per API key (0: no limit)")
	fl.StringSliceVar(&f.fetchHosts, "fetch-allow-host", fetch.DefaultAllowedHosts, "hosts papers may be fetched from by URL")
	fl.IntVar(&f.cacheEntries, "cache-entries", 10000, "entries of the in-process result cache (without --redis-url)")
	fl.DurationVar(&f.cacheTTL, "cache-ttl", service.DefaultCacheTTL, "how long a result stays cached")
	fl.Int64Var(&f.maxBytes, "max-bytes", ingest.DefaultMaxBytes, "largest paper accepted, in bytes")
	fl.IntVar(&f.commitWriters, "commit-writers", 0, "store transactions of submissions (and of cache hits) open at once; requests arriving meanwhile share the next one (0: 1 on SQLite, 2 on Postgres)")
	fl.IntVar(&f.maxTeams, "metrics-max-teams", telemetry.DefaultMaxTeams, "distinct team label values of the metrics: teams with an API key, oldest first, then as they appear; the rest count as \"other\"")
	fl.StringVar(&f.debugAddr, "debug-addr", "", "address of a second listener with Go's profiler (/debug/pprof/); keep it on loopback (default: off)")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "address of a second listener that serves /metrics without an API key, for an internal network; the API's /metrics (read key) stays (default: off)")
	f.drift.register(fl)
	fl.BoolVar(&f.allowPrivate, "insecure-allow-private", false, "let URL fetches and callbacks reach loopback and private addresses (tests only)")
	_ = fl.MarkHidden("insecure-allow-private")
	f.roles.register(fl)
	limitFlags(fl, intIn("workers", 1, 1024, ""), intIn("rate-limit-rpm", 1, 1_000_000, "no limit"),
		intIn("rate-limit-tokens-per-day", 1, noMax, "no limit"), intIn("cache-entries", 1, 10_000_000, ""),
		maxBytesFlag(), intIn("commit-writers", 1, 64, "1 on SQLite, 2 on Postgres"),
		durationIn("job-timeout", time.Second, 24*time.Hour, ""), durationIn("max-wait", time.Second, time.Hour, ""),
		durationIn("shutdown-timeout", 0, time.Hour, ""), durationIn("cache-ttl", time.Second, 365*24*time.Hour, ""),
		intIn("metrics-max-teams", 1, 10_000, ""), durationIn("rescue-after", time.Second, 30*24*time.Hour, "--job-timeout + 5m"),
		durationIn("startup-timeout", time.Second, 24*time.Hour, ""), oneOf("ratelimit-fallback", policyNames()...),
		durationIn("run-deadline", time.Second, 30*24*time.Hour, ""))
}

// checkDurations refuses job and shutdown durations that the queue would
// refuse later in its own terms, naming the flags instead.
func (f *serveFlags) checkDurations() error {
	if f.jobTimeout <= 0 {
		return &usageError{msg: fmt.Sprintf("--job-timeout %s must be positive", f.jobTimeout)}
	}
	if f.rescueAfter < 0 {
		return &usageError{msg: fmt.Sprintf("--rescue-after %s must not be negative (0: --job-timeout + %s)", f.rescueAfter, queue.DefaultRescueMargin)}
	}
	if f.rescueAfter != 0 && f.rescueAfter <= f.jobTimeout {
		return &usageError{msg: fmt.Sprintf("--rescue-after %s must exceed --job-timeout %s: a job within its timeout may still be running on a live server (raise --rescue-after, lower --job-timeout, or leave --rescue-after unset for --job-timeout + %s)",
			f.rescueAfter, f.jobTimeout, queue.DefaultRescueMargin)}
	}
	if f.shutdownTimeout < 0 {
		return &usageError{msg: fmt.Sprintf("--shutdown-timeout %s must not be negative", f.shutdownTimeout)}
	}
	return nil
}

// serveMetrics serves metrics at /metrics on ln, the listener of
// --metrics-addr, without an API key: Prometheus in an internal network
// scrapes it without a secret to manage, while the public listener keeps
// its keyed /metrics. It returns a function that stops it.
func serveMetrics(ln net.Listener, metrics http.Handler, logger *slog.Logger) func() {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			logger.Warn("metrics listener", "err", err)
		}
	}()
	return func() { _ = srv.Close() }
}

// openServiceStore opens the store and the queue driver on the same
// database, so that a run and its job are written in one transaction.
func openServiceStore(ctx context.Context, g *globalFlags, getenv func(string) string) (papersum.Store, queue.Driver, error) {
	store, err := openStore(ctx, g, getenv)
	if err != nil {
		return nil, nil, err
	}
	switch db := store.(type) {
	case *sqlite.DB:
		return store, queue.SQLite(db.SQL()), nil
	case *postgres.DB:
		return store, queue.Postgres(db.Pool()), nil
	}
	_ = store.Close()
	return nil, nil, papersum.Errorf(papersum.EINTERNAL, "no job queue for store %T", store)
}

// bindJobs binds store to q: the service's submissions enqueue their jobs
// in the store's own transaction, typed as the store's driver types it.
func bindJobs(store papersum.Store, q *queue.Queue) (papersum.Submitter, error) {
	switch db := store.(type) {
	case *sqlite.DB:
		jobs, err := queue.JobsOf[*sql.Tx](q)
		if err != nil {
			return nil, err
		}
		return papersum.BindJobs(db, jobs), nil
	case *postgres.DB:
		jobs, err := queue.JobsOf[pgx.Tx](q)
		if err != nil {
			return nil, err
		}
		return papersum.BindJobs(db, jobs), nil
	}
	return nil, papersum.Errorf(papersum.EINTERNAL, "no job queue for store %T", store)
}

func newCacheAndLimiter(rdb *redis.Client, f *serveFlags, logger *slog.Logger, metrics *telemetry.Metrics) (cache.Cache, ratelimit.Limiter, error) {
	limits := ratelimit.PerKey(ratelimit.Limits{RequestsPerMinute: f.rpm, TokensPerDay: f.tokensPerDay}, nil)
	local, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: limits})
	if err != nil {
		return nil, nil, err
	}
	if rdb == nil {
		c, err := cache.NewLRU(cache.LRUConfig{MaxEntries: f.cacheEntries})
		return c, local, err
	}
	c, err := cache.NewRedis(rdb, cache.RedisConfig{Logger: logger, OnDegraded: func(op string) {
		policy := "miss"
		if op == "set" {
			policy = "skip"
		}
		metrics.DegradedDecision("cache", policy)
	}})
	if err != nil {
		return nil, nil, err
	}
	// What the limiter does while Redis is down is the operator's choice
	// (--ratelimit-fallback); the default, local, keeps a limit per
	// replica rather than none at all or none of the API.
	policy := ratelimit.Policy(f.ratelimitFallback)
	rcfg := ratelimit.RedisConfig{Limits: limits, Policy: policy, Logger: logger,
		OnDegraded: func(string) { metrics.DegradedDecision("ratelimit", string(policy)) }}
	if policy == ratelimit.PolicyLocal {
		rcfg.Fallback = local
	}
	l, err := ratelimit.NewRedis(rdb, rcfg)
	return c, l, err
}

// commitWriters is how many transactions of submissions the service may
// have open at once: SQLite has one connection, so one; Postgres commits
// a few side by side while the next ones gather.
func commitWriters(store papersum.Store) int {
	if _, ok := store.(*postgres.DB); ok {
		return postgresCommitWriters
	}
	return 1
}

// postgresCommitWriters is commitWriters on Postgres, measured with
// scripts/loadtest (see BENCHMARKS.md).
const postgresCommitWriters = 2

// readiness is /readyz: the store answers (its migrations ran when it was
// opened, or it would not have opened), the workers run and can fetch
// jobs, and a pipeline is configured. Redis, when configured, is checked
// as degraded: without it the server still serves (see serve --help).
func readiness(store papersum.Store, q *queue.Queue, runner *pipeline.Runner, rdb *redis.Client) func(context.Context) []httpapi.Check {
	return func(ctx context.Context) []httpapi.Check {
		_, err := store.ListRuns(ctx, papersum.RunFilter{Limit: 1})
		storeReason := causeOf(err)
		var workers error
		workersReason := ""
		if q != nil {
			workers = q.Healthy()
		}
		if workers != nil {
			workersReason = "not fetching jobs"
			if !q.Running() {
				workersReason = "not running"
			}
		}
		var providers error
		if runner == nil {
			providers = errors.New("no pipeline configured")
		}
		migrationsReason, migrations := migrationsCheck(ctx, store, err)
		checks := []httpapi.Check{{Name: "store", Err: err, Reason: storeReason}, {Name: "migrations", Err: migrations, Reason: migrationsReason},
			{Name: "workers", Err: workers, Reason: workersReason}, {Name: "providers", Err: providers}}
		if q == nil { // serve --role api runs no workers
			checks = append(checks[:2], checks[3:]...)
		}
		if rdb != nil {
			err := pingRedis(ctx, rdb)
			checks = append(checks, httpapi.Check{Name: "redis", Err: err, Reason: causeOf(err), Degraded: true})
		}
		return checks
	}
}

// migrationsPending is what a store that can tell its schema's version
// offers: both stores do.
type migrationsPending interface {
	MigrationsPending(ctx context.Context) (int, error)
}

// migrationsCheck checks that the schema has every migration this binary
// knows. When the store itself cannot be reached (storeErr), the store
// check says so and this one reports "not checked" rather than the same
// error twice.
func migrationsCheck(ctx context.Context, store papersum.Store, storeErr error) (reason string, err error) {
	if storeErr != nil {
		return "not checked", errors.New("not checked: the store is unreachable")
	}
	mp, ok := store.(migrationsPending)
	if !ok {
		return "", nil
	}
	n, err := mp.MigrationsPending(ctx)
	if err != nil {
		return causeOf(err), err
	}
	if n > 0 {
		return "schema behind", fmt.Errorf("%d migrations of this papersum not applied", n)
	}
	return "", nil
}

// causeOf is the probe's reason for a dependency's error: its depwait
// cause, or "" when it has none (or no error).
func causeOf(err error) string {
	cause, _ := depwait.Classify(err)
	return string(cause)
}

// redisPingTimeout bounds the Redis ping of start-up and of each /readyz:
// the cache's own timeout (250ms) is what a request would wait.
const redisPingTimeout = 250 * time.Millisecond

func pingRedis(ctx context.Context, rdb *redis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

// metricsHandler serves /metrics from reg, after reading the breakers'
// states. A breaker moves from open to half-open only when it is asked
// (gobreaker is lazy), so without calls its gauge would say open long
// after the open timeout; reading the states makes the move, which the
// breakers' OnStateChange hook reports to the gauge before the scrape.
func metricsHandler(breakers *llm.Breakers, reg prometheus.Gatherer) http.Handler {
	h := telemetry.Handler(reg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		breakers.States()
		h.ServeHTTP(w, r)
	})
}

// reportQueueDepth sets the queue-depth gauges every few seconds.
func reportQueueDepth(ctx context.Context, q *queue.Queue, m *telemetry.Metrics, logger *slog.Logger) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		counts, err := q.Counts(ctx)
		if err == nil {
			for state, n := range counts {
				m.SetQueueDepth(state, n)
			}
			err = reportOldestJob(ctx, q, m)
		}
		if err != nil && ctx.Err() == nil {
			logger.Warn("count queued jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func kafkaBrokers(f *serveFlags, getenv func(string) string) []string {
	if len(f.kafkaBrokers) > 0 {
		return f.kafkaBrokers
	}
	if v := getenv("PAPERSUM_KAFKA_BROKERS"); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func allPorts() []int {
	ports := make([]int, 0, 65535)
	for p := 1; p <= 65535; p++ {
		ports = append(ports, p)
	}
	return ports
}

// newServeLogger logs JSON lines at info level (debug with -v): a
// service's logs are read by machines first.
func newServeLogger(e *env, g *globalFlags) *slog.Logger {
	level := "info"
	if g.verbose {
		level = "debug"
	}
	l, err := telemetry.NewLogger(e.stderr, level, "json")
	if err != nil {
		return slog.New(slog.NewJSONHandler(e.stderr, nil))
	}
	return l
}
