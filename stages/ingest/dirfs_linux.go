package ingest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// readSmall reads p whole when it is a regular file (not a symlink: those
// take the checked way through os.Root) of at most smallFile bytes; ok false
// means "open it the usual way", which also reports any error.
func (d *dirFS) readSmall(p string) (*memFile, bool) {
	dir, err := d.folder(p)
	if err != nil {
		return nil, false
	}
	fd, err := unix.Openat(int(dir.Fd()), path.Base(p), unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size > smallFile {
		return nil, false
	}
	// Read to the end, whatever the size said: a file written meanwhile is
	// read as it now is, up to smallFile. A read that asked for more than the
	// size and got exactly the size has met the end, so most files take one
	// read, not a second one that returns nothing.
	b := d.buf[:0]
	if cap(b) < int(st.Size)+1 {
		b = make([]byte, 0, max(int(st.Size)+1, 64<<10))
	}
	for {
		if len(b) == cap(b) {
			if len(b) > smallFile {
				return nil, false
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
		if int64(len(b)) == st.Size && len(b) < cap(b) {
			break
		}
	}
	d.buf = b
	mod := time.Unix(st.Mtim.Unix())
	// The size is the one the file had when opened: a file that grew or
	// shrank while read differs from its bytes (see changedWhileRead).
	return &memFile{Reader: bytes.NewReader(b), info: memInfo{name: path.Base(p), size: st.Size, mode: fs.FileMode(st.Mode & 0o777), mod: mod}}, true
}

// ReadDir lists folder name, sorted by file name, from the file types the
// system's directory listing gives. A folder opened through os.Root lists
// each entry with an lstat, and keeps that file information until the
// walk leaves the folder: a system call and about 150 bytes a file, in a
// folder of a million files. Here the folder is opened through the root,
// as before, and listed from a copy of its descriptor outside it.
func (d *dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	unix.CloseOnExec(fd)
	// The copy's name is the folder's full path, which the system needs only
	// where the listing gives no file type (an lstat of that entry).
	g := os.NewFile(uintptr(fd), filepath.Join(d.root.Name(), filepath.FromSlash(name)))
	defer g.Close()
	list, err := g.ReadDir(-1)
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) { // named as in the input, not by full path
		err = &fs.PathError{Op: "readdir", Path: name, Err: pe.Err}
	}
	return list, err
}
