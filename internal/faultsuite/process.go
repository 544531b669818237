package faultsuite

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is a child process whose output is kept for the test to read.
type Process struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	// exited is closed when the process has ended; err is then what Wait
	// returned.
	exited chan struct{}
	err    error
}

// Start starts name with args and env (added to a minimal environment:
// PATH and HOME), keeping its stdout and stderr together.
func Start(name string, env []string, args ...string) (*Process, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}, env...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(p.out, sc.Text())
		}
		_, _ = io.Copy(io.Discard, pipe)
		close(copied)
	}()
	go func() {
		<-copied
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Output is everything the process printed so far.
func (p *Process) Output() string { return p.out.String() }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is what Wait returned; valid once Exited is closed.
func (p *Process) Err() error { return p.err }

// ExitCode is the process's exit code, -1 while it runs or when a signal
// ended it.
func (p *Process) ExitCode() int {
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Signal sends sig and waits up to wait for the process to end (not at
// all when wait is 0). It reports an error when the process outlives
// wait.
func (p *Process) Signal(sig syscall.Signal, wait time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: signal %v: %w", p.name, sig, err)
	}
	if wait == 0 {
		return nil
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("%s (pid %d) still runs %s after %v", p.name, p.cmd.Process.Pid, wait, sig)
	}
}

// Kill ends the process with SIGKILL and waits for it.
func (p *Process) Kill() { _ = p.Signal(syscall.SIGKILL, time.Minute) }

// WaitOutput waits until the output matches found (which returns what
// it extracted, "" for not yet), the process ends, or timeout passes.
func (p *Process) WaitOutput(timeout time.Duration, found func(out string) string) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if s := found(p.Output()); s != "" {
			return s, nil
		}
		select {
		case <-p.exited:
			if s := found(p.Output()); s != "" {
				return s, nil
			}
			return "", fmt.Errorf("%s ended (%v) before it was ready:\n%s", p.name, p.err, tail(p.Output(), 40))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s not ready within %s:\n%s", p.name, timeout, tail(p.Output(), 40))
		}
	}
}

// FreePort returns a loopback TCP port that nothing listens on now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// syncBuffer is a bytes.Buffer written by one goroutine and read by
// others.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
