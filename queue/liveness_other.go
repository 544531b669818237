//go:build !linux

package queue

// selfIdentity has no portable source outside Linux: leases carry no host
// key, and a dead worker is known by its lease's expiry alone.
func selfIdentity() (host string, pid int, start string, ok bool) { return "", 0, "", false }

// processGone is never asked without a host key; it says false, the safe
// answer.
func processGone(int, string) bool { return false }
