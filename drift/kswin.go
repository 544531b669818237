package drift

import (
	"encoding/json"
	"math/rand/v2"

	"github.com/papersum/papersum/stats"
)

// KSWINParams are river.drift.KSWIN's parameters, under river's names.
type KSWINParams struct {
	// Alpha is the p-value at or below which (with a KS statistic above
	// 0.1) a change is signalled. Default 0.005.
	Alpha float64 `json:"alpha"`
	// WindowSize is the length of the sliding window. Default 100.
	WindowSize int `json:"window_size"`
	// StatSize is the length of the recent window R and of the sample W
	// drawn from the older part of the window. Default 30.
	StatSize int `json:"stat_size"`
	// Seed seeds the sampling of W, exactly as Python's
	// random.Random(seed) does in river, so a given seed draws river's
	// indices; the sequence starts again from the seed after every
	// detection, as in river. Default null, as in river: a random seed,
	// not reproducible (river draws a fresh one after every detection;
	// here it is drawn from the generator, so that a saved detector
	// continues exactly).
	Seed *int64 `json:"seed"`
	// Window pre-fills the sliding window at construction (its last
	// WindowSize values), so that tests start with the first update.
	// Default none.
	Window []float64 `json:"window"`
}

// DefaultKSWINParams returns river's defaults.
func DefaultKSWINParams() KSWINParams {
	return KSWINParams{Alpha: 0.005, WindowSize: 100, StatSize: 30}
}

func (p KSWINParams) validate() error {
	switch {
	case !finite(p.Alpha) || p.Alpha < 0 || p.Alpha > 1:
		return invalidf("KSWIN: alpha must be in [0, 1], not %v", p.Alpha)
	case p.StatSize < 1:
		return invalidf("KSWIN: stat_size must be at least 1, not %d", p.StatSize)
	case p.WindowSize-p.StatSize < p.StatSize:
		// random.sample(range(window_size - stat_size), stat_size) raises
		// in river at the first full window; refuse it up front.
		return invalidf("KSWIN: window_size (%d) must be at least twice stat_size (%d)", p.WindowSize, p.StatSize)
	case !finite(p.Window...):
		return invalidf("KSWIN: window holds a value that is not a finite number")
	}
	return nil
}

// KSWIN is river's Kolmogorov–Smirnov windowing detector (Raab et al.
// 2020): a sliding window of WindowSize values; once it is full, every
// update compares its last StatSize values R with StatSize values W drawn
// without replacement from the rest by SciPy's two-sample KS test, and
// signals a change when p <= Alpha and the statistic exceeds 0.1. The
// draw reproduces Python's random.sample bit for bit. At the update after
// a detection the window empties and the generator is re-seeded, as in
// river.
type KSWIN struct {
	p   KSWINParams
	s   kswinState
	rng pyRandom
	// seeded is false until the generator was first seeded.
	seeded bool
	// scratch buffers, not state
	idx, pool []int
	w, r      []float64
	// outcome of the last update's test, for traces
	lastSample []int
}

type kswinState struct {
	N int `json:"n"`
	// Window holds the sliding window, oldest first.
	Window    []jfloat `json:"window"`
	PValue    jfloat   `json:"p_value"`
	Statistic jfloat   `json:"statistic"`
	Tested    bool     `json:"tested"`
	Drift     bool     `json:"drift_detected"`
}

// kswinSaved is the saved state: kswinState plus the Mersenne Twister
// state (624 words and the position), which lives outside kswinState
// while running so that updates do not copy it.
type kswinSaved struct {
	kswinState
	RNG rngState `json:"rng"`
}

type rngState struct {
	MT  []uint32 `json:"mt"`
	Pos int      `json:"pos"`
}

// NewKSWIN returns a KSWIN detector, or an EINVALID error for invalid
// parameters.
func NewKSWIN(p KSWINParams) (*KSWIN, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &KSWIN{p: p}
	d.start()
	return d, nil
}

// Params returns the parameters (Window is the construction-time
// pre-fill).
func (d *KSWIN) Params() KSWINParams { return d.p }

// Kind implements Detector.
func (d *KSWIN) Kind() Kind { return KindKSWIN }

// start is the constructor's state: a reset plus the pre-filled window.
func (d *KSWIN) start() {
	d.Reset()
	w := d.p.Window
	if len(w) > d.p.WindowSize {
		w = w[len(w)-d.p.WindowSize:]
	}
	for _, v := range w {
		d.s.Window = append(d.s.Window, jfloat(v))
	}
}

// Reset implements Detector. With a seed the sampling sequence starts
// again from the seed. Without one the first start takes a random seed
// and every restart one drawn from the generator itself, so the saved
// state determines the future.
func (d *KSWIN) Reset() {
	if d.p.Seed != nil {
		seed := *d.p.Seed
		if seed < 0 {
			seed = -seed // Python seeds with abs(n)
		}
		d.rng.seedPy(uint64(seed))
	} else if !d.seeded {
		d.rng.initByArray([]uint32{rand.Uint32(), rand.Uint32(), rand.Uint32(), rand.Uint32()})
	} else {
		// river draws fresh entropy here. Deriving the new seed from the
		// current generator is as unpredictable from the outside but
		// keeps a restored detector on the same path as the original.
		d.rng.initByArray([]uint32{d.rng.uint32(), d.rng.uint32(), d.rng.uint32(), d.rng.uint32()})
	}
	d.seeded = true
	d.s = kswinState{Window: make([]jfloat, 0, d.p.WindowSize)}
}

// Last implements Detector.
func (d *KSWIN) Last() Signal { return Signal{Drift: d.s.Drift} }

// Stats implements Detector: n, window_len, p_value (of the last test; 0
// after a restart), and tested and statistic for the last update.
func (d *KSWIN) Stats() map[string]float64 {
	return map[string]float64{
		"n": float64(d.s.N), "window_len": float64(len(d.s.Window)), "p_value": float64(d.s.PValue),
		"tested": b2f(d.s.Tested), "statistic": float64(d.s.Statistic),
	}
}

// Update implements Detector.
func (d *KSWIN) Update(x float64) (Signal, error) {
	if err := checkReal(KindKSWIN, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	s := &d.s
	s.N++
	ws, ss := d.p.WindowSize, d.p.StatSize
	if len(s.Window) == ws {
		copy(s.Window, s.Window[1:])
		s.Window[ws-1] = jfloat(x)
	} else {
		s.Window = append(s.Window, jfloat(x))
	}
	s.Tested, s.Statistic, d.lastSample = false, 0, nil
	if len(s.Window) < ws {
		s.Drift = false
		return d.Last(), nil
	}
	if len(d.idx) != ss {
		d.idx = make([]int, ss)
		d.pool = make([]int, ws-ss)
		d.w = make([]float64, ss)
		d.r = make([]float64, ss)
	}
	d.rng.sampleRange(ws-ss, d.idx, d.pool)
	for i, j := range d.idx {
		d.w[i] = float64(s.Window[j])
	}
	for i := range ss {
		d.r[i] = float64(s.Window[ws-ss+i])
	}
	res, err := stats.KS2Samp(d.w, d.r, stats.TwoSided, stats.MethodAuto)
	if err != nil {
		return d.Last(), err // cannot happen: both samples are non-empty and finite
	}
	s.Tested, s.Statistic, s.PValue = true, jfloat(res.Statistic), jfloat(res.PValue)
	d.lastSample = append([]int(nil), d.idx...)
	s.Drift = res.PValue <= d.p.Alpha && res.Statistic > 0.1
	if s.Drift {
		// river keeps only R; the reset at the next update empties it.
		s.Window = append(s.Window[:0], s.Window[ws-ss:]...)
	}
	return d.Last(), nil
}

func (r *pyRandom) state() rngState {
	mt := make([]uint32, mtN)
	copy(mt, r.mt[:])
	return rngState{MT: mt, Pos: r.idx}
}

func (r *pyRandom) load(s rngState) {
	copy(r.mt[:], s.MT)
	r.idx = s.Pos
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *KSWIN) MarshalJSON() ([]byte, error) {
	return marshalSnapshot(KindKSWIN, d.p, kswinSaved{d.s, d.rng.state()})
}

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *KSWIN) UnmarshalJSON(data []byte) error {
	var s kswinSaved
	if err := unmarshalSnapshot(data, KindKSWIN, d.setParams, &s); err != nil {
		return err
	}
	switch {
	case len(s.Window) > d.p.WindowSize:
		return invalidf("load KSWIN: the window holds %d values, more than window_size %d", len(s.Window), d.p.WindowSize)
	case len(s.RNG.MT) != mtN || s.RNG.Pos < 0 || s.RNG.Pos > mtN:
		return invalidf("load KSWIN: the generator state must hold %d words and a position in [0, %d]", mtN, mtN)
	case s.N < 0:
		return invalidf("load KSWIN: negative n")
	}
	for _, v := range s.Window {
		if !finite(float64(v)) {
			return invalidf("load KSWIN: the window holds %v", float64(v))
		}
	}
	d.s = s.kswinState
	d.rng.load(s.RNG)
	d.seeded = true
	return nil
}

func (d *KSWIN) setParams(raw json.RawMessage) error {
	p := DefaultKSWINParams()
	if err := decodeParams(KindKSWIN, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.start()
	return nil
}
