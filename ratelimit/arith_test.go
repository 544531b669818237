package ratelimit

import (
	"math"
	"testing"
)

func TestIncrement(t *testing.T) {
	tests := []struct {
		n, period, limit, want int64
	}{
		{0, day, 1000, 0},
		{1, minute, 10, 6_000_000},
		{1, minute, 7, 8_571_428}, // rounded down, so 7 always fit a minute
		{7, minute, 7, minute},
		{-3, minute, 10, -18_000_000},
		{5, minute, 0, 0},                // unlimited
		{1, day, 1 << 50, 0},             // finer than a microsecond
		{math.MaxInt64, day, 1, maxDebt}, // would overflow: clamped
		{-math.MaxInt64, day, 1, -maxDebt},
		{1 << 40, day, 1 << 40, day}, // product beyond 64 bits, exact quotient
	}
	for _, tc := range tests {
		if got := increment(tc.n, tc.period, tc.limit); got != tc.want {
			t.Errorf("increment(%d, %d, %d) = %d, want %d", tc.n, tc.period, tc.limit, got, tc.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	tests := []struct {
		ahead, period, limit, want int64
	}{
		{0, minute, 10, 10},
		{-5, minute, 10, 10}, // TAT in the past: full
		{6_000_000, minute, 10, 9},
		{6_000_001, minute, 10, 8}, // partly refilled units do not count
		{minute, minute, 10, 0},
		{2 * minute, minute, 10, 0}, // in debt
		{8_571_428, minute, 7, 6},   // rounding of increment does not lose one
		{0, day, math.MaxInt64, math.MaxInt64},
	}
	for _, tc := range tests {
		if got := remaining(tc.ahead, tc.period, tc.limit); got != tc.want {
			t.Errorf("remaining(%d, %d, %d) = %d, want %d", tc.ahead, tc.period, tc.limit, got, tc.want)
		}
	}
}
