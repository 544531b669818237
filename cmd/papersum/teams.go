package main

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/papersum/papersum"
)

// teamMissTTL is how long a team found without an API key is not looked
// up again: runs of a team that has no key (a Kafka message may name any
// team) then cost one store query per team per minute, not one per run,
// and a key created meanwhile is seen within the minute.
const teamMissTTL = time.Minute

// maxTeamMisses bounds the remembered misses; past it they are forgotten
// at once, which costs lookups, never memory.
const maxTeamMisses = 10000

// teamDirectory tells the metrics which team names may become label
// values: the teams that have an API key (revoked ones included, since
// their runs may still be finishing). Team names of API runs come from
// keys; those of Kafka messages and webhooks do not, and a label value
// taken from them unchecked would let any producer add series.
type teamDirectory struct {
	keys   papersum.KeyStore
	clock  papersum.Clock
	mu     sync.Mutex
	misses map[string]time.Time
}

func newTeamDirectory(keys papersum.KeyStore, clock papersum.Clock) *teamDirectory {
	return &teamDirectory{keys: keys, clock: clock, misses: map[string]time.Time{}}
}

// teams returns every team that has a key, by the creation of its first
// key, oldest first (ties by name): the order in which the metrics admit
// them at start-up, the same on every replica, and one in which a new
// team never pushes out an older one.
func (d *teamDirectory) teams(ctx context.Context) ([]string, error) {
	keys, err := d.keys.ListKeys(ctx, "")
	if err != nil {
		return nil, err
	}
	first := map[string]time.Time{}
	for _, k := range keys {
		if t, ok := first[k.Team]; !ok || k.CreatedAt.Before(t) {
			first[k.Team] = k.CreatedAt
		}
	}
	out := make([]string, 0, len(first))
	for t := range first {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(first[a].Compare(first[b]), cmp.Compare(a, b)) })
	return out, nil
}

// known reports whether team has an API key. It is telemetry's
// Config.KnownTeam, asked only about teams not admitted yet while there
// is room; a store error answers false (the run counts as "other") and is
// looked up again next time.
func (d *teamDirectory) known(team string) bool {
	now := d.clock.Now()
	d.mu.Lock()
	if at, ok := d.misses[team]; ok && now.Sub(at) < teamMissTTL {
		d.mu.Unlock()
		return false
	}
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	keys, err := d.keys.ListKeys(ctx, team)
	if err != nil {
		return false
	}
	if len(keys) > 0 {
		return true
	}
	d.mu.Lock()
	if len(d.misses) >= maxTeamMisses {
		clear(d.misses)
	}
	d.misses[team] = now
	d.mu.Unlock()
	return false
}
