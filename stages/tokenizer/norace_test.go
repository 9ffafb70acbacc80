//go:build !race

package tokenizer

// raceEnabled shrinks the slowest tests under the race detector.
const raceEnabled = false
