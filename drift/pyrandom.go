package drift

import "math"

// pyRandom is CPython's random.Random (Mersenne Twister MT19937, the
// seeding of random.seed(int) and the sampling of random.sample) for the
// one use KSWIN makes of it: river's KSWIN draws its reference sample with
// random.Random(seed).sample(range(n), k), and reproducing river's
// detections means drawing the very same indices. Go's math/rand does not
// implement MT19937 or Python's seeding and rejection rules, and no Go
// module reproduces them, hence this port of CPython 3.11's
// Modules/_randommodule.c and Lib/random.py (sample, _randbelow).
type pyRandom struct {
	mt  [mtN]uint32
	idx int
}

const (
	mtN        = 624
	mtM        = 397
	mtMatrixA  = 0x9908b0df
	mtUpper    = 0x80000000
	mtLower    = 0x7fffffff
	mtInitMult = 1812433253
)

// seedPy is random.seed(n) for a non-negative integer n: init_by_array
// with the 32-bit words of n, least significant first ([0] for 0).
func (r *pyRandom) seedPy(n uint64) {
	key := []uint32{uint32(n)}
	if hi := uint32(n >> 32); hi != 0 {
		key = append(key, hi)
	}
	r.initByArray(key)
}

func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		r.mt[i] = mtInitMult*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = mtN
}

func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
	r.idx = mtN
}

// uint32 is genrand_uint32: the next tempered 32-bit output.
func (r *pyRandom) uint32() uint32 {
	if r.idx >= mtN {
		var kk int
		for kk = 0; kk < mtN-mtM; kk++ {
			y := (r.mt[kk] & mtUpper) | (r.mt[kk+1] & mtLower)
			r.mt[kk] = r.mt[kk+mtM] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
		}
		for ; kk < mtN-1; kk++ {
			y := (r.mt[kk] & mtUpper) | (r.mt[kk+1] & mtLower)
			r.mt[kk] = r.mt[kk+(mtM-mtN)] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
		}
		y := (r.mt[mtN-1] & mtUpper) | (r.mt[0] & mtLower)
		r.mt[mtN-1] = r.mt[mtM-1] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// randBelow is Random._randbelow_with_getrandbits(n) for 1 <= n < 2^32:
// getrandbits(n.bit_length()) until the draw is below n.
func (r *pyRandom) randBelow(n int) int {
	k := bitLength(n)
	for {
		v := 0
		if k > 0 {
			v = int(r.uint32() >> (32 - k))
		}
		if v < n {
			return v
		}
	}
}

func bitLength(n int) int {
	k := 0
	for ; n > 0; n >>= 1 {
		k++
	}
	return k
}

// sampleRange is random.sample(range(n), k) into dst (len k): CPython
// 3.11's algorithm, which picks by partial shuffle of a pool when n is
// small relative to k and by rejection from a set otherwise. The caller
// guarantees 0 <= k <= n < 2^31.
func (r *pyRandom) sampleRange(n int, dst []int, pool []int) {
	k := len(dst)
	setsize := 21
	if k > 5 {
		setsize += int(math.Pow(4, math.Ceil(math.Log(float64(k*3))/math.Log(4))))
	}
	if n <= setsize {
		pool = pool[:n]
		for i := range pool {
			pool[i] = i
		}
		for i := 0; i < k; i++ {
			j := r.randBelow(n - i)
			dst[i] = pool[j]
			pool[j] = pool[n-i-1]
		}
		return
	}
	selected := make(map[int]struct{}, k)
	for i := 0; i < k; i++ {
		j := r.randBelow(n)
		for {
			if _, dup := selected[j]; !dup {
				break
			}
			j = r.randBelow(n)
		}
		selected[j] = struct{}{}
		dst[i] = j
	}
}
