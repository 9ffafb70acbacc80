package schemas

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"iter"
	"slices"
	"strings"
)

// Inputs is run.json's list of input files. A run holds every input until
// run.json is written, two million of them in a run over two million files,
// so the list is packed: each file is its folder's number, its base name,
// its size and its digest, in chunks of bytes that are never copied as the
// list grows. A file in a shared folder takes about 36 bytes plus its base
// name, where an InputFile in a slice took 56 bytes, a string of the whole
// path, and a quarter more while the slice grew.
//
// The zero value is an empty list. An Inputs is not safe for concurrent use.
type Inputs struct {
	dirs    []string       // folders by number; 0 is the top, ""
	dirNum  map[string]int // folder -> number
	lastDir int            // the folder of the last Add, tried first
	chunks  [][]byte
	n       int
	// order is the sorted order (chunk<<32 | offset of each entry), set by
	// Sort and dropped by Add.
	order []uint64
}

// inputChunk is the largest chunk: big enough that chunk headers do not
// count, small enough that a half-empty last chunk does not either.
const inputChunk = 1 << 20

// Add appends a file.
func (l *Inputs) Add(f InputFile) {
	dir, base := "", f.Path
	if i := strings.LastIndexByte(f.Path, '/'); i >= 0 {
		dir, base = f.Path[:i], f.Path[i+1:]
	}
	c := l.room(3*binary.MaxVarintLen64 + len(base) + len(f.SHA256))
	c = binary.AppendUvarint(c, uint64(l.dirOf(dir)))
	c = binary.AppendUvarint(c, uint64(len(base)))
	c = append(c, base...)
	c = binary.AppendUvarint(c, uint64(f.Bytes))
	c = append(c, f.SHA256[:]...)
	l.chunks[len(l.chunks)-1] = c
	l.n++
	l.order = nil
}

// dirOf returns dir's number, adding it when new.
func (l *Inputs) dirOf(dir string) int {
	if l.dirs == nil {
		l.dirs, l.dirNum = []string{""}, map[string]int{"": 0}
	}
	if l.dirs[l.lastDir] == dir {
		return l.lastDir
	}
	d, ok := l.dirNum[dir]
	if !ok {
		d = len(l.dirs)
		l.dirs = append(l.dirs, strings.Clone(dir))
		l.dirNum[l.dirs[d]] = d
	}
	l.lastDir = d
	return d
}

// room returns the last chunk with room for need more bytes, starting a
// new one when it has none. Chunks start small and double up to inputChunk,
// so that a run over a few files holds a few hundred bytes.
func (l *Inputs) room(need int) []byte {
	if k := len(l.chunks); k > 0 && cap(l.chunks[k-1])-len(l.chunks[k-1]) >= need {
		return l.chunks[k-1]
	}
	size := 256
	if k := len(l.chunks); k > 0 {
		size = min(2*cap(l.chunks[k-1]), inputChunk)
	}
	l.chunks = append(l.chunks, make([]byte, 0, max(size, need)))
	return l.chunks[len(l.chunks)-1]
}

// Len returns the number of files.
func (l *Inputs) Len() int { return l.n }

// All yields the files in the order Sort left them, else as added.
func (l *Inputs) All() iter.Seq[InputFile] {
	return func(yield func(InputFile) bool) {
		var path []byte
		visit := func(c []byte, off int) bool {
			dir, base, size, sum := l.entry(c, off)
			path = l.join(path[:0], dir, base)
			return yield(InputFile{Path: string(path), Bytes: int64(size), SHA256: [32]byte(sum)})
		}
		if l.order != nil {
			for _, at := range l.order {
				if !visit(l.chunks[at>>32], int(uint32(at))) {
					return
				}
			}
			return
		}
		for _, c := range l.chunks {
			for off := 0; off < len(c); off = l.next(c, off) {
				if !visit(c, off) {
					return
				}
			}
		}
	}
}

// entry decodes the entry at c[off:].
func (l *Inputs) entry(c []byte, off int) (dir int, base []byte, size uint64, sum []byte) {
	d, k := binary.Uvarint(c[off:])
	off += k
	n, k := binary.Uvarint(c[off:])
	off += k
	base = c[off : off+int(n)]
	off += int(n)
	size, k = binary.Uvarint(c[off:])
	off += k
	return int(d), base, size, c[off : off+32]
}

// next returns the offset of the entry after the one at off.
func (l *Inputs) next(c []byte, off int) int {
	_, k := binary.Uvarint(c[off:])
	off += k
	n, k := binary.Uvarint(c[off:])
	off += k + int(n)
	_, k = binary.Uvarint(c[off:])
	return off + k + 32
}

// join appends a file's path to dst.
func (l *Inputs) join(dst []byte, dir int, base []byte) []byte {
	if dir != 0 {
		dst = append(append(dst, l.dirs[dir]...), '/')
	}
	return append(dst, base...)
}

// Sort orders the files by path, byte by byte, as run.json lists them.
func (l *Inputs) Sort() {
	order := make([]uint64, 0, l.n)
	for i, c := range l.chunks {
		for off := 0; off < len(c); off = l.next(c, off) {
			order = append(order, uint64(i)<<32|uint64(off))
		}
	}
	var a, b []byte
	slices.SortFunc(order, func(x, y uint64) int {
		dx, bx, _, _ := l.entry(l.chunks[x>>32], int(uint32(x)))
		dy, by, _, _ := l.entry(l.chunks[y>>32], int(uint32(y)))
		var c int
		if dx == dy {
			c = bytes.Compare(bx, by)
		} else {
			a, b = l.join(a[:0], dx, bx), l.join(b[:0], dy, by)
			c = bytes.Compare(a, b)
		}
		if c == 0 { // the same path twice: as added
			c = cmp.Compare(x, y)
		}
		return c
	})
	l.order = order
}

// MarshalJSON writes the files as a JSON array of InputFile.
func (l Inputs) MarshalJSON() ([]byte, error) {
	buf := []byte{'['}
	for f := range l.All() {
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	return append(buf, ']'), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (l *Inputs) UnmarshalJSON(b []byte) error {
	var files []InputFile
	if err := json.Unmarshal(b, &files); err != nil {
		return err
	}
	*l = Inputs{}
	for _, f := range files {
		l.Add(f)
	}
	return nil
}
