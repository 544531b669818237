package queue

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// On Linux a process can tell for sure that another process of the same
// host and PID namespace is gone: /proc/<pid> is missing, is a zombie, or
// belongs to a later process that reused the PID (another start time).
// No library does this small check without pulling in much more
// (gopsutil), so it is written here.

// selfIdentity returns this process's host key (the kernel's boot ID and
// the PID namespace: processes compare PIDs only when both match), its PID
// and its start time in clock ticks since boot. ok is false when /proc
// does not show this process's own namespace, and then leases carry no
// host key and are judged by their expiry alone.
func selfIdentity() (host string, pid int, start string, ok bool) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", 0, "", false
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return "", 0, "", false
	}
	// A /proc mounted for another PID namespace would answer about other
	// processes than the PIDs this one sees.
	pid = os.Getpid()
	if self, err := os.Readlink("/proc/self"); err != nil || self != strconv.Itoa(pid) {
		return "", 0, "", false
	}
	_, start, err = procStat(pid)
	if err != nil {
		return "", 0, "", false
	}
	return strings.TrimSpace(string(boot)) + "/" + ns, pid, start, true
}

// processGone reports whether the process pid that started at start (as
// selfIdentity gives it) has ended. It must only be asked about a process
// of this host and PID namespace. On any doubt it says false: a live
// worker must never be taken for dead.
func processGone(pid int, start string) bool {
	if pid <= 0 {
		return false
	}
	state, now, err := procStat(pid)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	// Z: a zombie, dead but not yet reaped by its parent; X: dead.
	return now != start || state == "Z" || state == "X"
}

// procStat reads the state (field 3) and start time (field 22) of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// hold spaces and parentheses itself, so fields are counted after the last
// ')'.
func procStat(pid int) (state, start string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", "", err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", "", errors.New("queue: unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 {
		return "", "", errors.New("queue: short /proc stat")
	}
	return f[0], f[19], nil
}
