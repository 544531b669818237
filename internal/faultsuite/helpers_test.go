package faultsuite_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/papersum/papersum/internal/faultsuite"
)

// ask sends one Messages call to the fake and returns its status.
func ask(u *faultsuite.Upstream) (int, error) {
	body := `{"model":"claude-haiku-4-5","max_tokens":300,"system":[{"type":"text","text":"Paper 1\n\nAbstract\n\nThe parser improves the model by 3 percent on the corpus."},{"type":"text","text":"Summarize in <summary> tags."}],"messages":[{"role":"user","content":"Summarize the paper."}]}`
	req, err := http.NewRequest("POST", u.URL()+"/v1/messages", bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "k")
	req.Header.Set("content-type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// The fake model API child answers, dies on SIGKILL without a word,
// comes back on the same port, and its count of answers survives both.
func TestUpstreamKillAndRestart(t *testing.T) {
	u, err := faultsuite.StartUpstream(os.Args[0], t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = u.Signal(syscall.SIGKILL) })
	answers := func(want int) {
		t.Helper()
		if n, err := u.Answers(); err != nil || n != want {
			t.Fatalf("answers %d (%v), want %d", n, err, want)
		}
	}
	if code, err := ask(u); err != nil || code != http.StatusOK {
		t.Fatalf("first call: %d %v", code, err)
	}
	answers(1)
	port := u.Port
	if err := u.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := ask(u); err == nil {
		t.Fatal("a killed fake answered")
	}
	answers(1)
	if err := u.Start(); err != nil {
		t.Fatal(err)
	}
	if code, err := ask(u); err != nil || code != http.StatusOK || u.Port != port {
		t.Fatalf("after the restart on port %d (was %d): %d %v", u.Port, port, code, err)
	}
	answers(2)
	if err := u.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
}

// redis-server of the test's own: killed, it refuses connections; started
// again, it answers on the same port, empty.
func TestRedisKillAndRestart(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	r, err := faultsuite.StartRedis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Kill)
	opt, _ := redis.ParseURL(r.URL())
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	r.Kill()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("a killed redis-server answered")
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "k").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after the restart GET k: %v, want an empty server", err)
	}
}

// A PostgreSQL cluster of the test's own survives a crash (pg_ctl stop -m
// immediate) with its committed rows. initdb takes seconds, so this runs
// with the suite.
func TestPostgresCrashAndStart(t *testing.T) {
	if os.Getenv(suiteEnv) != "1" {
		t.Skip("starts a PostgreSQL cluster: set " + suiteEnv + "=1 to run it (.ci/run does)")
	}
	dir, err := os.MkdirTemp("", "papersum-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg, err := faultsuite.InitPostgres(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	ctx := context.Background()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, pg.URL("postgres"))
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if err := pg.Crash(); err != nil {
		t.Fatal(err)
	}
	if pg.Running() || exec(`SELECT 1`) == nil {
		t.Fatal("the cluster still answers after the crash")
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := exec(`DO $$ BEGIN IF (SELECT count(*) FROM kept) <> 1 THEN RAISE 'lost the row'; END IF; END $$`); err != nil {
		t.Fatal(err)
	}
}
