package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/papersum/papersum"
)

// Kind names a streaming detector. The names are river's class names
// (HDDM_A as in river 0.19; river 0.25 renamed it HDDMA), plus CUSUM and
// the rolling z-score detector, and they are the "kind" of a saved detector.
type Kind string

// The streaming detectors.
const (
	KindPageHinkley Kind = "PageHinkley"
	KindADWIN       Kind = "ADWIN"
	KindKSWIN       Kind = "KSWIN"
	KindDDM         Kind = "DDM"
	KindEDDM        Kind = "EDDM"
	KindHDDMA       Kind = "HDDM_A"
	KindCUSUM       Kind = "CUSUM"
	KindRollingZ    Kind = "RollingZ"
)

// Kinds lists every streaming detector kind, in a fixed order (a new
// slice on every call).
func Kinds() []Kind {
	return []Kind{KindPageHinkley, KindADWIN, KindKSWIN, KindDDM, KindEDDM, KindHDDMA, KindCUSUM, KindRollingZ}
}

// Binary reports whether the detector takes 0/1 input (1 = an error or a
// failure): DDM, EDDM and HDDM_A. The others take real values.
func (k Kind) Binary() bool { return k == KindDDM || k == KindEDDM || k == KindHDDMA }

// Signal is what a detector reports after an update.
type Signal struct {
	// Drift is true when this update detected a change. It is never true
	// for two updates in a row: the detector restarts (river's lazy reset)
	// at the start of the next update, which is the first of the new run.
	Drift bool `json:"drift"`
	// Warning is true while the detector is in its warning zone (DDM,
	// EDDM, HDDM_A; always false for the others). It is a state, so it
	// holds over consecutive updates; EDDM can report it together with
	// Drift.
	Warning bool `json:"warning"`
}

// Detector is a streaming drift detector: one value per Update, a Signal
// back. A Detector is not safe for concurrent use. Its JSON form (see
// Save and Load) holds the kind, the parameters and the complete state,
// so a detector restored from it continues exactly where the saved one
// stopped, bit for bit.
type Detector interface {
	// Kind names the detector.
	Kind() Kind
	// Update feeds one observation and returns the resulting Signal. A
	// NaN or infinite x, or for a binary detector anything but 0 or 1, is
	// an EINVALID error and leaves the detector unchanged.
	Update(x float64) (Signal, error)
	// Last is the Signal of the most recent update (zero before any).
	Last() Signal
	// Reset restarts the detector with its parameters, as after a drift.
	Reset()
	// Stats returns the detector's internal statistics under river's
	// attribute names (for example ADWIN's "width" and "estimation"), for
	// reports and metrics. The map is new on every call.
	Stats() map[string]float64
	json.Marshaler
	json.Unmarshaler
}

// New returns a detector of the given kind. params is a JSON object with
// river's parameter names (for example {"delta": 0.01, "clock": 1} for
// ADWIN); every name left out keeps its default, so nil or "{}" gives
// river's defaults. An unknown kind or parameter name, or an invalid
// value, is an EINVALID error.
func New(kind Kind, params json.RawMessage) (Detector, error) {
	d, err := zeroDetector(kind)
	if err != nil {
		return nil, err
	}
	if err := d.setParams(params); err != nil {
		return nil, err
	}
	return d, nil
}

// Save is json.Marshal of a detector: {"kind", "version", "params",
// "state"}.
func Save(d Detector) ([]byte, error) { return json.Marshal(d) }

// Load restores a detector saved by Save (or by json.Marshal of a
// Detector). A document that is not one, of an unknown kind or version,
// with invalid parameters or with a state that does not fit the
// parameters is an EINVALID error.
func Load(data []byte) (Detector, error) {
	var env snapshot
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, invalidf("load detector: %v", err)
	}
	d, err := zeroDetector(env.Kind)
	if err != nil {
		return nil, err
	}
	if err := d.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return d, nil
}

// detector is what every Detector implements in this package.
type detector interface {
	Detector
	setParams(raw json.RawMessage) error
}

func zeroDetector(kind Kind) (detector, error) {
	switch kind {
	case KindPageHinkley:
		return &PageHinkley{}, nil
	case KindADWIN:
		return &ADWIN{}, nil
	case KindKSWIN:
		return &KSWIN{}, nil
	case KindDDM:
		return &DDM{}, nil
	case KindEDDM:
		return &EDDM{}, nil
	case KindHDDMA:
		return &HDDMA{}, nil
	case KindCUSUM:
		return &CUSUM{}, nil
	case KindRollingZ:
		return &RollingZ{}, nil
	}
	return nil, invalidf("unknown detector kind %q (known: %v)", kind, Kinds())
}

// snapshotVersion is the version of the saved form. Load refuses other
// versions rather than guess.
const snapshotVersion = 1

// snapshot is the saved form of a detector.
type snapshot struct {
	Kind    Kind            `json:"kind"`
	Version int             `json:"version"`
	Params  json.RawMessage `json:"params"`
	State   json.RawMessage `json:"state"`
}

func marshalSnapshot(kind Kind, params, state any) ([]byte, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	s, err := json.Marshal(state)
	if err != nil {
		return nil, err
	}
	return json.Marshal(snapshot{Kind: kind, Version: snapshotVersion, Params: p, State: s})
}

// unmarshalSnapshot decodes data into params (through setParams, which
// validates them) and state, strictly: unknown fields are errors.
func unmarshalSnapshot(data []byte, kind Kind, setParams func(json.RawMessage) error, state any) error {
	var env snapshot
	if err := json.Unmarshal(data, &env); err != nil {
		return invalidf("load %s: %v", kind, err)
	}
	if env.Kind != kind {
		return invalidf("load %s: the document holds a %q detector", kind, env.Kind)
	}
	if env.Version != snapshotVersion {
		return invalidf("load %s: unknown version %d (this build reads version %d)", kind, env.Version, snapshotVersion)
	}
	if err := setParams(env.Params); err != nil {
		return err
	}
	if len(env.State) == 0 {
		return invalidf("load %s: no state", kind)
	}
	if err := decodeStrict(env.State, state); err != nil {
		return invalidf("load %s: state: %v", kind, err)
	}
	return nil
}

// decodeParams decodes raw over dst (which holds the defaults); nil or
// empty raw keeps them. Unknown names are errors.
func decodeParams(kind Kind, raw json.RawMessage, dst any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	if err := decodeStrict(raw, dst); err != nil {
		return invalidf("%s parameters: %v", kind, err)
	}
	return nil
}

func decodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func invalidf(format string, args ...any) error {
	e := papersum.Errorf(papersum.EINVALID, format, args...)
	e.Op = "drift"
	return e
}

// checkReal rejects a NaN or infinite observation.
func checkReal(kind Kind, x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return invalidf("%s: observation %v is not a finite number", kind, x)
	}
	return nil
}

// checkBinary rejects anything but 0 or 1.
func checkBinary(kind Kind, x float64) error {
	if x != 0 && x != 1 {
		return invalidf("%s takes 0 (correct) or 1 (error), not %v", kind, x)
	}
	return nil
}

// finite reports whether every value is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// jfloat is a float64 whose JSON form can hold NaN and ±Inf, as the
// strings "NaN", "Infinity" and "-Infinity" (the reference vectors'
// spelling; encoding/json refuses them as numbers). Finite values are
// written in the shortest form that parses back to the same bits.
type jfloat float64

// MarshalJSON implements json.Marshaler.
func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *jfloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jfloat(math.NaN())
		return nil
	case `"Infinity"`:
		*f = jfloat(math.Inf(1))
		return nil
	case `"-Infinity"`:
		*f = jfloat(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

// b2f is 1 for true, 0 for false (Stats reports flags as numbers).
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
