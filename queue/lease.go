package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"time"
)

// Defaults of the worker lease (see Config.LeaseTTL).
const (
	// DefaultLeaseTTL is how long a worker's lease lasts without renewal:
	// a process on another host that dies has its running jobs made
	// available again within DefaultLeaseTTL + the reap interval (35s).
	DefaultLeaseTTL = 30 * time.Second
	// leaseIntervalDivisor makes the default renew and reap intervals
	// LeaseTTL/6 (5s by default): a live worker renews six times per
	// lease, so it keeps its lease through a database stall of five of
	// them.
	leaseIntervalDivisor = 6
)

// leaser keeps this process's lease and rescues the jobs of dead workers.
//
// Why a lease of papersum's own: River takes a job back from a dead
// process only when it has been running for RescueStuckJobsAfter, which
// must exceed JobTimeout (15m), and only from its leader, every 30s. It
// cannot tell a dead worker from a slow one, so it must wait for the
// longest job. A lease that live workers renew tells them apart: a job
// whose worker's lease expired belongs to a dead process, however short
// its run; a job whose worker renews is never taken, however long it
// runs. River's rescuer stays as the backstop for jobs of workers without
// a lease (older versions).
type leaser struct {
	q     *Queue
	store leaseStore
	self  lease

	mu     sync.Mutex
	cancel context.CancelFunc // stops the loops; nil when not running
	done   sync.WaitGroup
	// renewErr is the error of the last renewal, nil when it succeeded:
	// the heartbeat of Queue.Healthy. A worker whose lease cannot be
	// renewed cannot fetch jobs either (both are statements on the same
	// database).
	renewErr error
}

// setRenewErr records the outcome of a renewal.
func (l *leaser) setRenewErr(err error) {
	l.mu.Lock()
	l.renewErr = err
	l.mu.Unlock()
}

// lastRenewErr is the error of the last renewal.
func (l *leaser) lastRenewErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.renewErr
}

// newClientID is River's default client ID (host and start time) with a
// random suffix, so that two processes started at the same microsecond
// on hosts of the same name still differ.
func newClientID(now time.Time) string {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown_host"
	}
	host = strings.ReplaceAll(host, ".", "_")
	if len(host) > 60 {
		host = host[:60]
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return host + "_" + strings.Replace(now.UTC().Format("2006_01_02T15_04_05.000000"), ".", "_", 1) + "_" + hex.EncodeToString(b[:])
}

func newLeaser(q *Queue, store leaseStore, clientID string) *leaser {
	self := lease{clientID: clientID}
	if host, pid, start, ok := selfIdentity(); ok {
		self.host, self.pid, self.pidStart = host, pid, start
	}
	return &leaser{q: q, store: store, self: self}
}

// now is the time of lease statements: the Clock's when set, else nil for
// the database's clock.
func (l *leaser) now() *time.Time {
	if l.q.cfg.Clock == nil {
		return nil
	}
	t := l.q.cfg.Clock.Now()
	return &t
}

// begin rescues the jobs of dead workers (this process's own from a
// previous Start among them), takes the lease, and starts renewing it and
// reaping every interval. Jobs are fetched only after it returns: a job
// is never running under a client without a lease.
func (l *leaser) begin(ctx context.Context) error {
	l.mu.Lock()
	running := l.cancel != nil
	l.mu.Unlock()
	if running {
		return nil // a second Start: the loops already run
	}
	if _, err := l.reap(ctx); err != nil {
		return err
	}
	if _, err := l.store.renew(ctx, l.self, l.now(), l.q.cfg.LeaseTTL); err != nil {
		return err
	}
	l.setRenewErr(nil)
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.mu.Lock()
	l.cancel = cancel
	l.mu.Unlock()
	l.done.Add(2)
	go l.every(loopCtx, l.q.cfg.LeaseRenewInterval, l.renew)
	go l.every(loopCtx, l.q.cfg.ReapInterval, func(ctx context.Context) {
		if _, err := l.reap(ctx); err != nil && ctx.Err() == nil {
			l.q.logger.WarnContext(ctx, "queue: rescue the jobs of dead workers", "error", err)
		}
	})
	return nil
}

// every calls f every interval until ctx ends, each call bounded by the
// lease's TTL. Renewing and reaping run in loops of their own, so that a
// slow reap never delays a renewal.
func (l *leaser) every(ctx context.Context, interval time.Duration, f func(context.Context)) {
	defer l.done.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fctx, cancel := context.WithTimeout(ctx, l.q.cfg.LeaseTTL)
		f(fctx)
		cancel()
	}
}

func (l *leaser) renew(ctx context.Context) {
	wasLive, err := l.store.renew(ctx, l.self, l.now(), l.q.cfg.LeaseTTL)
	// A renewal cut by its own bound (LeaseTTL) failed; one cut because
	// the loop is stopping says nothing of the database.
	if !errors.Is(ctx.Err(), context.Canceled) {
		l.setRenewErr(err)
	}
	switch {
	case err != nil && ctx.Err() == nil:
		l.q.logger.WarnContext(ctx, "queue: renew this worker's lease", "error", err, "client_id", l.self.clientID)
	case err == nil && !wasLive:
		l.q.logger.ErrorContext(ctx, "queue: this worker's lease had expired before it was renewed (the database was out of reach?); its running jobs may have been rescued and run again by another worker",
			"client_id", l.self.clientID, "lease_ttl", l.q.cfg.LeaseTTL.String())
	}
}

// reap ends the leases of processes of this host that are gone, then
// makes the running jobs of every worker whose lease has expired
// available again, and prunes leases expired long ago.
func (l *leaser) reap(ctx context.Context) ([]rescuedJob, error) {
	if l.self.host != "" {
		live, err := l.store.liveOnHost(ctx, l.self.host, l.self.clientID, l.now())
		if err != nil {
			return nil, err
		}
		for _, other := range live {
			if !processGone(other.pid, other.pidStart) {
				continue
			}
			ended, err := l.store.expireSame(ctx, other, l.now())
			if err != nil {
				return nil, err
			}
			if ended {
				l.q.logger.InfoContext(ctx, "queue: a worker process of this host is gone; its lease ends now",
					"client_id", other.clientID, "pid", other.pid)
			}
		}
	}
	jobs, err := l.store.reap(ctx, l.now())
	if err != nil {
		return nil, err
	}
	if len(jobs) > 0 {
		states := map[string]int{}
		workers := map[string]bool{}
		for _, j := range jobs {
			states[j.state]++
			workers[j.worker] = true
		}
		dead := make([]string, 0, len(workers))
		for w := range workers {
			dead = append(dead, w)
		}
		l.q.logger.WarnContext(ctx, "queue: rescued the running jobs of dead workers",
			"jobs", len(jobs), "available", states["available"], "discarded", states["discarded"],
			"cancelled", states["cancelled"], "workers", dead)
	}
	// A lease expired for longer than River's backstop has no job left
	// that River would not have rescued itself.
	if err := l.store.prune(ctx, l.now(), l.q.cfg.RescueStuckJobsAfter); err != nil {
		return jobs, err
	}
	return jobs, nil
}

// end stops the loops and ends the lease, so that any job still marked
// running under this client (one that ignored its cancellation) is
// rescued at the next reap of any process, not a lease later.
func (l *leaser) end(ctx context.Context) {
	l.mu.Lock()
	cancel := l.cancel
	l.cancel = nil
	l.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	l.done.Wait()
	if err := l.store.expire(ctx, l.self.clientID, l.now()); err != nil {
		l.q.logger.WarnContext(ctx, "queue: end this worker's lease", "error", err, "client_id", l.self.clientID)
	}
}
