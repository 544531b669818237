package textproc

import (
	"math"
	"slices"
)

// Vocab maps terms to dense int32 ids, in order of first addition, so the
// ids of a document collection are deterministic. It is not safe for
// concurrent mutation.
type Vocab struct {
	ids   map[string]int32
	terms []string
}

// NewVocab returns an empty vocabulary.
func NewVocab() *Vocab { return &Vocab{ids: make(map[string]int32, 1024)} }

// Add returns the id of term, adding it if it is new.
func (v *Vocab) Add(term string) int32 {
	if id, ok := v.ids[term]; ok {
		return id
	}
	id := int32(len(v.terms))
	v.ids[term] = id
	v.terms = append(v.terms, term)
	return id
}

// ID returns the id of term and whether it is known.
func (v *Vocab) ID(term string) (int32, bool) {
	id, ok := v.ids[term]
	return id, ok
}

// Term returns the term with id.
func (v *Vocab) Term(id int32) string { return v.terms[id] }

// Len returns the number of terms.
func (v *Vocab) Len() int { return len(v.terms) }

// Index holds the document frequencies of a collection of documents (for
// papersum: the sentences of one paper) and weights term lists by TF-IDF.
type Index struct {
	// DF[id] is the number of documents containing term id.
	DF []int32
	// N is the number of documents.
	N   int
	idf []float64
}

// NewIndex counts document frequencies over docs, each a list of term ids
// below vocabSize (repeats allowed).
func NewIndex(docs [][]int32, vocabSize int) *Index {
	ix := &Index{DF: make([]int32, vocabSize), N: len(docs)}
	last := make([]int32, vocabSize) // last doc (1-based) that counted the term
	for d, doc := range docs {
		for _, id := range doc {
			if last[id] != int32(d+1) {
				last[id] = int32(d + 1)
				ix.DF[id]++
			}
		}
	}
	ix.idf = make([]float64, vocabSize)
	for id := range ix.idf {
		ix.idf[id] = smoothIDF(ix.N, int(ix.DF[id]))
	}
	return ix
}

// smoothIDF is ln((1+N)/(1+df)) + 1, the smoothed IDF of scikit-learn: it
// is positive for every term, so a term found in every sentence still
// counts a little, and it is finite for unseen terms (df = 0).
func smoothIDF(n, df int) float64 {
	return math.Log(float64(1+n)/float64(1+df)) + 1
}

// IDF returns the inverse document frequency of term id; ids outside the
// index are treated as unseen terms.
func (ix *Index) IDF(id int32) float64 {
	if id < 0 || int(id) >= len(ix.idf) {
		return smoothIDF(ix.N, 0)
	}
	return ix.idf[id]
}

// Vector is a sparse vector: IDs strictly increasing, Weights aligned with
// them.
type Vector struct {
	IDs     []int32
	Weights []float64
}

// Len returns the number of non-zero entries.
func (v Vector) Len() int { return len(v.IDs) }

// Vector returns the L2-normalised TF-IDF vector of a term list (raw term
// frequency times IDF). ids may repeat and need not be sorted; ids is not
// modified. An empty list gives an empty vector.
func (ix *Index) Vector(ids []int32) Vector {
	if len(ids) == 0 {
		return Vector{}
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	out := Vector{IDs: sorted[:0], Weights: make([]float64, 0, len(sorted))}
	// Compact in place: sorted's prefix is rewritten as the unique ids.
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		id := sorted[i]
		out.IDs = append(out.IDs, id)
		out.Weights = append(out.Weights, float64(j-i)*ix.IDF(id))
		i = j
	}
	out.Normalize()
	return out
}

// Normalize scales v to unit L2 norm in place (no-op for a zero vector).
func (v Vector) Normalize() {
	var ss float64
	for _, w := range v.Weights {
		ss += w * w
	}
	if ss == 0 {
		return
	}
	inv := 1 / math.Sqrt(ss)
	for i := range v.Weights {
		v.Weights[i] *= inv
	}
}

// Norm returns the L2 norm of v.
func (v Vector) Norm() float64 {
	var ss float64
	for _, w := range v.Weights {
		ss += w * w
	}
	return math.Sqrt(ss)
}

// Dot returns the dot product of a and b by merging their sorted ids.
func Dot(a, b Vector) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.IDs) && j < len(b.IDs) {
		switch {
		case a.IDs[i] < b.IDs[j]:
			i++
		case a.IDs[i] > b.IDs[j]:
			j++
		default:
			s += a.Weights[i] * b.Weights[j]
			i++
			j++
		}
	}
	return s
}

// Cosine returns the cosine similarity of a and b, 0 when either is zero.
// For vectors from Index.Vector, which are unit length, it equals Dot.
func Cosine(a, b Vector) float64 {
	na, nb := a.Norm(), b.Norm()
	if na == 0 || nb == 0 {
		return 0
	}
	return Dot(a, b) / (na * nb)
}

// Overlap returns how many distinct ids a and b share. Both must be sorted
// and free of repeats (as Vector.IDs are).
func Overlap(a, b []int32) int {
	n := 0
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
