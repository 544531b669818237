package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/papersum/papersum"
)

// SeenStore remembers webhook ids so that a replayed or redelivered
// webhook is acknowledged without being handled twice. The service backs
// it with the database or Redis so that every replica shares it;
// MemorySeenStore serves tests and single-process use.
type SeenStore interface {
	// MarkSeen records id until the given time and reports whether this
	// is the first time it is seen (no unexpired record existed). It must
	// be atomic: of two concurrent calls with one id, one gets true.
	MarkSeen(ctx context.Context, id string, until time.Time) (first bool, err error)
	// Forget removes id, so that a redelivery of a webhook whose handling
	// failed is handled again instead of being taken for a duplicate.
	Forget(ctx context.Context, id string) error
}

// MemorySeenStore is a SeenStore in process memory. Entries expire at
// their until time and are swept at most once a minute, so memory stays
// proportional to the ids of the last SeenFor window. It is safe for
// concurrent use.
type MemorySeenStore struct {
	clock     papersum.Clock
	mu        sync.Mutex
	until     map[string]time.Time
	nextSweep time.Time
}

// NewMemorySeenStore returns an empty store that reads the time from
// clock (papersum.SystemClock when nil).
func NewMemorySeenStore(clock papersum.Clock) *MemorySeenStore {
	if clock == nil {
		clock = papersum.SystemClock{}
	}
	return &MemorySeenStore{clock: clock, until: map[string]time.Time{}}
}

// MarkSeen implements SeenStore. It never fails.
func (m *MemorySeenStore) MarkSeen(_ context.Context, id string, until time.Time) (bool, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		for k, u := range m.until {
			if !now.Before(u) {
				delete(m.until, k)
			}
		}
		m.nextSweep = now.Add(time.Minute)
	}
	if u, ok := m.until[id]; ok && now.Before(u) {
		return false, nil
	}
	m.until[id] = until
	return true, nil
}

// Forget implements SeenStore. It never fails.
func (m *MemorySeenStore) Forget(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.until, id)
	return nil
}

// Len returns the number of ids held, expired or not yet swept.
func (m *MemorySeenStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.until)
}
