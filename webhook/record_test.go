package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

type deliveries struct {
	got []papersum.Delivery
	err error
}

func (d *deliveries) RecordDelivery(_ context.Context, del *papersum.Delivery) error {
	d.got = append(d.got, *del)
	return d.err
}

// Each attempt is stored as the run's or the batch's, by its webhook-id,
// with the failure's message; a store failure does not stop the sender.
func TestRecordDeliveries(t *testing.T) {
	store := &deliveries{}
	record := RecordDeliveries(store, nil)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	record(context.Background(), Attempt{ID: "run-1", URL: "https://cb.example/x", N: 2, At: at, Status: 500, Err: errors.New("status 500")})
	record(context.Background(), Attempt{ID: papersum.SubmissionBatchIDPrefix + "1", URL: "https://cb.example/y", N: 1, At: at, Status: 200})
	if len(store.got) != 2 {
		t.Fatalf("%d deliveries stored, want 2", len(store.got))
	}
	if d := store.got[0]; d.RunID != "run-1" || d.BatchID != "" || d.Attempt != 2 || d.Status != 500 || d.Error != "status 500" || !d.At.Equal(at) {
		t.Errorf("run delivery = %+v", d)
	}
	if d := store.got[1]; d.BatchID != "bat_1" || d.RunID != "" || d.Error != "" {
		t.Errorf("batch delivery = %+v", d)
	}
	store.err = errors.New("store down")
	record(context.Background(), Attempt{ID: "run-2", N: 1, At: at})
}
