package faultsuite

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
)

// Postgres is a PostgreSQL cluster of the test's own: initdb in a
// temporary directory, served by pg_ctl on a loopback port. It runs as
// the postgres OS user when the test runs as root, since initdb and the
// server refuse to run as root.
type Postgres struct {
	// Port is where the server listens, the same after every restart.
	Port int
	bin  string // directory of initdb, pg_ctl, postgres
	data string
	log  string
	sock string
	// asUser is the OS user the binaries run as ("" for the test's own).
	asUser string
}

// InitPostgres creates a cluster under dir (which it makes readable by
// the postgres user) on a free port, with trust authentication for the
// role postgres. It does not start it.
func InitPostgres(dir string) (*Postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	pg := &Postgres{Port: port, bin: bin, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "server.log"),
		sock: filepath.Join(dir, "sock")}
	if os.Geteuid() == 0 {
		pg.asUser = "postgres"
		u, err := user.Lookup(pg.asUser)
		if err != nil {
			return nil, fmt.Errorf("initdb refuses to run as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The postgres user must reach the directory and own what the
		// server writes.
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		for _, d := range []string{pg.data, pg.sock} {
			if err := os.Mkdir(d, 0o700); err != nil {
				return nil, err
			}
			if err := os.Chown(d, uid, gid); err != nil {
				return nil, err
			}
		}
		if err := os.WriteFile(pg.log, nil, 0o600); err != nil {
			return nil, err
		}
		if err := os.Chown(pg.log, uid, gid); err != nil {
			return nil, err
		}
	} else if err := os.Mkdir(pg.sock, 0o700); err != nil {
		return nil, err
	}
	if out, err := pg.run("initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return pg, nil
}

// postgresBin finds the newest /usr/lib/postgresql/*/bin with initdb, or
// initdb on PATH.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH (apt-get install postgresql)")
}

// URL is the connection URL of database db.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

// Start starts the server and waits until it accepts connections.
// fsync is off: the suite crashes the server, not the machine, so the
// operating system still writes everything the server wrote, and a
// loaded CI machine is spared the flushes.
func (pg *Postgres) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", pg.Port, pg.sock)
	if out, err := pg.run("pg_ctl", "start", "-w", "-t", "120", "-D", pg.data, "-l", pg.log, "-o", opts); err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, pg.Log())
	}
	return nil
}

// Crash stops the server with `pg_ctl stop -m immediate`: every backend
// quits at once without a checkpoint, and the next start replays the WAL,
// as after a power cut of the database host.
func (pg *Postgres) Crash() error { return pg.stop("immediate") }

// Stop stops the server cleanly (fast mode); it is not an error if it is
// not running.
func (pg *Postgres) Stop() error {
	if !pg.Running() {
		return nil
	}
	return pg.stop("fast")
}

func (pg *Postgres) stop(mode string) error {
	if out, err := pg.run("pg_ctl", "stop", "-w", "-t", "120", "-D", pg.data, "-m", mode); err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %w\n%s", mode, err, out)
	}
	return nil
}

// Running reports whether the server runs (pg_ctl status).
func (pg *Postgres) Running() bool {
	_, err := pg.run("pg_ctl", "status", "-D", pg.data)
	return err == nil
}

// Log is the server's log so far.
func (pg *Postgres) Log() string {
	b, _ := os.ReadFile(pg.log)
	return tail(string(b), 40)
}

// run runs one of the cluster's binaries, as the postgres user when the
// test is root.
func (pg *Postgres) run(name string, args ...string) (string, error) {
	path := filepath.Join(pg.bin, name)
	var cmd *exec.Cmd
	if pg.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", pg.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = os.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
