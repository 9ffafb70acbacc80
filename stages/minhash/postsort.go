package minhash

// sortPostings sorts postings by n-gram hash, in place, in no particular
// order of ids within a hash (the merge counts them, it does not rank
// them). It is an in-place most-significant-digit radix sort, a byte of
// the hash at a time, down to runs of insertionRun postings, which
// insertion sort finishes. The hashes are uniform, so two or three digits
// split any batch into such runs: about four moves per posting, where
// slices.SortFunc made some forty calls to a comparison function.
func sortPostings(p []posting) {
	radixPostings(p, 56)
}

// insertionRun is the longest run sorted by insertion sort.
const insertionRun = 48

func radixPostings(p []posting, shift uint) {
	if len(p) <= insertionRun {
		insertionPostings(p)
		return
	}
	var count [256]int
	for i := range p {
		count[byte(p[i].h>>shift)]++
	}
	// next[d] is where the next posting with digit d goes; end[d] where
	// digit d's bucket ends.
	var next, end [256]int
	at := 0
	for d, n := range count {
		next[d] = at
		at += n
		end[d] = at
	}
	// Move each posting to its bucket, following each cycle of the
	// permutation until it comes back to the bucket it started from.
	for d := range 256 {
		for next[d] < end[d] {
			x := p[next[d]]
			for t := byte(x.h >> shift); int(t) != d; t = byte(x.h >> shift) {
				x, p[next[t]] = p[next[t]], x
				next[t]++
			}
			p[next[d]] = x
			next[d]++
		}
	}
	if shift == 0 {
		return // equal hashes all the way down
	}
	start := 0
	for d := range 256 {
		if end[d]-start > 1 {
			radixPostings(p[start:end[d]], shift-8)
		}
		start = end[d]
	}
}

func insertionPostings(p []posting) {
	for i := 1; i < len(p); i++ {
		x := p[i]
		j := i
		for ; j > 0 && p[j-1].h > x.h; j-- {
			p[j] = p[j-1]
		}
		p[j] = x
	}
}
