package fakeupstream

import (
	"math/rand/v2"
	"sync"
)

// draw is what the generator decided for one request: a fault (or "")
// and a variant in [0,1) that picks among the forms of the fault.
type draw struct {
	fault   Fault
	variant float64
}

// dice draws faults from a seeded generator. Every request takes exactly
// two numbers whatever the outcome, so the faults of request n depend only
// on the seed and n, never on what earlier requests were.
type dice struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newDice(seed int64) *dice {
	s := uint64(seed)
	return &dice{rng: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))}
}

// roll draws the outcome of the next request under the rates of f.
func (d *dice) roll(f *Faults) draw {
	d.mu.Lock()
	u, v := d.rng.Float64(), d.rng.Float64()
	d.mu.Unlock()
	bands := []struct {
		rate  float64
		fault Fault
	}{
		{f.RateLimit429, FaultRateLimit},
		{f.Overloaded529, FaultOverloaded},
		{f.Server500, FaultServer},
		{f.Unavailable503, FaultUnavailable},
		{f.Hang, FaultHang},
		{f.ConnectionReset, FaultReset},
		{f.MalformedXML, FaultMalformed},
		{f.Truncate, FaultTruncate},
	}
	cum := 0.0
	for _, b := range bands {
		cum += b.rate
		if u < cum {
			return draw{fault: b.fault, variant: v}
		}
	}
	return draw{variant: v}
}

// pick returns the fault of a request: the forced one if any, else the
// drawn one, except that a repair request is never drawn a malformed or
// truncated answer (the pipeline repairs once; a fake that broke the
// repair at the same rate would make every repair test flaky by design).
func pick(forced Fault, d draw, c *conv) Fault {
	if forced != "" {
		return forced
	}
	if (d.fault == FaultMalformed || d.fault == FaultTruncate) && c.isRepair() {
		return ""
	}
	return d.fault
}
