package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// warmFiles reads every regular file under dir once, with one reader per
// worker, and returns the files and bytes read. A run timed after it reads
// its input from the page cache where memory allows: on this project's
// machine 2M contract files read partly from disk made ingest 41% of a
// run's busy time instead of 18%, and the run 174 s instead of 111.
func warmFiles(ctx context.Context, dir string, workers int) (files, bytes int64, err error) {
	paths := make(chan string, 256)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(paths)
		return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			select {
			case paths <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	var nf, nb atomic.Int64
	for range max(workers, 1) {
		g.Go(func() error {
			buf := make([]byte, 256<<10)
			for p := range paths {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
				f.Close()
				if err != nil {
					return err
				}
				nf.Add(1)
				nb.Add(n)
			}
			return nil
		})
	}
	err = g.Wait()
	return nf.Load(), nb.Load(), err
}
