package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"math"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.DriftStore = (*DB)(nil)

// PutDriftStates stores states, replacing those of the same signal, model
// and detector, in one transaction.
//
// Errors: EINVALID for a state that fails Validate or a time out of range.
func (s *DB) PutDriftStates(ctx context.Context, states []papersum.DriftState) error {
	const op = "postgres.PutDriftStates"
	type row struct{ since, updated int64 }
	rows := make([]row, len(states))
	for i := range states {
		st := &states[i]
		if err := st.Validate(); err != nil {
			return err
		}
		since, ok1 := storeutil.EncodeTime(st.Since)
		up, ok2 := storeutil.EncodeTime(st.UpdatedAt)
		if !ok1 || !ok2 {
			return storeutil.Invalid(op, "drift state %s/%s: time out of range", st.Signal, st.Detector)
		}
		rows[i] = row{since, up}
	}
	if len(states) == 0 {
		return nil
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for i, st := range states {
			if _, err := tx.Exec(ctx, `INSERT INTO drift_detectors (signal, model, detector, state, observations, since, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (signal, model, detector) DO UPDATE SET state = excluded.state,
					observations = excluded.observations, since = excluded.since, updated_at = excluded.updated_at`,
				st.Signal, st.Model, st.Detector, string(st.State), st.Observations, rows[i].since, rows[i].updated); err != nil {
				return err
			}
		}
		return nil
	})
}

// DriftStates returns every stored detector state.
func (s *DB) DriftStates(ctx context.Context) ([]papersum.DriftState, error) {
	const op = "postgres.DriftStates"
	rows, err := s.pool.Query(ctx, `SELECT signal, model, detector, state, observations, since, updated_at
		FROM drift_detectors ORDER BY signal, model, detector`)
	if err != nil {
		return nil, s.dbError(op, err)
	}
	defer rows.Close()
	var out []papersum.DriftState
	for rows.Next() {
		var st papersum.DriftState
		var state string
		var since, up int64
		if err := rows.Scan(&st.Signal, &st.Model, &st.Detector, &state, &st.Observations, &since, &up); err != nil {
			return nil, s.dbError(op, err)
		}
		st.State, st.Since, st.UpdatedAt = []byte(state), storeutil.DecodeTime(since), storeutil.DecodeTime(up)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbError(op, err)
	}
	return out, nil
}

// AddDriftEvent records a detection.
//
// Errors: EINVALID for an event that fails Validate; ECONFLICT when its
// ID is stored.
func (s *DB) AddDriftEvent(ctx context.Context, e *papersum.DriftEvent) error {
	const op = "postgres.AddDriftEvent"
	if err := e.Validate(); err != nil {
		return err
	}
	ws, ok1 := storeutil.EncodeTime(e.WindowStart)
	we, ok2 := storeutil.EncodeTime(e.WindowEnd)
	at, ok3 := storeutil.EncodeTime(e.DetectedAt)
	if !ok1 || !ok2 || !ok3 {
		return storeutil.Invalid(op, "drift event %s: time out of range", e.ID)
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO drift_events (id, signal, model, detector, statistic, run_id, window_start, window_end, detail, detected_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.Signal, e.Model, e.Detector, e.Statistic, e.RunID, ws, we, string(e.Detail), at)
		if err != nil {
			return err
		}
		if res.RowsAffected() == 0 {
			return storeutil.Conflict(op, "drift event %s exists", e.ID)
		}
		return nil
	})
}

// DriftEvents returns the detections of [from, to), a zero bound open, in
// order of detection.
func (s *DB) DriftEvents(ctx context.Context, from, to time.Time) ([]papersum.DriftEvent, error) {
	const op = "postgres.DriftEvents"
	lo, hi := driftBounds(from, to)
	rows, err := s.pool.Query(ctx, `SELECT id, signal, model, detector, statistic, run_id, window_start, window_end, detail, detected_at
		FROM drift_events WHERE detected_at >= $1 AND detected_at < $2 ORDER BY detected_at, id`, lo, hi)
	if err != nil {
		return nil, s.dbError(op, err)
	}
	defer rows.Close()
	var out []papersum.DriftEvent
	for rows.Next() {
		var e papersum.DriftEvent
		var detail string
		var ws, we, at int64
		if err := rows.Scan(&e.ID, &e.Signal, &e.Model, &e.Detector, &e.Statistic, &e.RunID, &ws, &we, &detail, &at); err != nil {
			return nil, s.dbError(op, err)
		}
		e.Detail, e.WindowStart, e.WindowEnd, e.DetectedAt = []byte(detail), storeutil.DecodeTime(ws), storeutil.DecodeTime(we), storeutil.DecodeTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbError(op, err)
	}
	return out, nil
}

// driftBounds encodes [from, to) with zero bounds open.
func driftBounds(from, to time.Time) (int64, int64) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo, _ = storeutil.EncodeTime(from)
	}
	if !to.IsZero() {
		hi, _ = storeutil.EncodeTime(to)
	}
	return lo, hi
}
