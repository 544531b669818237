package queue

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcessGone(t *testing.T) {
	host, pid, start, ok := selfIdentity()
	if !ok || host == "" || pid != os.Getpid() || start == "" {
		t.Fatalf("selfIdentity() = %q, %d, %q, %v; want this process", host, pid, start, ok)
	}
	if processGone(pid, start) {
		t.Fatal("this process is taken for gone")
	}
	if !processGone(pid, "0") {
		t.Fatal("an earlier process with this PID (another start time) is taken for alive")
	}
	if processGone(0, "") || processGone(-1, "") {
		t.Fatal("no PID must never be taken for gone")
	}

	// A live child is alive; killed and not yet waited for, it is a
	// zombie: gone; waited for, its /proc entry is gone too.
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start a child process:", err)
	}
	child := cmd.Process.Pid
	_, childStart, err := procStat(child)
	if err != nil {
		t.Fatal(err)
	}
	if processGone(child, childStart) {
		t.Fatalf("a sleeping child %d is taken for gone", child)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		state, _, err := procStat(child)
		if err != nil {
			t.Fatal(err)
		}
		if state == "Z" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("killed child %d still in state %s after 10s", child, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !processGone(child, childStart) {
		t.Fatal("a zombie child is taken for alive")
	}
	_ = cmd.Wait() // "signal: killed"
	if !processGone(child, childStart) {
		t.Fatal("a reaped child is taken for alive")
	}
}
