//go:build race

package minhash

// raceEnabled skips the heavy measurements under the race detector.
const raceEnabled = true
