package faultsuite

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Redis is a redis-server of the test's own on a loopback port, without
// persistence: after a kill and a restart it is empty, as a cache node
// that lost its memory.
type Redis struct {
	// Port is where it listens, the same after every restart.
	Port int
	dir  string
	proc *Process
}

// StartRedis starts redis-server on a free port, with dir as its working
// directory.
func StartRedis(dir string) (*Redis, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redis-server is not installed (apt-get install redis-server): %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, dir: dir}
	return r, r.Start()
}

// URL is the redis:// URL of the server.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d", r.Port) }

// Start starts the server (again) on its port and waits until it accepts
// commands.
func (r *Redis) Start() error {
	p, err := Start("redis-server", nil, "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err != nil {
		return err
	}
	r.proc = p
	_, err = p.WaitOutput(30*time.Second, func(out string) string {
		if strings.Contains(out, "Ready to accept connections") {
			return "ready"
		}
		return ""
	})
	if err != nil {
		p.Kill()
	}
	return err
}

// Kill ends the server with SIGKILL, as kill -9 does.
func (r *Redis) Kill() {
	if r.proc != nil {
		r.proc.Kill()
	}
}
