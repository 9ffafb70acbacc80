//go:build !unix

package offheap

import "errors"

// mapMemory is not available here: every table stays on the heap.
func mapMemory(int) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapMemory([]byte) {}
