package telemetry

import (
	"io"
	"log/slog"
	"strings"

	"github.com/papersum/papersum"
)

// NewLogger returns a structured logger writing to w. level is "debug",
// "info", "warn" or "error" (any case; slog's "info+2" form works too);
// format is "json" for machines (the service) or "text" for people (the
// CLI).
//
// Errors: EINVALID for an unknown level or format.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: "unknown log level " + level + " (want debug, info, warn or error)", Op: "telemetry.NewLogger", Err: err}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json":
		return slog.New(TraceHandler(slog.NewJSONHandler(w, opts))), nil
	case "text":
		return slog.New(TraceHandler(slog.NewTextHandler(w, opts))), nil
	}
	return nil, papersum.Errorf(papersum.EINVALID, "unknown log format %q (want json or text)", format)
}
