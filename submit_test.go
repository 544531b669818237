package papersum

import (
	"context"
	"testing"
)

// The caller's key travels in the context; a context without one (work
// done inside papersum) has none.
func TestCallerContext(t *testing.T) {
	if k := CallerFromContext(context.Background()); k != nil {
		t.Fatalf("caller of a bare context = %+v", k)
	}
	k := &APIKey{ID: "k1", Team: "t"}
	if got := CallerFromContext(NewContextWithCaller(context.Background(), k)); got != k {
		t.Fatalf("caller = %+v, want %+v", got, k)
	}
}
