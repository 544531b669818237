package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Charts are drawn here as lists of SVG shapes whose coordinates are
// already formatted; the HTML template only prints them (html/template
// escapes every label and tooltip). A few dozen lines of geometry are
// simpler to keep deterministic and self-contained than a chart library
// with scripts, fonts or CSS to embed.

// svgChart is one inline SVG figure. The page draws the bars first, then
// the lines (axes, means, whiskers) over them, then the text.
type svgChart struct {
	// Title is the figure caption and the SVG's accessible name.
	Title string
	W, H  int
	Rects []svgRect
	Lines []svgLine
	Texts []svgText
}

// svgRect is a bar; Tip is shown as its tooltip (an SVG <title>).
type svgRect struct {
	X, Y, W, H string
	Class, Tip string
}

type svgLine struct {
	X1, Y1, X2, Y2 string
	Class          string
}

type svgText struct {
	X, Y          string
	Anchor, Class string
	Text          string
}

// coord formats a coordinate: one decimal is finer than a pixel and
// keeps the golden files stable.
func coord(v float64) string { return fmt.Sprintf("%.1f", v) }

func (c *svgChart) rect(x, y, w, h float64, class, tip string) {
	c.Rects = append(c.Rects, svgRect{coord(x), coord(y), coord(w), coord(h), class, tip})
}

func (c *svgChart) line(x1, y1, x2, y2 float64, class string) {
	c.Lines = append(c.Lines, svgLine{coord(x1), coord(y1), coord(x2), coord(y2), class})
}

func (c *svgChart) text(x, y float64, anchor, class, s string) {
	c.Texts = append(c.Texts, svgText{coord(x), coord(y), anchor, class, s})
}

// Histogram geometry.
const (
	histW, histH                           = 320, 180
	histLeft, histRight, histTop, histBott = 36, 12, 20, 34
)

// histogram draws the distribution of values over [lo, hi] in bins equal
// bins; values outside the range count in the first or last bin. The mean
// is marked with a dashed line. tick formats the axis and bin bounds,
// value the mean.
func histogram(title string, values []float64, lo, hi float64, bins int, tick, value func(float64) string) svgChart {
	format := tick
	c := svgChart{Title: title, W: histW, H: histH}
	counts := make([]int, bins)
	for _, v := range values {
		i := int(math.Floor((v - lo) / (hi - lo) * float64(bins)))
		counts[min(max(i, 0), bins-1)]++
	}
	top := max(slices.Max(counts), 1)
	plotW, plotH := float64(histW-histLeft-histRight), float64(histH-histTop-histBott)
	bw := plotW / float64(bins)
	base := float64(histTop) + plotH
	for i, n := range counts {
		h := plotH * float64(n) / float64(top)
		a, b := lo+(hi-lo)*float64(i)/float64(bins), lo+(hi-lo)*float64(i+1)/float64(bins)
		closing := ")"
		if i == bins-1 {
			closing = "]"
		}
		c.rect(histLeft+float64(i)*bw+0.5, base-h, bw-1, h, "bar",
			fmt.Sprintf("[%s, %s%s: %d %s", format(a), format(b), closing, n, plural(n, "paper")))
	}
	c.line(histLeft, base, histLeft+plotW, base, "axis")
	c.line(histLeft, histTop, histLeft, base, "axis")
	if len(values) > 0 {
		var sum float64
		for _, v := range values {
			sum += v
		}
		m := sum / float64(len(values))
		x := histLeft + plotW*(min(max(m, lo), hi)-lo)/(hi-lo)
		c.line(x, histTop, x, base, "mean")
		// Keep the label inside the frame when the mean is near an end.
		lx := min(max(x, histLeft+32), histLeft+plotW-32)
		c.text(lx, histTop-6, "middle", "note", "mean "+value(m))
	}
	c.text(histLeft, base+14, "middle", "tick", format(lo))
	c.text(histLeft+plotW/2, base+14, "middle", "tick", format((lo+hi)/2))
	c.text(histLeft+plotW, base+14, "middle", "tick", format(hi))
	c.text(histLeft-4, histTop+8, "end", "tick", fmt.Sprint(top))
	c.text(histLeft-4, base, "end", "tick", "0")
	c.text(histLeft+plotW/2, float64(histH)-4, "middle", "note", fmt.Sprintf("n = %d", len(values)))
	return c
}

// meanRow is one bar of a means chart.
type meanRow struct {
	Label        string
	Mean, Lo, Hi float64
	N            int
	MeanS, CIS   string
}

// Means chart geometry: horizontal bars, one row per metric.
const (
	meansW, meansLeft, meansRight, meansRow, meansTop, meansBott = 640, 170, 70, 24, 10, 28
)

// meansChart draws each row's mean as a horizontal bar from 0 over
// [0, xMax], with its confidence interval as a whisker.
func meansChart(title string, rows []meanRow, xMax float64, format func(float64) string) svgChart {
	h := meansTop + meansBott + meansRow*len(rows)
	c := svgChart{Title: title, W: meansW, H: h}
	plotW := float64(meansW - meansLeft - meansRight)
	x := func(v float64) float64 { return meansLeft + plotW*min(max(v, 0), xMax)/xMax }
	for i, r := range rows {
		y := float64(meansTop + meansRow*i)
		mid := y + meansRow/2
		tip := fmt.Sprintf("%s: mean %s, 95%% CI %s (n = %d)", r.Label, r.MeanS, r.CIS, r.N)
		c.rect(meansLeft, y+4, x(r.Mean)-meansLeft, meansRow-8, "bar", tip)
		c.line(x(r.Lo), mid, x(r.Hi), mid, "whisker")
		c.line(x(r.Lo), mid-5, x(r.Lo), mid+5, "whisker")
		c.line(x(r.Hi), mid-5, x(r.Hi), mid+5, "whisker")
		c.text(meansLeft-6, mid+4, "end", "label", r.Label)
		c.text(x(r.Hi)+6, mid+4, "start", "note", r.MeanS)
	}
	base := float64(meansTop + meansRow*len(rows))
	c.line(meansLeft, meansTop, meansLeft, base, "axis")
	c.line(meansLeft, base, meansLeft+plotW, base, "axis")
	for _, f := range []float64{0, 0.5, 1} {
		c.text(meansLeft+plotW*f, base+16, "middle", "tick", format(xMax*f))
	}
	return c
}

// paperValue is one paper's value of a metric.
type paperValue struct {
	ID    string
	Value float64
}

// Sorted bar chart geometry.
const (
	sortW, sortH                           = 640, 200
	sortLeft, sortRight, sortTop, sortBott = 70, 12, 14, 30
)

// sortedBars draws one bar per paper, highest first, so that the
// expensive or slow papers stand out; each bar's tooltip names the paper.
// A dashed line marks the median.
func sortedBars(title string, vals []paperValue, format func(float64) string) svgChart {
	c := svgChart{Title: title, W: sortW, H: sortH}
	vals = slices.Clone(vals)
	slices.SortStableFunc(vals, func(a, b paperValue) int {
		if a.Value != b.Value {
			return cmp.Compare(b.Value, a.Value)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	top := 0.0
	if len(vals) > 0 {
		top = vals[0].Value
	}
	if top <= 0 {
		top = 1
	}
	plotW, plotH := float64(sortW-sortLeft-sortRight), float64(sortH-sortTop-sortBott)
	base := float64(sortTop) + plotH
	bw := plotW / float64(max(len(vals), 1))
	gap := min(1, bw/4)
	for i, v := range vals {
		h := plotH * max(v.Value, 0) / top
		c.rect(sortLeft+float64(i)*bw+gap/2, base-h, bw-gap, h, "bar", v.ID+": "+format(v.Value))
	}
	c.line(sortLeft, base, sortLeft+plotW, base, "axis")
	c.line(sortLeft, sortTop, sortLeft, base, "axis")
	if n := len(vals); n > 0 {
		med := vals[n/2].Value
		if n%2 == 0 {
			med = (vals[n/2-1].Value + vals[n/2].Value) / 2
		}
		y := base - plotH*max(med, 0)/top
		c.line(sortLeft, y, sortLeft+plotW, y, "mean")
		c.text(sortLeft+plotW, y-4, "end", "note", "median "+format(med))
	}
	c.text(sortLeft-4, sortTop+8, "end", "tick", format(top))
	c.text(sortLeft-4, base, "end", "tick", format(0))
	c.text(sortLeft+plotW/2, float64(sortH)-8, "middle", "note",
		fmt.Sprintf("%d %s, highest first", len(vals), plural(len(vals), "paper")))
	return c
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
