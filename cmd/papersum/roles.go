package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/depwait"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/sqlite"
)

// The roles of serve (--role): one process that does everything, or API
// replicas and worker replicas that scale apart, each on its own signal
// (requests and CPU for the API, the queue's depth for the workers).
const (
	// roleAll serves the API and works the jobs (the default).
	roleAll = "all"
	// roleAPI serves the API and the Kafka consumer: it takes requests
	// and enqueues their jobs, and works none.
	roleAPI = "api"
	// roleWorker works the jobs (summaries and completion webhooks) and
	// serves only the probes and /metrics.
	roleWorker = "worker"
)

// roleFlags are serve's flags of deployment: its role and whether it
// migrates the schema at start.
type roleFlags struct {
	role    string
	migrate bool
}

func (r *roleFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&r.role, "role", roleAll, "what this process does: all (API and jobs), api (takes requests and enqueues their jobs; works none) or worker (works jobs; serves only the probes and /metrics)")
	fl.BoolVar(&r.migrate, "migrate", true, "apply the store's and the queue's migrations at start; with --migrate=false (a 'papersum migrate' Job applies them) start-up waits, up to --startup-timeout, for a schema that has them all, and /startupz and /readyz say \"schema behind\" meanwhile")
	limitFlags(fl, oneOf("role", roleAll, roleAPI, roleWorker))
}

// serves reports whether the role serves the API.
func (r *roleFlags) serves() bool { return r.role != roleWorker }

// works reports whether the role works jobs.
func (r *roleFlags) works() bool { return r.role != roleAPI }

// migrationPoll is how often start-up with --migrate=false reads the
// schema's version while it waits for 'papersum migrate'.
const migrationPoll = 2 * time.Second

// prepareSchema migrates the queue's tables (the store migrated itself
// when it was opened); with --migrate=false it does nothing (awaitSchema
// waited for 'papersum migrate').
func (s *server) prepareSchema(ctx context.Context) error {
	if !s.f.roles.migrate {
		return nil
	}
	return awaitDependency(ctx, "store", s.deadline, s.f.startupTimeout, s.log, s.progress, s.queue.Migrate)
}

// awaitSchema, with --migrate=false, waits until the schema has every
// migration of this binary (applied by 'papersum migrate'), up to
// --startup-timeout, showing "schema behind" on the start-up probes.
func (s *server) awaitSchema(ctx context.Context) error {
	if s.f.roles.migrate {
		return nil
	}
	mp, ok := s.store.(migrationsPending)
	if !ok {
		return nil
	}
	attempts := 0
	for {
		n, err := mp.MigrationsPending(ctx)
		if err == nil && n == 0 {
			return nil
		}
		cause := depwait.Cause("schema behind")
		if err != nil {
			c, ok := depwait.Classify(err)
			if !ok {
				return err
			}
			cause = c
		} else {
			err = fmt.Errorf("%d migrations of this papersum not applied: run 'papersum migrate'", n)
		}
		attempts++
		s.progress.failing("store", cause, err)
		if attempts == 1 || attempts%15 == 0 {
			s.log.Warn("waiting for the schema's migrations (started with --migrate=false)", "cause", string(cause), "err", err.Error())
		}
		if time.Now().After(s.deadline) {
			gu := &depwait.GaveUpError{Name: "database schema", Cause: cause, Timeout: s.f.startupTimeout, Attempts: attempts, Err: err}
			return &papersum.Error{Code: papersum.EUNAVAILABLE, Op: "serve", Err: gu,
				Message: fmt.Sprintf("the database schema still lacks migrations after --startup-timeout %s: %s (run 'papersum migrate', or serve without --migrate=false)", s.f.startupTimeout, papersum.ErrorMessage(err))}
		}
		t := time.NewTimer(migrationPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// workQueue is the queue readiness checks the workers of: none for the
// API role, which runs none.
func (s *server) workQueue() *queue.Queue {
	if !s.f.roles.works() {
		return nil
	}
	return s.queue
}

// newHandler is the handler of the role: the API, or for a worker only
// the probes and /metrics.
func (s *server) newHandler(deps httpapi.Deps) (http.Handler, error) {
	if !s.f.roles.serves() {
		return httpapi.NewProbeServer(deps)
	}
	return httpapi.NewServer(deps)
}

// migrateResult is what papersum migrate reports.
type migrateResult struct {
	// Store is the store's kind: sqlite or postgres.
	Store string `json:"store"`
	// Applied is how many of the store's migrations this run applied.
	Applied int `json:"applied"`
	// Queue is "migrated": River's tables and the table of worker leases
	// are at this binary's version (their migrations are idempotent).
	Queue string `json:"queue"`
}

func newMigrateCmd(e *env, g *globalFlags) *cobra.Command {
	var (
		format  string
		timeout time.Duration
	)
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the store's and the queue's migrations, then exit",
		Long: `migrate brings the database (--database-url's PostgreSQL schema, else the
SQLite --db file) to this papersum's schema: the store's migrations, then the
job queue's (River's tables and the table of worker leases). Every command
that opens the store migrates it too; migrate exists for a deployment that
runs it once, as a Job or a Helm pre-upgrade hook, before replicas started
with 'serve --migrate=false' roll out. Replicas that start meanwhile wait
for it (their /startupz says "schema behind").

Running it again changes nothing. Several at once are safe: each migration
is applied exactly once, under a lock.

It waits up to --timeout for the database to answer.

Exit codes: 0 migrated (or nothing to do); 1 the database is not papersum's,
or was migrated by a newer papersum; 2 wrong usage; 3 internal error;
69 the database still unreachable after --timeout.`,
		Example: `  papersum migrate --database-url postgres://papersum@db:5432/papersum
  papersum migrate --db ./papersum.db --format json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return argsError(c, fmt.Sprintf("migrate takes no arguments, got %q", args[0]))
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := migrate(c.Context(), e, g, timeout)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e.stdout, res)
			}
			_, err = fmt.Fprintf(e.stdout, "store (%s): %d migrations applied; schema current\nqueue: migrated\n", res.Store, res.Applied)
			return err
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	c.Flags().DurationVar(&timeout, "timeout", defaultStartupTimeout, "how long to wait for the database before exiting with code 69")
	limitFlags(c.Flags(), formatFlag("text", "json"), durationIn("timeout", time.Second, 24*time.Hour, ""))
	return c
}

// migrate applies the store's migrations, counting them, then the
// queue's.
func migrate(ctx context.Context, e *env, g *globalFlags, timeout time.Duration) (*migrateResult, error) {
	deadline := time.Now().Add(timeout)
	progress := newStartProgress()
	slogger := newServeLogger(e, g)
	res := &migrateResult{Queue: "migrated"}
	skip := *g
	skip.skipMigrations = true
	var (
		store  papersum.Store
		driver queue.Driver
	)
	open := func(g *globalFlags) error {
		return awaitDependency(ctx, "store", deadline, timeout, slogger, progress, func(ctx context.Context) error {
			var err error
			store, driver, err = openServiceStore(ctx, g, e.getenv)
			return err
		})
	}
	// First without migrating, to count what is pending.
	err := open(&skip)
	var behind *sqlite.SchemaBehindError
	switch {
	case errors.As(err, &behind):
		// SQLite refuses a database behind when told not to migrate;
		// opening it normally applies the pending ones.
		res.Applied = behind.Pending
		if err := open(g); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	defer store.Close()
	switch db := store.(type) {
	case *sqlite.DB:
		res.Store = "sqlite"
	case *postgres.DB:
		res.Store = "postgres"
		n, err := db.MigrationsPending(ctx)
		if err != nil {
			return nil, papersum.Errorf(papersum.EUNAVAILABLE, "read the schema's version: %v", err)
		}
		if err := db.Migrate(ctx); err != nil {
			return nil, err
		}
		res.Applied = n
	}
	q, err := queue.New(ctx, queue.Config{Driver: driver, Logger: slogger})
	if err != nil {
		return nil, err
	}
	if err := awaitDependency(ctx, "store", deadline, timeout, slogger, progress, q.Migrate); err != nil {
		return nil, err
	}
	return res, nil
}
