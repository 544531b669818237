package httpapi

import (
	"net/http"
	"time"

	"github.com/papersum/papersum"
)

// handleCostReport serves GET /api/v1/reports/cost: the chargeback report
// (papersum.CostReport) of ?by= (default team) over the runs created in
// [?since, ?until) (UTC days, YYYY-MM-DD). A key sees its own team's runs
// only; an admin key sees every team's, or one team's with ?team=. A
// non-admin key that asks for another team is refused (403).
func (s *server) handleCostReport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.CostReports == nil {
			s.writeError(w, r, papersum.Errorf(papersum.ENOTFOUND, "reports are not enabled on this server"))
			return
		}
		if err := checkQuery(r, "by", "since", "until", "team"); err != nil {
			s.writeError(w, r, err)
			return
		}
		q := r.URL.Query()
		by := papersum.ReportDimension(q.Get("by"))
		if by == "" {
			by = papersum.ByTeam
		}
		if !by.Valid() {
			s.writeError(w, r, invalid("by %q: want one of team, user, key, model, stage, day, week, month", papersum.Excerpt(string(by))))
			return
		}
		var win papersum.ReportWindow
		for _, p := range []struct {
			name string
			dst  *time.Time
		}{{"since", &win.Since}, {"until", &win.Until}} {
			if v := q.Get(p.name); v != "" {
				d, err := time.Parse(time.DateOnly, v)
				if err != nil {
					s.writeError(w, r, invalid("%s %q is not a date (YYYY-MM-DD)", p.name, papersum.Excerpt(v)))
					return
				}
				*p.dst = d
			}
		}
		win.Team = q.Get("team")
		if k := papersum.CallerFromContext(r.Context()); k != nil && k.Scope != papersum.ScopeAdmin {
			if win.Team != "" && win.Team != k.Team {
				s.writeError(w, r, papersum.Errorf(papersum.EFORBIDDEN, "a key of team %q sees only its own team's report", k.Team))
				return
			}
			win.Team = k.Team
		}
		rep, err := s.deps.CostReports.CostReport(r.Context(), papersum.CostReportQuery{By: by, Window: win})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}
