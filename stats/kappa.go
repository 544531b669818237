package stats

import (
	"cmp"
	"math/big"
	"slices"
)

// KappaResult is Cohen's kappa with its ingredients.
type KappaResult[T cmp.Ordered] struct {
	// Kappa is (PO - PE) / (1 - PE); NaN when PE = 1 (both raters used a
	// single, identical category).
	Kappa float64
	// PO is the observed agreement Σ n_ii / N.
	PO float64
	// PE is the chance agreement Σ n_i· n_·i / N².
	PE float64
	// KappaExact, POExact and PEExact are the same as exact fractions;
	// KappaExact is nil when PE = 1.
	KappaExact, POExact, PEExact *big.Rat
	// Table is the confusion table: rows are rater A's categories,
	// columns rater B's, both in Categories order.
	Table [][]int
	// Categories are the labels used by either rater, sorted.
	Categories []T
}

// CohensKappa is Cohen's kappa for two raters labelling the same items.
// Categories are the union of both raters' labels, sorted. It is written
// here rather than taken from a library because Go has no maintained
// implementation and the formula, stated in the reference vectors, is
// short; the exact fractions let tests check it without rounding. Unequal
// lengths or no items are errors.
func CohensKappa[T cmp.Ordered](a, b []T) (KappaResult[T], error) {
	if len(a) != len(b) {
		return KappaResult[T]{}, invalid("CohensKappa", "raters labelled different numbers of items (%d and %d)", len(a), len(b))
	}
	if len(a) == 0 {
		return KappaResult[T]{}, invalid("CohensKappa", "no items")
	}
	cats := append(append([]T(nil), a...), b...)
	slices.Sort(cats)
	cats = slices.Compact(cats)
	index := make(map[T]int, len(cats))
	for i, c := range cats {
		index[c] = i
	}
	table := make([][]int, len(cats))
	for i := range table {
		table[i] = make([]int, len(cats))
	}
	for i := range a {
		table[index[a[i]]][index[b[i]]]++
	}
	res, err := CohensKappaTable(table)
	if err != nil {
		return KappaResult[T]{}, err
	}
	return KappaResult[T]{
		Kappa: res.Kappa, PO: res.PO, PE: res.PE,
		KappaExact: res.KappaExact, POExact: res.POExact, PEExact: res.PEExact,
		Table: table, Categories: cats,
	}, nil
}

// CohensKappaTable is Cohen's kappa from a square confusion table (rows
// rater A, columns rater B). Categories in the result are the row indices.
// A non-square or empty table, negative counts or a zero total are errors.
func CohensKappaTable(table [][]int) (KappaResult[int], error) {
	const op = "CohensKappaTable"
	k := len(table)
	if k == 0 {
		return KappaResult[int]{}, invalid(op, "empty table")
	}
	rows := make([]int, k)
	cols := make([]int, k)
	var total, diag int
	for i, row := range table {
		if len(row) != k {
			return KappaResult[int]{}, invalid(op, "table is not square: row %d has %d cells, want %d", i, len(row), k)
		}
		for j, v := range row {
			if v < 0 {
				return KappaResult[int]{}, invalid(op, "negative count at (%d, %d)", i, j)
			}
			rows[i] += v
			cols[j] += v
			total += v
		}
		diag += row[i]
	}
	if total == 0 {
		return KappaResult[int]{}, invalid(op, "table has no items")
	}
	var chance int
	for i := range k {
		chance += rows[i] * cols[i]
	}
	n := float64(total)
	po := float64(diag) / n
	pe := float64(chance) / (n * n)
	poX := big.NewRat(int64(diag), int64(total))
	peX := new(big.Rat).SetFrac(big.NewInt(int64(chance)), new(big.Int).Mul(big.NewInt(int64(total)), big.NewInt(int64(total))))
	var kX *big.Rat
	one := big.NewRat(1, 1)
	if peX.Cmp(one) != 0 {
		kX = new(big.Rat).Quo(new(big.Rat).Sub(poX, peX), new(big.Rat).Sub(one, peX))
	}
	cats := make([]int, k)
	for i := range cats {
		cats[i] = i
	}
	return KappaResult[int]{
		Kappa: (po - pe) / (1 - pe), PO: po, PE: pe,
		KappaExact: kX, POExact: poX, PEExact: peX,
		Table: table, Categories: cats,
	}, nil
}
