package queue

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/papersum/papersum/internal/faultproxy"
	"github.com/papersum/papersum/internal/pgtest"
)

// failingRenew is a lease store whose renewals fail while down is set.
type failingRenew struct {
	leaseStore
	down bool
}

func (s *failingRenew) renew(ctx context.Context, l lease, now *time.Time, ttl time.Duration) (bool, error) {
	if s.down {
		return false, errors.New("connection refused")
	}
	return s.leaseStore.renew(ctx, l, now, ttl)
}

// TestHealthyFollowsTheHeartbeat: the workers are reported unhealthy from
// the first failed renewal of the lease to the next one that succeeds.
func TestHealthyFollowsTheHeartbeat(t *testing.T) {
	db := freshSQLite(t)
	d, _ := db.open(t)
	q := newQueue(t, d, manualLease(newFakeClock()))
	if err := q.Healthy(); !errors.Is(err, errNotRunning) {
		t.Fatalf("before Start: %v, want not running", err)
	}
	start(t, q)
	if err := q.Healthy(); err != nil {
		t.Fatalf("started: %v", err)
	}
	store := &failingRenew{leaseStore: q.lease.store, down: true}
	q.lease.store = store
	q.lease.renew(context.Background())
	if err := q.Healthy(); err == nil {
		t.Fatal("healthy after a failed renewal")
	}
	store.down = false
	q.lease.renew(context.Background())
	if err := q.Healthy(); err != nil {
		t.Fatalf("after a renewal that succeeded: %v", err)
	}
}

// TestHealthyThroughPostgresOutage runs the heartbeat against a real
// Postgres behind a proxy the test cuts and restores.
func TestHealthyThroughPostgresOutage(t *testing.T) {
	dbURL := pgtest.URL(t)
	schema := pgtest.Schema(t, dbURL)
	direct, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.New(t, net.JoinHostPort(direct.ConnConfig.Host, strconv.Itoa(int(direct.ConnConfig.Port))), false)
	cfg := direct.Copy()
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = "127.0.0.1", uint16(portOf(t, proxy.Addr()))
	// pgx falls back to the URL's own address (sslmode=prefer tries TLS,
	// then plain): every attempt must go through the proxy.
	cfg.ConnConfig.Fallbacks = nil
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	ctx := context.Background()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	qcfg := manualLease(newFakeClock())
	qcfg.Driver = Postgres(pool)
	qcfg.Logger = testLogger()
	qcfg.Handler = func(context.Context, string) error { return nil }
	q, err := New(ctx, qcfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	if err := q.Healthy(); err != nil {
		t.Fatalf("started: %v", err)
	}
	proxy.Cut()
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	q.lease.renew(rctx)
	cancel()
	if err := q.Healthy(); err == nil {
		t.Fatal("healthy with the database cut off")
	}
	proxy.Restore()
	// The first renewals may draw pooled connections the cut killed;
	// each failed one is dropped from the pool, so a few renewals (one
	// per 5s in a server) make it healthy again.
	for range 10 {
		rctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		q.lease.renew(rctx)
		cancel()
		if q.Healthy() == nil {
			return
		}
	}
	t.Fatalf("database back: %v", q.Healthy())
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
