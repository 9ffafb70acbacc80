package ingest

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"time"
)

// dirFS is the input directory as OpenDir returns it: an os.Root, so that a
// symlink cannot lead outside it, plus a quicker way in for the small files
// that most inputs are made of (a clause, a note, a ticket per file). Opening
// "a/b/c.txt" through os.Root opens every folder on the way and sets up
// each file for the poller, about 30 µs a file on a virtual machine; dirFS
// keeps the folder being walked open and reads a small file with four
// system calls into a buffer it reuses.
type dirFS struct {
	fs.FS
	root     *os.Root
	rootInfo fs.FileInfo // the root when opened, to tell when it is gone

	dir    string   // folder of the last small file read
	dirF   *os.File // that folder, opened through root; nil when dir failed
	dirErr error
	buf    []byte // content of the last small file read, reused
}

// smallFile is the largest file read whole into the reused buffer; larger
// ones are streamed.
const smallFile = 1 << 20

// folder returns the open folder of p, through root, reusing the last one.
func (d *dirFS) folder(p string) (*os.File, error) {
	dir := path.Dir(p)
	if dir == d.dir && (d.dirF != nil || d.dirErr != nil) {
		return d.dirF, d.dirErr
	}
	d.closeFolder()
	d.dir = dir
	d.dirF, d.dirErr = d.root.Open(dir)
	return d.dirF, d.dirErr
}

func (d *dirFS) closeFolder() {
	if d.dirF != nil {
		d.dirF.Close()
	}
	d.dir, d.dirF, d.dirErr = "", nil, nil
}

// memFile is a small file read whole: it serves readers as the file did,
// including random access, and does not outlive the next read (its bytes are
// the reused buffer; readers copy what they keep into strings). Its Stat
// has the size the file had when opened; Size is that of its bytes.
type memFile struct {
	*bytes.Reader
	info memInfo
}

func (m *memFile) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return i.mod }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// open opens input file p: a small regular file whole, through its open
// folder; anything else (symlinks, large files, other systems) through the
// file system.
func (g *Ingest) open(p string) (fs.File, error) {
	if d, ok := g.fsys.(*dirFS); ok {
		if f, ok := d.readSmall(p); ok {
			return f, nil
		}
	}
	return g.fsys.Open(p)
}
