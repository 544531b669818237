package ingest

import (
	"context"
	"errors"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/pdftext"
)

// parsePDF extracts the text of a PDF with package pdftext and parses it
// as plain text. pdftext's errors keep their code and get the "ingest
// <name>: " prefix so that every ingestion message reads the same.
func parsePDF(ctx context.Context, name string, data []byte, opts Options) (*papersum.Paper, error) {
	text, err := pdftext.Extract(ctx, data, pdftext.Options{PDFToText: opts.PDFToText})
	if err != nil {
		var e *papersum.Error
		if errors.As(err, &e) {
			return nil, &papersum.Error{Code: e.Code, Message: "ingest " + displayName(name) + ": " + papersum.ErrorMessage(e), Op: "ingest.Parse", Err: e.Err}
		}
		return nil, err
	}
	return build(parseText(text)), nil
}
