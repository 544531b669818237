package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/papersum/papersum"
)

// budgetDetail is the budget of a 402 budget_exceeded answer.
//
// 402 Payment Required, not 429: a 429 tells clients and their SDKs to
// back off and retry, which here would hammer the API until the period
// resets (perhaps a month away), and this API's 429 already means the
// per-key rate limit. 402 says that money, not request rate, is the
// limit; resets_at (and Retry-After) say when submitting works again.
type budgetDetail struct {
	Scope    string    `json:"scope"`
	ID       string    `json:"id"`
	Period   string    `json:"period"`
	LimitUSD float64   `json:"limit_usd"`
	SpentUSD float64   `json:"spent_usd"`
	ResetsAt time.Time `json:"resets_at"`
}

// budgetAnswer returns the detail of the BudgetExceeded in err's chain
// and sets Retry-After to its reset, or returns nil.
func budgetAnswer(w http.ResponseWriter, err error, clock papersum.Clock) *budgetDetail {
	var ex *papersum.BudgetExceeded
	if !errors.As(err, &ex) {
		return nil
	}
	if secs := int64(ex.ResetsAt.Sub(clock.Now()).Seconds() + 0.999); secs > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	b := ex.Budget
	return &budgetDetail{Scope: string(b.Scope), ID: b.ID, Period: string(b.Period), LimitUSD: b.LimitUSD, SpentUSD: ex.SpentUSD,
		ResetsAt: ex.ResetsAt.UTC()}
}
