package depwait

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestClassifyDriverErrors reads the errors pgx and go-redis really return
// when the server is not there or refuses the connection.
func TestClassifyDriverErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := closedPort(t)
	_, err := pgx.Connect(ctx, "postgres://u@"+addr+"/db?connect_timeout=5")
	expectCause(t, "pgx, closed port", err, Refused)

	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	expectCause(t, "go-redis, closed port", rdb.Ping(ctx).Err(), Refused)

	_, err = pgx.Connect(ctx, "postgres://u@no-such-host.invalid:5432/db?connect_timeout=5")
	if c, ok := Classify(err); !ok || (c != DNS && c != Timeout) {
		t.Errorf("pgx, unknown host: Classify(%v) = %q, %v; want DNS failure (or timeout without a resolver)", err, c, ok)
	}

	// Answers a server sends during the handshake.
	expectCause(t, "postgres bad password", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28P01"}), Auth)
	expectCause(t, "postgres no database", &pgconn.PgError{Code: "3D000"}, NoDatabase)
	expectCause(t, "postgres starting up", &pgconn.PgError{Code: "57P03"}, Unreachable)
	expectCause(t, "deadline", fmt.Errorf("ping: %w", context.DeadlineExceeded), Timeout)
}

// TestClassifyRealServers asks the CI servers for a database that does not
// exist and with a password they do not take.
func TestClassifyRealServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Database = "papersum_no_such_database"
		_, err = pgx.ConnectConfig(ctx, cfg)
		expectCause(t, "postgres, missing database", err, NoDatabase)
	}
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		opt.MaxRetries = -1
		bad := *opt
		bad.DB = 100000
		rdb := redis.NewClient(&bad)
		expectCause(t, "redis, DB index out of range", rdb.Ping(ctx).Err(), NoDatabase)
		rdb.Close()
		bad = *opt
		bad.Username, bad.Password = "papersum-no-such-user", "wrong"
		rdb = redis.NewClient(&bad)
		expectCause(t, "redis, wrong password", rdb.Ping(ctx).Err(), Auth)
		rdb.Close()
	}
}

func expectCause(t *testing.T, what string, err error, want Cause) {
	t.Helper()
	got, ok := Classify(err)
	if !ok || got != want {
		t.Errorf("%s: Classify(%v) = %q, %v; want %q", what, err, got, ok, want)
	}
}

func TestClassifyOthers(t *testing.T) {
	for _, err := range []error{nil, errors.New("syntax error"), context.Canceled,
		&pgconn.PgError{Code: "42P01"}, redis.Nil} {
		if c, ok := Classify(err); ok {
			t.Errorf("Classify(%v) = %q, want unclassified", err, c)
		}
	}
}

var errConnRefused error = syscall.ECONNREFUSED

var errRefused = fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", errConnRefused)})

func fast(timeout time.Duration) Config {
	return Config{Name: "postgres", Timeout: timeout, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
}

func TestWaitRetriesUntilReachable(t *testing.T) {
	var calls, failures atomic.Int32
	cfg := fast(time.Minute)
	var causes []Cause
	cfg.OnFailure = func(c Cause, _ error) { failures.Add(1); causes = append(causes, c) }
	err := Wait(context.Background(), cfg, func(context.Context) error {
		if calls.Add(1) < 4 {
			return errRefused
		}
		return nil
	})
	if err != nil || calls.Load() != 4 || failures.Load() != 3 {
		t.Fatalf("Wait = %v after %d calls, %d failures; want nil after 4 calls and 3 failures", err, calls.Load(), failures.Load())
	}
	for _, c := range causes {
		if c != Refused {
			t.Errorf("cause %q, want %q", c, Refused)
		}
	}
}

func TestWaitReturnsOtherErrorsAtOnce(t *testing.T) {
	calls := 0
	bad := errors.New("migration 3 failed")
	err := Wait(context.Background(), fast(time.Minute), func(context.Context) error { calls++; return bad })
	if !errors.Is(err, bad) || calls != 1 {
		t.Fatalf("Wait = %v after %d calls; want the error after 1 call", err, calls)
	}
}

func TestWaitGivesUpAfterTimeout(t *testing.T) {
	err := Wait(context.Background(), fast(30*time.Millisecond), func(context.Context) error { return errRefused })
	var gu *GaveUpError
	if !errors.As(err, &gu) || gu.Cause != Refused || gu.Attempts < 1 || !errors.Is(err, errConnRefused) {
		t.Fatalf("Wait = %#v; want a GaveUpError with cause %q wrapping the last error", err, Refused)
	}
	if !strings.Contains(err.Error(), "postgres unavailable for 30ms") {
		t.Errorf("message %q", err)
	}
}

func TestWaitStopsWithCaller(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Wait(ctx, fast(time.Hour), func(context.Context) error {
		calls++
		if calls == 3 {
			cancel()
		}
		return errRefused
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v; want context.Canceled", err)
	}
	var gu *GaveUpError
	if errors.As(err, &gu) {
		t.Fatal("a stopped caller is not a dependency that gave up")
	}
}

func TestWaitConfig(t *testing.T) {
	for _, cfg := range []Config{{Timeout: time.Second}, {Name: "x"}, {Name: "x", Timeout: time.Second, MinBackoff: time.Second, MaxBackoff: time.Millisecond}} {
		if err := Wait(context.Background(), cfg, func(context.Context) error { return nil }); err == nil {
			t.Errorf("Wait(%+v) accepted an invalid config", cfg)
		}
	}
}
