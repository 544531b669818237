package rouge

// lcsWork holds buffers reused across the references of one Score call.
type lcsWork struct {
	c        []int32 // DP table, (m+1)×(n+1), row-major
	mask     []bool
	modelRem []int32
	peerRem  []int32
}

// unionHits is ROUGE-1.5.5's sub lcs for one reference. Each reference
// sentence is compared with each candidate sentence in turn; the reference
// positions on any of those longest common subsequences form one union. A
// position in the union counts as a hit only if the token still has unused
// occurrences in both whole texts (reference and candidate unigram counts),
// and a hit uses up one of each. The candidate's counts start afresh for each
// reference, while one reference's sentences draw on the same counts.
func (w *lcsWork) unionHits(r *preparedRef, cand [][]int32, candUni []int32, vocabSize int) int {
	if cap(w.modelRem) < vocabSize {
		w.modelRem = make([]int32, vocabSize)
		w.peerRem = make([]int32, vocabSize)
	}
	w.modelRem = w.modelRem[:vocabSize]
	clear(w.modelRem)
	for _, g := range r.uni {
		w.modelRem[g.id] = g.n
	}
	w.peerRem = w.peerRem[:vocabSize]
	copy(w.peerRem, candUni)

	hits := 0
	for _, model := range r.sentences {
		if cap(w.mask) < len(model) {
			w.mask = make([]bool, len(model))
		}
		mask := w.mask[:len(model)]
		clear(mask)
		for _, peer := range cand {
			w.mark(model, peer, mask)
		}
		for j, hit := range mask {
			if !hit {
				continue
			}
			id := model[j]
			if w.modelRem[id] > 0 && w.peerRem[id] > 0 {
				hits++
				w.modelRem[id]--
				w.peerRem[id]--
			}
		}
	}
	return hits
}

// mark is lcs_inner + markLCS: fill the LCS table, then trace back from the
// end, taking the diagonal whenever the tokens match, otherwise going up
// (i-1; i indexes the reference sentence) if c[i-1][j] >= c[i][j-1] and left
// otherwise, and marking the reference position of every diagonal step.
func (w *lcsWork) mark(model, peer []int32, mask []bool) {
	m, n := len(model), len(peer)
	if m == 0 || n == 0 {
		return
	}
	stride := n + 1
	size := (m + 1) * stride
	if cap(w.c) < size {
		w.c = make([]int32, size)
	}
	c := w.c[:size]
	clear(c[:stride]) // row 0
	for i := 1; i <= m; i++ {
		row, up := c[i*stride:(i+1)*stride], c[(i-1)*stride:i*stride]
		row[0] = 0
		mi := model[i-1]
		for j := 1; j <= n; j++ {
			switch {
			case mi == peer[j-1]:
				row[j] = up[j-1] + 1
			case up[j] >= row[j-1]:
				row[j] = up[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	i, j := m, n
	for i != 0 && j != 0 {
		switch {
		case model[i-1] == peer[j-1]:
			i--
			j--
			mask[i] = true
		case c[(i-1)*stride+j] >= c[i*stride+j-1]:
			i--
		default:
			j--
		}
	}
}
